"""/api/v1/cases/: proxy cases as the staff pages handle them (shanghui/proxy/views/).

Each endpoint follows the page it stands for: the same access check (shanghui/proxy/access.py), the same
guard (shanghui/proxy/actions.py) or form and service, the same search (proxy/queries.CaseFilter). Not
visible → 404; visible but not yours to act on → 403; the case moved on since the client looked → 409 with
its current status; bad input → 422 with the field messages. Personal data is masked as on the pages; the
full ID number only through the audited reveal.

Parts: schemas (the response shapes, each once), read, intake, actions, materials; common holds the router.
They register in the order of the OpenAPI document.
"""

# isort: off
from shanghui.apiv1.cases.common import router
from shanghui.apiv1.cases import read, intake, actions, materials
# isort: on

__all__ = ["actions", "intake", "materials", "read", "router"]
