"""The fuzz tests attack every URL pattern: these checks fail, saying what to add, when a new one would
be left out (a keyword argument `land` has no value for, an API path the OpenAPI document does not list,
a new area of the site)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from tests.input.surface import routes
from tests.input.test_fuzz_api import ALL

# Django's admin is Django's own code, for superusers only; every other area is attacked.
AREAS = {"pages", "api", "open311", "admin"}
# The API's own pages, not operations: the documents themselves and the root's pointer to them.
API_DOCUMENTS = {"api_v1:openapi-json", "api_v1:openapi-view", "api_v1:api-root", "api:openapi-json",
                 "api:openapi-view", "api:api-root"}  # fmt: skip


def test_every_area_is_attacked() -> None:
    assert {route.area for route in routes()} <= AREAS


def test_land_has_a_value_for_every_keyword_of_every_page(land: SimpleNamespace) -> None:
    missing = {
        route.name: sorted(set(route.kwargs) - set(land.values) - set(land.route_values.get(route.name, {})))
        for route in routes()
        if route.area == "pages"
    }
    assert {name: kwargs for name, kwargs in missing.items() if kwargs} == {}, "add them to land.values"


def test_every_api_pattern_is_an_operation_of_its_document() -> None:
    documented = {re.sub(r"\{[^}]+\}", "<>", path) for _method, path, _operation, _document in ALL}
    patterns = {
        "/" + re.sub(r"<[^>]+>", "<>", route.route)
        for route in routes()
        if route.area == "api" and route.name not in API_DOCUMENTS
    }
    assert patterns - documented == set()
