"""/api/v1/mediation/: the same access rules as the pages (an outsider, a chamber admin outside the
committee, a mediator not on the dispute: 404), the same services (the conflict check, 409 on a stale
status, 422 on bad input — nothing changed), audited openings, statistics without parties."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shanghui.audit.models import AuditEntry
from shanghui.mediation import services
from shanghui.mediation.models import Dispute, Status
from shanghui.mediation.tests.conftest import APPLICANT_MOBILE, RESPONDENT_MOBILE
from shanghui.mediation.workflow import COMMITTEE
from tests.api.conftest import error_of


@pytest.fixture
def api(med: SimpleNamespace, settings: object) -> SimpleNamespace:
    settings.API_RATE_LIMIT = "0"  # type: ignore[attr-defined]
    med.dispute = med.new()
    services.assign_mediator(
        actor=med.med_admin, kinds={COMMITTEE}, dispute_id=med.dispute.pk, mediator=med.mediator
    )
    return med


@pytest.mark.parametrize(
    ("persona", "listing", "detail", "stats"),
    [("med_admin", 200, 200, 200), ("mediator", 200, 200, 200), ("mediator2", 200, 404, 200),
     ("chamber_admin", 403, 404, 200), ("fed_admin", 403, 404, 200), ("agent", 403, 404, 403),
     ("outsider", 403, 404, 403)],
)  # fmt: skip
def test_the_api_access_matrix(api, api_as, persona, listing, detail, stats):
    client = api_as(getattr(api, persona))
    d = api.dispute
    assert client.get("/api/v1/mediation/disputes").status_code == listing
    assert client.get(f"/api/v1/mediation/disputes/{d.pk}").status_code == detail
    assert client.get("/api/v1/mediation/stats").status_code == stats
    if detail == 404:
        response = client.post(
            f"/api/v1/mediation/disputes/{d.pk}/actions/accept", {"expected_status": "filed"}
        )
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
        assert Dispute.objects.get(pk=d.pk).status == Status.FILED


def test_no_credentials_is_401(api):
    from django.test import Client

    assert Client().get("/api/v1/mediation/disputes").status_code == 401


def test_the_committee_files_accepts_and_assigns_through_the_api_with_the_conflict_check(api, api_as):
    admin = api_as(api.med_admin)
    body = {
        "committee": api.committee.pk, "source": "court", "kind": "contract", "amount": "30000.00",
        "facts": "买卖合同纠纷", "claims": "支付货款", "delegated_by": "柯城区人民法院",
        "external_number": "(2026)浙0802民诉前调7号",
        "parties": [
            {"side": "applicant", "kind": "enterprise", "name": api.enterprise_a.name,
             "credit_code": api.enterprise_a.credit_code, "mobile": APPLICANT_MOBILE},
            {"side": "respondent", "kind": "enterprise", "name": api.respondent_org.name,
             "credit_code": api.respondent_org.credit_code, "mobile": RESPONDENT_MOBILE},
        ],
    }  # fmt: skip
    response = admin.post("/api/v1/mediation/disputes", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["external_number"] == "(2026)浙0802民诉前调7号" and created["status"] == "filed"
    url = f"/api/v1/mediation/disputes/{created['id']}"
    # The tied mediator is refused with the reason; nothing is written
    response = admin.post(f"{url}/mediators", {"mediator": api.tied.pk})
    assert response.status_code == 422 and "利害关系" in error_of(response)["message"]
    assert Dispute.objects.get(pk=created["id"]).assignments.count() == 0
    response = admin.post(f"{url}/mediators", {"mediator": api.mediator2.pk})
    assert response.status_code == 200 and response.json()["mediators"][0]["name"]
    # Accept, then a stale status is a conflict
    assert admin.post(f"{url}/actions/accept", {"expected_status": "filed"}).status_code == 200
    response = admin.post(f"{url}/actions/decline", {"expected_status": "filed", "params": {"reason": "x"}})
    assert response.status_code == 409 and error_of(response)["current_status"] == "awaiting_consent"
    # A mediator may not accept (the committee's action): 403 on a dispute they see
    mediator = api_as(api.mediator)
    response = mediator.post(
        f"/api/v1/mediation/disputes/{api.dispute.pk}/actions/accept", {"expected_status": "filed"}
    )
    assert response.status_code == 403


def test_bad_input_is_422_and_changes_nothing(api, api_as):
    admin = api_as(api.med_admin)
    url = f"/api/v1/mediation/disputes/{api.dispute.pk}"
    response = admin.post(f"{url}/actions/decline", {"expected_status": "filed"})
    assert response.status_code == 422 and "reason" in error_of(response)["fields"]
    response = admin.post(f"{url}/actions/decline", {"expected_status": "filed", "params": {"colour": "red"}})
    assert response.status_code == 422
    response = admin.post("/api/v1/mediation/disputes", {"committee": api.committee.pk, "kind": "contract",
                                                         "amount": "-1", "facts": "x", "claims": "y", "parties": []})  # fmt: skip
    assert response.status_code == 422
    assert Dispute.objects.count() == 1 and Dispute.objects.get().status == Status.FILED
    # Another committee's admin cannot file for this one
    response = api_as(api.chamber_admin_b).post("/api/v1/mediation/disputes", {
        "committee": api.committee.pk, "kind": "debt", "facts": "x", "claims": "y",
        "parties": [{"side": "applicant", "kind": "person", "name": "甲", "mobile": APPLICANT_MOBILE},
                    {"side": "respondent", "kind": "person", "name": "乙", "mobile": RESPONDENT_MOBILE}]})  # fmt: skip
    assert response.status_code == 403


def test_a_read_only_token_reads_but_does_not_act(api, api_as):
    reader = api_as(api.med_admin, scope="read")
    assert reader.get(f"/api/v1/mediation/disputes/{api.dispute.pk}").status_code == 200
    response = reader.post(
        f"/api/v1/mediation/disputes/{api.dispute.pk}/actions/accept", {"expected_status": "filed"}
    )
    assert response.status_code == 403
    assert Dispute.objects.get(pk=api.dispute.pk).status == Status.FILED


def test_openings_through_the_api_are_audited_for_non_mediators(api, api_as):
    api_as(api.mediator).get(f"/api/v1/mediation/disputes/{api.dispute.pk}")
    assert not AuditEntry.objects.filter(action="mediation.open").exists()
    api_as(api.med_admin).get(f"/api/v1/mediation/disputes/{api.dispute.pk}")
    assert AuditEntry.objects.filter(action="mediation.open", actor_id=api.med_admin.pk).count() == 1


def test_the_list_filters_and_pages_with_a_cursor(api, api_as):
    for _ in range(2):
        api.new()
    admin = api_as(api.med_admin)
    first = admin.get("/api/v1/mediation/disputes", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = admin.get("/api/v1/mediation/disputes", {"limit": 2, "cursor": first["next_cursor"]}).json()
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 3
    assert admin.get("/api/v1/mediation/disputes", {"status": "closed"}).json()["items"] == []


def test_statistics_through_the_api_hold_no_party(api, api_as):
    response = api_as(api.chamber_admin).get("/api/v1/mediation/stats")
    body = response.json()
    assert body["total"] == 1 and body["by_kind"][0] == {"label": "合同/买卖", "disputes": 1, "agreements": 0}
    assert api.respondent_org.name not in response.content.decode()
