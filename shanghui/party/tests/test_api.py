"""/api/v1/ for party building: the same access as the pages (an outsider included), the same services,
the error shape (403, 404, 409, 422)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.accounts.tokens import create_token
from shanghui.party import checks, rubrics, services
from shanghui.party.models import Candidate, Deed
from shanghui.reviews.models import Chain
from shanghui.scorecards import services as scorecards
from tests.api.conftest import ApiClient, error_of


def api(user: Any) -> ApiClient:
    _row, raw = create_token(actor=user, user=user, name="测试", scope="write")
    return ApiClient(raw)


@pytest.fixture
def apiw(party: SimpleNamespace) -> SimpleNamespace:
    p = party
    p.candidate = p.new_candidate()
    Deed.objects.create(
        chamber=p.chamber_a, kind="donation", title="捐赠口罩", happened_on=dt.date(2026, 2, 1), amount=100000
    )
    return p


def test_candidates_are_listed_within_scope(apiw: SimpleNamespace) -> None:
    p = apiw
    body = api(p.fed_staff).get("/api/v1/party/candidates").json()
    assert [c["name"] for c in body["items"]] == ["王建国"] and body["items"][0]["mobile"] == "139****1111"
    assert api(p.chamber_admin_b).get("/api/v1/party/candidates").json()["items"] == []
    for who, code in ((p.outsider, 403), (p.dept_admin, 403)):
        response = api(who).get("/api/v1/party/candidates")
        assert response.status_code == code and error_of(response)["code"] == "forbidden"
    for who in (p.outsider, p.chamber_admin_b, p.dept_admin):
        assert api(who).get(f"/api/v1/party/candidates/{p.candidate.pk}").status_code == 404
    assert api(p.fed_staff).get("/api/v1/party/candidates", {"status": "final"}).json()["items"] == []


def test_the_five_steps_through_the_api(apiw: SimpleNamespace) -> None:
    p = apiw
    url = f"/api/v1/party/candidates/{p.candidate.pk}/start"
    assert api(p.auditor).post(url, {}).status_code == 403
    assert api(p.outsider).post(url, {}).status_code == 404
    assert api(p.chamber_admin).post(url, {"expected_status": "approved"}).status_code == 409
    assert Candidate.objects.get(pk=p.candidate.pk).status == "draft"
    body = api(p.chamber_admin).post(url, {"expected_status": "draft"}).json()
    assert body["status"] == "vetting" and body["chain_id"]
    chain_url = f"/api/v1/reviews/{body['chain_id']}"
    services.submit_self_check(candidate=p.candidate, mobile=p.mobile, conditions=list(checks.CONDITIONS),
                               disqualifications=[], signature="王建国")  # fmt: skip
    assert api(p.outsider).get(chain_url).status_code == 404
    assert api(p.chamber_admin).post(f"{chain_url}/decisions", {"action": "approve"}).status_code == 403
    chain = api(p.secretary).get(chain_url).json()
    assert chain["allowed_actions"] == ["approve", "ask_more", "send_back", "object", "rerun", "withdraw"]
    response = api(p.secretary).post(f"{chain_url}/decisions", {"action": "object"})
    assert response.status_code == 422 and "reason" in error_of(response)["fields"]
    for who in (p.secretary, p.chamber_admin, p.committee):
        assert (
            api(who).post(f"{chain_url}/decisions", {"action": "approve", "opinion": "同意"}).status_code
            == 200
        )
    assert [c["id"] for c in api(p.dept2_admin).get("/api/v1/reviews/inbox").json()] == [chain["id"]]
    api(p.dept_admin).post(f"{chain_url}/decisions", {"action": "approve"})
    api(p.dept2_admin).post(f"{chain_url}/decisions", {"action": "approve"})
    body = api(p.dept3_admin).post(f"{chain_url}/decisions", {"action": "approve"}).json()
    assert body["status"] == "approved"
    assert [e["action"] for e in body["events"]][-1] == "conclude"
    assert Chain.objects.get(pk=chain["id"]).status == "approved"
    assert api(p.fed_staff).get(f"/api/v1/party/candidates/{p.candidate.pk}").json()["status"] == "approved"


def test_register_and_stats(apiw: SimpleNamespace) -> None:
    p = apiw
    rows = api(p.fed_staff).get("/api/v1/party/register").json()
    assert {r["chamber"]: r["founded"] for r in rows} == {
        p.chamber_a.name: "in_step",
        p.chamber_b.name: "unknown",
    }
    stats = api(p.fed_staff).get("/api/v1/party/stats", {"year": 2026}).json()
    assert stats["donations"] == "100000.00" and stats["party_orgs"] == 1
    assert api(p.chamber_admin_b).get("/api/v1/party/stats").json()["donations"] == "0.00"
    assert api(p.outsider).get("/api/v1/party/stats").status_code == 403
    assert api(p.fed_staff).get("/api/v1/party/stats", {"year": 1900}).status_code == 422


def test_a_card_through_the_api(apiw: SimpleNamespace) -> None:
    p = apiw
    rnd = scorecards.open_round(rubric=rubrics.ensure_rubrics()["wuyou"], name="2026年度", organiser=p.city,
                                organisations=[p.chamber_a], period_start=dt.date(2026, 1, 1),
                                period_end=dt.date(2026, 12, 31), actor=p.committee)  # fmt: skip
    card = rnd.cards.get()
    url = f"/api/v1/scorecards/cards/{card.pk}"
    assert api(p.outsider).get(url).status_code == 404
    assert api(p.chamber_admin_b).get(url).status_code == 404
    ids = [s["indicator_id"] for s in api(p.chamber_admin).get(url).json()["scores"]]
    values = [{"indicator_id": i, "value": 1, "text": "见照片"} for i in ids]
    assert api(p.fed_staff).post(f"{url}/self", {"values": values}).status_code == 403
    response = api(p.chamber_admin).post(f"{url}/self", {"values": [{"indicator_id": ids[0], "value": 5}]})
    assert response.status_code == 422  # a yes/no item takes 0 or 1
    body = api(p.chamber_admin).post(f"{url}/self", {"values": values, "then": "submit"}).json()
    assert body["status"] == "submitted" and body["self_total"] == "100.0"
    review = [{"indicator_id": i, "value": 1} for i in ids]
    review[4] = {"indicator_id": ids[4], "value": 0, "text": "本季度无活动记录"}
    body = api(p.fed_staff).post(f"{url}/review", {"values": review, "then": "score"}).json()
    assert (body["status"], body["review_total"], body["level"]) == ("scored", "80.0", "未达标")
    assert [r["name"] for r in api(p.chamber_admin).get("/api/v1/scorecards/rounds").json()] == ["2026年度"]
    assert api(p.outsider).get("/api/v1/scorecards/rounds").status_code == 403


def test_party_organisations_and_the_work_register(apiw: SimpleNamespace) -> None:
    p = apiw
    assert [o["name"] for o in api(p.fed_staff).get("/api/v1/party/orgs").json()] == ["衢州在上海商会党支部"]
    assert api(p.chamber_admin_b).get("/api/v1/party/orgs").json() == []
    assert api(p.outsider).get("/api/v1/party/orgs").status_code == 403
    body = {"chamber": p.chamber_a.pk, "kind": "problem", "title": "协调用工", "happened_on": "2026-06-01"}
    assert api(p.chamber_admin_b).post("/api/v1/party/deeds", body).status_code == 404
    assert api(p.auditor).post("/api/v1/party/deeds", body).status_code == 403
    response = api(p.chamber_admin).post("/api/v1/party/deeds", {**body, "kind": "donation"})
    assert response.status_code == 422 and "amount" in error_of(response)["fields"]
    assert Deed.objects.count() == 1
    created = api(p.chamber_admin).post("/api/v1/party/deeds", body)
    assert created.status_code == 201 and created.json()["kind_label"] == "帮企解难"
    page = api(p.fed_staff).get("/api/v1/party/deeds", {"kind": "problem"}).json()
    assert [d["title"] for d in page["items"]] == ["协调用工"]
    assert api(p.chamber_admin_b).get("/api/v1/party/deeds").json()["items"] == []
