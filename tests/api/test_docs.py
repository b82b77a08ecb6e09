"""The OpenAPI document and the interactive documentation are served by this server: no CDN."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client


def test_openapi_document_lists_every_endpoint_and_error(db: Any) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert "/api/v1/cases/{case_id}/actions/{action}" in paths
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "403", "404", "422", "429"} <= declared, (method, path)


def test_docs_page_loads_everything_from_this_server(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/") for s in sources), sources  # nothing from another host
    # The Content-Security-Policy forbids inline script: the page has none that runs.
    assert not re.search(r"<script>(?!\s*</script>)", html)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for source in sources:
        if source.startswith("/static/"):
            assert Client().get(source).status_code == 200, source


def test_the_citizen_search_api_is_still_where_it_was(db: Any) -> None:
    response = Client().get("/api/catalog/search", {"q": "身份证"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_every_programmes_choices_have_a_name_of_their_own(db: Any) -> None:
    # Several apps call their choices Status or Kind; one must not overwrite another in the document.
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "forwarded" in schemas["Status"]["enum"] and "agent" in schemas["Channel"]["enum"]  # proxy's
    assert schemas["ActivitiesStatus"]["enum"] == [
        "draft", "pending", "published", "in_progress", "finished", "closed", "cancelled",
    ]  # fmt: skip
    assert "partner_charity" in schemas["DonationsGiftChannel"]["enum"]
    assert {"DonationsFundStatus", "DonationsGiftStatus", "MediationStatus", "PartyCandidateStatus"} <= set(
        schemas
    )
