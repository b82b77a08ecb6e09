"""/api/v1/donations/ and /api/v1/pairing/: the same services and access as the pages. Money as strings
of yuan; a refused action changes nothing (403, 404 for an outsider, 409, 422 for an overdraft)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.accounts.models import ApiToken
from shanghui.donations import ledger
from shanghui.donations.models import Disbursement, Entry, Gift
from shanghui.donations.tests.conftest import dw  # noqa: F401  (fixture)
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from shanghui.pairing.services import add_project, create_pair
from tests.api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db

Api = Callable[..., ApiClient]


def test_a_gift_through_the_partner_charity_then_a_disbursement(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    staff, admin = api_as(dw.chamber_staff), api_as(dw.chamber_admin)
    r = staff.post(f"/api/v1/donations/funds/{dw.fund.pk}/gifts", {
        "donor": {"kind": "enterprise", "name": "衢州甲科技有限公司"}, "kind": "money", "amount": "12000.50",
        "channel": "partner_charity", "receipt_number": "ZJ-0001", "received_on": str(dw.today),
    })  # fmt: skip
    assert r.status_code == 201, r.content
    gift = r.json()
    assert (gift["amount"], gift["receipt_issuer"], gift["receipt_number"]) == (
        "12000.50",
        "衢州市慈善总会",
        "ZJ-0001",
    )

    r = staff.post(f"/api/v1/donations/funds/{dw.fund.pk}/disbursements", {
        "amount": "12000.51", "recipient_kind": "school", "recipient_name": "花园村小学", "purpose": "助学",
    })  # fmt: skip
    assert r.status_code == 422
    assert "amount" in error_of(r)["fields"]
    r = staff.post(f"/api/v1/donations/funds/{dw.fund.pk}/disbursements", {
        "amount": "5000", "recipient_kind": "school", "recipient_name": "花园村小学", "purpose": "助学",
    })  # fmt: skip
    assert r.status_code == 201
    d = r.json()
    assert d["allowed_actions"] == []  # staff cannot approve
    # The staff member is refused approval (403) and nothing changes.
    r = staff.post(
        f"/api/v1/donations/disbursements/{d['id']}/actions/approve", {"expected_status": "requested"}
    )
    assert r.status_code == 403
    assert Disbursement.objects.get(pk=d["id"]).status == "requested"

    r = admin.post(
        f"/api/v1/donations/disbursements/{d['id']}/actions/approve", {"expected_status": "requested"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    # Approving again: the status moved on, 409 with the current status.
    r = admin.post(
        f"/api/v1/donations/disbursements/{d['id']}/actions/approve", {"expected_status": "requested"}
    )
    assert r.status_code == 409
    assert error_of(r)["current_status"] == "approved"

    fund = admin.get(f"/api/v1/donations/funds/{dw.fund.pk}").json()
    assert fund["totals"]["balance"] == "7000.50"
    assert fund["totals"]["balance_fen"] == ledger.balance_fen(dw.fund) == 700_050
    entries = admin.get(f"/api/v1/donations/funds/{dw.fund.pk}/entries").json()["items"]
    assert [(e["seq"], e["kind"], e["balance_change"]) for e in entries] == [
        (1, "gift", "12000.50"), (2, "disbursement", "-5000.00"),
    ]  # fmt: skip


def test_money_is_never_a_json_number(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    before = Gift.objects.count()
    for amount in (0.1, "0.001", "-5", "1e3"):
        r = api_as(dw.chamber_staff).post(f"/api/v1/donations/funds/{dw.fund.pk}/gifts", {
            "donor": {"kind": "anonymous"}, "kind": "money", "amount": amount, "channel": "own_account",
            "received_on": str(dw.today),
        })  # fmt: skip
        assert r.status_code == 422, (amount, r.content)
    assert Gift.objects.count() == before


def test_goods_without_a_value_source_are_refused(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    r = api_as(dw.chamber_staff).post(f"/api/v1/donations/funds/{dw.fund.pk}/gifts", {
        "donor": {"kind": "chamber", "name": "衢州在上海商会"}, "kind": "goods", "description": "口罩",
        "quantity": "1000", "unit": "只", "value": "1500", "channel": "own_account", "received_on": str(dw.today),
    })  # fmt: skip
    assert r.status_code == 422
    assert "value_source" in error_of(r)["fields"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("outsider", 404), ("chamber_admin_b", 404), ("auditor", 403), ("agent", 404), ("fed_admin", 200)],
)
def test_access_is_the_pages_access(dw: SimpleNamespace, api_as: Api, persona: str, expected: int) -> None:  # noqa: F811
    gift = dw.money(dw.fund, "100")
    client = api_as(getattr(dw, persona))
    before = (Entry.objects.count(), Gift.objects.get(pk=gift.pk).status)
    r = client.post(f"/api/v1/donations/gifts/{gift.pk}/reverse", {"reason": "测试"})
    assert r.status_code == expected, r.content
    if expected != 200:
        assert (Entry.objects.count(), Gift.objects.get(pk=gift.pk).status) == before
    r = client.get(f"/api/v1/donations/funds/{dw.fund.pk}")
    assert r.status_code == (404 if expected == 404 else 200)


def test_lists_refuse_people_without_a_ledger_role(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    for path in (
        "/api/v1/donations/funds",
        "/api/v1/donations/gifts",
        "/api/v1/donations/stats",
        "/api/v1/pairing/pairs",
    ):
        assert api_as(dw.outsider).get(path).status_code == 403
        assert api_as(dw.fed_staff).get(path).status_code == 200
    assert api_as(dw.chamber_admin_b).get("/api/v1/donations/funds").json()["items"] == []


def test_a_read_only_token_cannot_write(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    r = api_as(dw.chamber_admin, scope=ApiToken.Scope.READ).post(
        f"/api/v1/donations/funds/{dw.fund.pk}/actions/close", {"expected_status": "open"}
    )
    assert r.status_code == 403


def test_pairing_keeps_donations_and_investment_apart(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    village = make_org(OrgKind.VILLAGE, "飞龙村", dw.city)
    pair = create_pair(actor=dw.chamber_admin, partner=dw.enterprise_a, village=village, starts_on=dt.date(2025, 3, 1),
                       province="四川省", county="武胜县")  # fmt: skip
    dw.money(dw.fund, "30000")
    add_project(actor=dw.chamber_admin, pair=pair, kind="industry", name="茶叶加工厂", started_on=dt.date(2025, 4, 1),
                invested=__import__("decimal").Decimal("2000000"))  # fmt: skip
    add_project(
        actor=dw.chamber_admin,
        pair=pair,
        kind="charity",
        name="助学",
        started_on=dt.date(2025, 4, 1),
        fund=dw.fund,
    )
    add_project(
        actor=dw.chamber_admin,
        pair=pair,
        kind="expertise",
        name="电商培训",
        started_on=dt.date(2025, 5, 1),
        fund=dw.fund,
    )
    body: Any = api_as(dw.fed_admin).get(f"/api/v1/pairing/pairs/{pair.pk}").json()
    # The fund shared by two projects counts once; investment apart.
    assert (body["figures"]["donated"], body["figures"]["invested"]) == ("30000.00", "2000000.00")
    stats = api_as(dw.fed_admin).get("/api/v1/pairing/stats").json()
    assert stats["by_place"][0]["province"] == "四川省"
    assert set(stats["total"]["figures"]) == {
        "donated",
        "invested",
        "projects",
        "collective_income",
        "jobs",
        "trained",
    }
    assert api_as(dw.outsider).get(f"/api/v1/pairing/pairs/{pair.pk}").status_code == 404
    assert api_as(dw.chamber_admin_b).get(f"/api/v1/pairing/pairs/{pair.pk}").status_code == 404


def test_a_receipt_later_and_a_pair_ended_through_the_api(dw: SimpleNamespace, api_as: Api) -> None:  # noqa: F811
    gift = dw.money(dw.fund, "800", channel="partner_charity")
    r = api_as(dw.chamber_staff).post(
        f"/api/v1/donations/gifts/{gift.pk}/receipt", {"receipt_number": "ZJ-7"}
    )
    assert r.status_code == 200 and r.json()["receipt_issuer"] == "衢州市慈善总会"
    r = api_as(dw.chamber_staff).post(
        f"/api/v1/donations/gifts/{gift.pk}/receipt", {"receipt_number": "ZJ-8"}
    )
    assert r.status_code == 422
    assert (
        api_as(dw.auditor)
        .post(f"/api/v1/donations/gifts/{gift.pk}/receipt", {"receipt_number": "x"})
        .status_code
        == 403
    )
    village = make_org(OrgKind.VILLAGE, "白果村", dw.city)
    pair = create_pair(actor=dw.chamber_admin, partner=dw.enterprise_a, village=village, starts_on=dt.date(2024, 1, 1),
                       province="四川省", county="邻水县")  # fmt: skip
    assert (
        api_as(dw.auditor).post(f"/api/v1/pairing/pairs/{pair.pk}/end", {"ends_on": "2025-01-01"}).status_code
        == 403
    )
    r = api_as(dw.chamber_staff).post(f"/api/v1/pairing/pairs/{pair.pk}/end", {"ends_on": "2025-01-01"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["ends_on"]) == ("ended", "2025-01-01")
    r = api_as(dw.chamber_staff).post(f"/api/v1/pairing/pairs/{pair.pk}/end", {"ends_on": "2025-01-01"})
    assert r.status_code == 409
