"""A read is a read: every GET page and GET API call of proxy cases and the catalogue leaves the row count
of every table as it was, for every persona who can open it. The audited reads (a file download, a
receipt, an Excel export) add their one audit row and nothing else.

The pages and calls are found as the fuzz tests find them (tests/input/surface.py, the OpenAPI document),
so that a new one is checked without editing this test."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from shanghui.catalog.models import ItemVersion
from shanghui.catalog.tests.factories import make_item
from tests.input.conftest import PERSONAS, client_for, land  # noqa: F401  (fixture re-exported)
from tests.input.surface import routes, url_of
from tests.input.test_fuzz_api import ALL

AREAS = ("proxy:", "citizen:", "catalog:", "catalog_public:", "case_receipt")
API_PREFIXES = ("/api/v1/cases", "/api/v1/catalog", "/api/catalog")
AUDIT_TABLE = "audit_auditentry"
# Reads that are audited by design: personal data leaves the system (files, receipts, exports).
AUDITED = re.compile(r"/files/|/file$|/file/|receipt|export|\.xlsx|report")


def _counts() -> dict[str, int]:
    tables = sorted(connection.introspection.table_names())
    quoted = [connection.ops.quote_name(t) for t in tables]
    with connection.cursor() as cursor:
        # Table names from the introspection of our own database, quoted: no outside input.
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q})" for q in quoted))  # noqa: S608
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def _changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after.get(t)}


def _check(url: str, who: str, response: Any, before: dict[str, int], problems: list[str]) -> None:
    changed = _changed(before, _counts())
    if AUDITED.search(url) and response.status_code == 200:
        if changed and set(changed) != {AUDIT_TABLE}:
            problems.append(f"{who} GET {url}: {changed}")
    elif changed:
        problems.append(f"{who} GET {url} ({response.status_code}): {changed}")


@pytest.mark.django_db
def test_every_get_page_of_cases_and_the_catalogue_writes_nothing(land: SimpleNamespace) -> None:  # noqa: F811
    # An item whose current version was never stored (written outside the catalogue services): showing it
    # on the intake page must not store it.
    unpinned = make_item(land.dept, "临时身份证明")
    ItemVersion.objects.filter(item=unpinned).delete()
    extra = {"proxy:create": [{"item": unpinned.pk, "point": land.point_a.pk}, {"item": land.item.pk}]}
    pages = [r for r in routes() if r.area == "pages" and r.name.startswith(AREAS)]
    assert {"proxy:list", "proxy:detail", "proxy:stats", "catalog:item_list", "citizen:case"} <= {
        r.name for r in pages
    }
    problems: list[str] = []
    opened = 0
    for route in pages:
        values = {**land.values, **land.route_values.get(route.name, {})}
        url = url_of(route, values)
        queries = [land.queries.get(route.name, {}), *extra.get(route.name, [])]
        for persona in PERSONAS:
            client = client_for(land, persona)
            for query in queries:
                before = _counts()
                response = client.get(url, query)
                opened += response.status_code == 200
                _check(url, persona, response, before, problems)
    assert problems == []
    assert opened > len(pages)  # most pages opened for someone, not only refused
    assert not ItemVersion.objects.filter(item=unpinned).exists()


@pytest.mark.django_db
def test_every_get_call_of_cases_and_the_catalogue_writes_nothing(
    land: SimpleNamespace,  # noqa: F811
    make_token: Any,
) -> None:
    calls = [path for method, path, _op, _doc in ALL if method == "GET" and path.startswith(API_PREFIXES)]
    assert "/api/v1/cases/{case_id}" in calls and "/api/v1/cases" in calls
    tokens = {who: make_token(getattr(land, who)) for who in ("agent", "clerk", "fed_admin", "outsider")}
    problems: list[str] = []
    answered = 0
    for path in calls:
        url = re.sub(r"\{(\w+)\}", lambda m: str(land.values[m.group(1)]), path)
        for who, token in [*tokens.items(), ("anonymous", None)]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            before = _counts()
            response = Client().get(url, headers=headers)
            answered += response.status_code == 200
            _check(url, who, response, before, problems)
    assert problems == []
    assert answered >= len(calls)
