"""/api/v1/ activities: the same access as the pages (outsider 403, another chamber's admin 404), the same
services and workflow (409 on a stale status, 422 on bad input), cursor pagination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from shanghui.activities import services
from shanghui.activities.models import Activity, HourRecord, HourState, SignUp, SignUpState, Status
from shanghui.activities.tests.conftest import act  # noqa: F401  (fixture re-exported)
from tests.api.conftest import ApiClient, error_of


@pytest.fixture
def a(act: SimpleNamespace) -> SimpleNamespace:  # noqa: F811
    act.activity = act.published()
    act.person = act.volunteer(1)
    act.signup = services.sign_up(volunteer=act.person, slot=act.slot(act.activity))
    return act


EXPECTED = {
    "fed_admin": (200, 200, 200), "chamber_admin": (200, 200, 200), "chamber_staff": (200, 200, 200),
    "auditor": (200, 200, 200), "chamber_admin_b": (200, 404, 404), "outsider": (403, 403, 403), "clerk": (403, 403, 403),
}  # fmt: skip


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_reading_answers_each_persona_as_the_pages_do(
    a: SimpleNamespace, api_as: Callable[..., ApiClient], persona: str
) -> None:
    client = api_as(getattr(a, persona))
    got = (
        client.get("/api/v1/activities").status_code,
        client.get(f"/api/v1/activities/{a.activity.pk}").status_code,
        client.get(f"/api/v1/activities/{a.activity.pk}/signups").status_code,
    )
    assert got == EXPECTED[persona]
    if persona == "chamber_admin_b":
        assert client.get("/api/v1/activities").json()["items"] == []


def test_the_list_pages_with_a_cursor(a: SimpleNamespace, api_as: Callable[..., ApiClient]) -> None:
    for n in range(3):
        a.new(
            title=f"活动{n}",
            starts_at=a.start + dt.timedelta(days=n + 1),
            ends_at=a.start + dt.timedelta(days=n + 1, hours=2),
        )
    client = api_as(a.chamber_admin)
    first = client.get("/api/v1/activities", {"limit": 2}).json()
    second = client.get("/api/v1/activities", {"limit": 2, "cursor": first["next_cursor"]}).json()
    ids = [x["id"] for x in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 4 and second["next_cursor"] is None


def test_create_submit_approve_with_conflict_and_refusals(
    a: SimpleNamespace, api_as: Callable[..., ApiClient]
) -> None:
    staff, admin = api_as(a.chamber_staff), api_as(a.chamber_admin)
    body = {
        "organisation": a.chamber_a.pk, "kind": "volunteer", "title": "河道清洁", "starts_at": "2030-06-01T08:00:00+08:00",
        "ends_at": "2030-06-01T11:00:00+08:00", "contact_name": "王敏", "contact_phone": "021-58881234", "risk": "high",
        "slots": [{"role": "清洁员", "quantity": 5}],
    }  # fmt: skip
    created = staff.post("/api/v1/activities", body)
    assert created.status_code == 201, created.json()
    activity_id = created.json()["id"]
    assert created.json()["slots"][0]["quantity"] == 5

    # A risky activity without insurance cannot be submitted: 409, nothing changes.
    refused = staff.post(f"/api/v1/activities/{activity_id}/actions/submit", {})
    assert refused.status_code == 409 and "意外保险" in error_of(refused)["message"]
    services.update_activity(
        actor=a.chamber_staff, activity=Activity.objects.get(pk=activity_id), insurance_policy="PICC-1"
    )
    assert (
        staff.post(
            f"/api/v1/activities/{activity_id}/actions/submit", {"expected_status": "draft"}
        ).status_code
        == 200
    )
    # The organiser is not the approver; another chamber's admin does not see it; a stale status is a conflict.
    assert staff.post(f"/api/v1/activities/{activity_id}/actions/approve", {}).status_code == 403
    assert (
        api_as(a.chamber_admin_b).post(f"/api/v1/activities/{activity_id}/actions/approve", {}).status_code
        == 404
    )
    stale = admin.post(f"/api/v1/activities/{activity_id}/actions/approve", {"expected_status": "draft"})
    assert stale.status_code == 409 and error_of(stale)["current_status"] == "pending"
    assert Activity.objects.get(pk=activity_id).status == Status.PENDING
    ok = admin.post(f"/api/v1/activities/{activity_id}/actions/approve", {"expected_status": "pending"})
    assert ok.status_code == 200 and ok.json()["status"] == "published"
    # Cancelling needs a reason.
    missing = admin.post(f"/api/v1/activities/{activity_id}/actions/cancel", {})
    assert missing.status_code == 422 and "reason" in error_of(missing)["fields"]


def test_bad_input_is_422_and_creates_nothing(a: SimpleNamespace, api_as: Callable[..., ApiClient]) -> None:
    staff = api_as(a.chamber_staff)
    bad = staff.post("/api/v1/activities", {
        "organisation": a.chamber_a.pk, "kind": "volunteer", "title": "x", "starts_at": "2030-06-01T08:00:00+08:00",
        "ends_at": "2030-06-01T07:00:00+08:00", "contact_name": "王敏", "contact_phone": "1",
    })  # fmt: skip
    assert bad.status_code == 422 and error_of(bad)["fields"]["ends_at"] == ["结束时间应晚于开始时间"]
    elsewhere = staff.post("/api/v1/activities", {
        "organisation": a.chamber_b.pk, "kind": "volunteer", "title": "x", "starts_at": "2030-06-01T08:00:00+08:00",
        "ends_at": "2030-06-01T09:00:00+08:00", "contact_name": "王敏", "contact_phone": "1",
    })  # fmt: skip
    assert elsewhere.status_code == 422
    assert not Activity.objects.filter(title="x").exists()


def test_signups_attendance_and_hours_through_the_api(
    a: SimpleNamespace, api_as: Callable[..., ApiClient]
) -> None:
    staff = api_as(a.chamber_staff)
    slot = a.slot(a.activity)
    added = staff.post(
        f"/api/v1/activities/{a.activity.pk}/signups",
        {"slot": slot.pk, "mobile": "13900002222", "name": "钱七"},
    )
    assert added.status_code == 201 and added.json()["volunteer_mobile"] == "139****2222"
    full = staff.post(
        f"/api/v1/activities/{a.activity.pk}/signups",
        {"slot": slot.pk, "mobile": "13900003333", "name": "孙八"},
    )
    assert full.status_code == 201 and full.json()["state"] == "waitlisted"
    # Outsiders and read-only roles change nothing.
    assert api_as(a.outsider).post(f"/api/v1/activity-signups/{a.signup.pk}/cancel").status_code == 403
    assert api_as(a.auditor).post(f"/api/v1/activity-signups/{a.signup.pk}/cancel").status_code == 403
    assert api_as(a.chamber_admin_b).post(f"/api/v1/activity-signups/{a.signup.pk}/cancel").status_code == 404
    assert SignUp.objects.get(pk=a.signup.pk).state == SignUpState.CONFIRMED

    with pytest.MonkeyPatch.context() as patch:
        from django.utils import timezone

        patch.setattr(timezone, "now", lambda: a.activity.starts_at)
        assert staff.post(f"/api/v1/activity-signups/{a.signup.pk}/in").status_code == 200
        patch.setattr(timezone, "now", lambda: a.activity.starts_at + dt.timedelta(minutes=100))
        out = staff.post(f"/api/v1/activity-signups/{a.signup.pk}/out")
        assert out.status_code == 200 and out.json()["check_out_method"] == "organiser"
        for action in ("start", "finish"):
            assert staff.post(f"/api/v1/activities/{a.activity.pk}/actions/{action}", {}).status_code == 200
    pending = staff.get("/api/v1/volunteer-hours", {"state": "pending"}).json()["items"]
    assert [(p["volunteer_name"], p["hours"]) for p in pending] == [("志愿者1", "1.5")]
    decided = staff.post("/api/v1/volunteer-hours/decide", {"records": [pending[0]["id"]], "approve": True})
    assert decided.json() == {"decided": 1}
    assert HourRecord.objects.get().state == HourState.APPROVED
    stats = staff.get("/api/v1/activity-stats", {"year": a.activity.starts_at.year}).json()
    assert (stats["person_times"], stats["volunteers"], stats["hours"]) == (1, 1, "1.5")
    assert api_as(a.outsider).get("/api/v1/activity-stats").status_code == 403


def test_a_read_only_token_never_writes(a: SimpleNamespace, api_as: Callable[..., ApiClient]) -> None:
    response = api_as(a.chamber_admin, scope="read").post(
        f"/api/v1/activities/{a.activity.pk}/actions/cancel", {"reason": "x"}
    )
    assert response.status_code == 403
    assert Activity.objects.get(pk=a.activity.pk).status == Status.PUBLISHED
