"""Who may call /api/v1/: personal tokens (refused with their reason), read-only tokens, the session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import create_token, revoke_token
from shanghui.proxy.models import Status
from tests.api.conftest import ApiClient, error_of

pytestmark = pytest.mark.django_db


def test_no_token_and_no_session_is_401(world: Any) -> None:
    response = ApiClient(None).get("/api/v1/me")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "unauthorized"
    assert "令牌" in error["message"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer shp_not-a-real-token", "API 令牌无效"),
        ("Bearer ", "未提供 API 令牌"),
    ],
)
def test_unknown_or_empty_token_is_401_with_reason(world: Any, header: str, message: str) -> None:
    response = ApiClient(None).get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response) == {"code": "unauthorized", "message": message, "fields": {}}


def test_revoked_token_is_refused(world: Any) -> None:
    token, raw = create_token(actor=world.agent, user=world.agent, name="对接", scope=ApiToken.Scope.WRITE)
    assert ApiClient(raw).get("/api/v1/me").status_code == 200
    revoke_token(actor=world.agent, token=token)
    response = ApiClient(raw).get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["message"] == "API 令牌已吊销"


def test_expired_token_is_refused(world: Any) -> None:
    past = timezone.now() - dt.timedelta(minutes=1)
    _token, raw = create_token(actor=world.agent, user=world.agent, name="旧", expires_at=past)
    response = ApiClient(raw).get("/api/v1/cases")
    assert response.status_code == 401
    assert error_of(response)["message"] == "API 令牌已过期"


def test_token_of_a_deactivated_account_is_refused(world: Any, make_token: Any) -> None:
    raw = make_token(world.agent)
    world.agent.is_active = False
    world.agent.save(update_fields=["is_active"])
    response = ApiClient(raw).get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["message"] == "令牌所属账号已停用"


def test_a_token_speaks_for_its_owner_and_records_its_use(world: Any, make_token: Any) -> None:
    raw = make_token(world.agent, scope="read", name="报表")
    body = ApiClient(raw).get("/api/v1/me").json()
    assert body["username"] == "agent"
    assert body["token"]["scope"] == "read"
    assert body["token"]["name"] == "报表"
    assert raw not in str(body)  # the token itself is never echoed
    assert [r["role"] for r in body["roles"]] == ["agent"]
    assert body["intake_points"] == [{"id": world.point_a.pk, "name": world.point_a.name}]
    assert ApiToken.objects.get(user=world.agent).last_used_at is not None


def test_read_only_token_cannot_write(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    api = api_as(pw.agent, scope="read")
    assert api.get(f"/api/v1/cases/{case.pk}").status_code == 200
    for path, data in [
        (
            f"/api/v1/cases/{case.pk}/actions/forward",
            {"expected_status": "submitted", "params": {"window": pw.window.pk}},
        ),
        (f"/api/v1/cases/{case.pk}/messages", {"body": "您好"}),
        (f"/api/v1/cases/{case.pk}/reveal", None),
        ("/api/v1/notifications/read", {}),
    ]:
        response = api.post(path, data)
        assert response.status_code == 403, path
        error = error_of(response)
        assert error["code"] == "forbidden"
        assert "只读" in error["message"]
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_session_reads_and_writes_with_csrf_only(pw: Any) -> None:
    case = pw.submitted()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(pw.agent)
    assert browser.get("/api/v1/cases").json()["items"][0]["id"] == case.pk

    path = f"/api/v1/cases/{case.pk}/messages"
    refused = browser.post(path, '{"body": "您好"}', content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in error_of(refused)["message"]

    browser.get("/accounts/tokens/")  # any page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post(
        path, '{"body": "您好"}', content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 201
    assert accepted.json()["body"] == "您好"


def test_anonymous_post_is_401_not_a_csrf_error(world: Any) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/notifications/read", "{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_a_bad_token_is_refused_even_with_a_session(world: Any) -> None:
    browser = Client()
    browser.force_login(world.agent)
    response = browser.get("/api/v1/me", headers={"Authorization": "Bearer shp_wrong"})
    assert response.status_code == 401
