"""Who gets what from the ledger's and pairing's pages: one row per persona of the `world` (plus
anonymous), one column per page, each cell the exact answer (login: 302 to the login page; ok: a POST
that did its work and redirected; citizen: 302 to the phone login). A refused request changes nothing.

The objects: a public fund of chamber A (衢州在上海商会, under the city) with a gift and a requested
disbursement; a pair of chamber A's enterprise with a village under the city.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.audit.models import AuditEntry
from shanghui.donations.models import Disbursement, Entry, Gift
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from shanghui.pairing.services import create_pair

MATRIX = """
persona          funds fxlsx fund  gnew  gift  gifts disb  apprv rvrs  stats pairs pxlsx pair  pstat public mine
anonymous        login login login login login login login login login login login login login login 200    citizen
fed_admin        200   200   200   200   200   200   200   ok    ok    200   200   200   200   200   200    citizen
fed_staff        200   200   200   200   200   200   200   403   403   200   200   200   200   200   200    citizen
county_admin     200   200   404   404   404   200   404   404   404   200   200   200   404   200   200    citizen
chamber_admin    200   200   200   200   200   200   200   ok    ok    200   200   200   200   200   200    citizen
chamber_staff    200   200   200   200   200   200   200   403   403   200   200   200   200   200   200    citizen
agent            403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
chamber_admin_b  200   200   404   404   404   200   404   404   404   200   200   200   404   200   200    citizen
agent_b          403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
dept_admin       403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
clerk            403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
mediator         403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
lecturer         403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
party_officer    403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
auditor          200   200   200   403   200   200   200   403   403   200   200   200   200   200   200    citizen
outsider         403   403   404   404   404   403   404   404   404   403   403   403   404   403   200    citizen
"""


def _parse(table: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    lines = [line.split() for line in table.strip().splitlines()]
    columns = lines[0][1:]
    return columns, {row[0]: dict(zip(columns, row[1:], strict=True)) for row in lines[1:]}


COLUMNS, EXPECTED = _parse(MATRIX)
CASES = [(persona, column, EXPECTED[persona][column]) for persona in EXPECTED for column in COLUMNS]


@pytest.fixture
def objects(dw: SimpleNamespace) -> SimpleNamespace:
    dw.gift = dw.money(dw.fund, "1000")
    dw.disbursement = dw.request(dw.fund, "400")
    dw.village = make_org(OrgKind.VILLAGE, "花园村", dw.city)
    dw.pair = create_pair(
        actor=dw.chamber_admin, partner=dw.enterprise_a, village=dw.village, starts_on=dt.date(2025, 1, 1),
        province="四川省", county="岳池县",
    )  # fmt: skip
    return dw


def _request(client: Client, w: SimpleNamespace, column: str) -> Any:
    gets = {
        "funds": reverse("donations:funds"),
        "fxlsx": reverse("donations:funds") + "?export=xlsx",
        "fund": reverse("donations:fund", args=[w.fund.pk]),
        "gnew": reverse("donations:gift_create", args=[w.fund.pk]),
        "gift": reverse("donations:gift", args=[w.gift.pk]),
        "gifts": reverse("donations:gifts"),
        "disb": reverse("donations:disbursement", args=[w.disbursement.pk]),
        "stats": reverse("donations:stats"),
        "pairs": reverse("pairing:list"),
        "pxlsx": reverse("pairing:list") + "?export=xlsx",
        "pair": reverse("pairing:detail", args=[w.pair.pk]),
        "pstat": reverse("pairing:stats"),
        "public": reverse("give:disclosure", args=[w.fund.pk]),
        "mine": reverse("give:mine"),
    }
    if column in gets:
        return client.get(gets[column])
    if column == "apprv":
        return client.post(
            reverse("donations:disbursement_act", args=[w.disbursement.pk, "approve"]),
            {"expected_status": "requested"},
        )
    return client.post(
        reverse("donations:gift", args=[w.gift.pk]), {"reason": "登记错误", "expected_status": "recorded"}
    )


def _fingerprint(w: SimpleNamespace) -> tuple[Any, ...]:
    return (
        Entry.objects.count(),
        Disbursement.objects.get(pk=w.disbursement.pk).status,
        Gift.objects.get(pk=w.gift.pk).status,
        AuditEntry.objects.filter(action__startswith="donation.").exclude(action="donation.export").count(),
    )


@pytest.mark.parametrize(("persona", "column", "expected"), CASES, ids=[f"{p}-{c}" for p, c, _ in CASES])
def test_access_matrix(
    client: Client, objects: SimpleNamespace, persona: str, column: str, expected: str
) -> None:
    if persona != "anonymous":
        client.force_login(getattr(objects, persona))
    before = _fingerprint(objects)

    response = _request(client, objects, column)

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif expected == "citizen":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("citizen:login"))
    elif expected == "ok":
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("accounts:login"))
        assert _fingerprint(objects) != before
    else:
        assert response.status_code == int(expected), response.content[:300]
    if expected in {"login", "403", "404", "citizen"}:
        assert _fingerprint(objects) == before


def test_matrix_names_every_persona_of_the_world(world: SimpleNamespace) -> None:
    personas = {name for name, value in vars(world).items() if isinstance(value, User)}
    assert personas | {"anonymous"} == set(EXPECTED)
