"""The “API 令牌” page: create (shown once), list, revoke; every change audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.utils import timezone

from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import hash_token
from shanghui.audit.models import AuditEntry
from tests.api.conftest import ApiClient


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_create_shows_the_token_once_and_it_works(world: Any) -> None:
    browser = logged_in(world.agent)
    page = browser.get("/accounts/tokens/")
    assert page.status_code == 200
    assert 'href="/accounts/tokens/"' in page.content.decode()  # the user menu entry
    assert "empty-state" in page.content.decode()

    response = browser.post(
        "/accounts/tokens/",
        {"name": "市民服务系统", "scope": "write", "expiry": "30", "organisation": str(world.point_a.pk)},
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'value="(shp_[^"]+)"', response.content.decode())
    assert raw is not None
    token = ApiToken.objects.get(user=world.agent)
    assert token.key_hash == hash_token(raw[1])
    assert token.prefix == raw[1][:12]
    assert token.scope == "write" and token.organisation_id == world.point_a.pk
    assert token.expires_at is not None
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    [created] = AuditEntry.objects.filter(action="api_token.create", actor=world.agent)
    assert created.ip == "10.20.30.40"  # who made a token, and from where
    assert 'data-copy-target="new-token-value"' in response.content.decode()
    assert "/static/js/tokens.js" in response.content.decode()

    listed = browser.get("/accounts/tokens/").content.decode()
    assert raw[1] not in listed  # never shown again
    assert token.prefix in listed and "市民服务系统" in listed

    assert ApiClient(raw[1]).get("/api/v1/me").json()["token"]["organisation"] == world.point_a.pk


def test_form_errors_and_foreign_organisation(world: Any) -> None:
    browser = logged_in(world.agent)
    response = browser.post(
        "/accounts/tokens/",
        {"name": "", "scope": "admin", "expiry": "30", "organisation": str(world.point_b.pk)},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "请填写令牌名称" in text and "请选择权限" in text and "只能选择您任职的机构" in text
    assert not ApiToken.objects.exists()


def test_revoke_own_token_only(world: Any, make_token: Any) -> None:
    raw = make_token(world.agent, name="报表")
    token = ApiToken.objects.get(user=world.agent)
    other = ApiToken.objects.get(pk=ApiToken.objects.create(
        user=world.clerk, name="窗口", prefix="shp_xxxxxxxx", key_hash="0" * 64,
    ).pk)  # fmt: skip
    browser = logged_in(world.agent)
    assert browser.post(f"/accounts/tokens/{other.pk}/revoke/").status_code == 404
    assert browser.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405

    response = browser.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True, REMOTE_ADDR="2001:db8::7")
    assert "已吊销令牌“报表”" in response.content.decode()
    assert "已吊销" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    other.refresh_from_db()
    assert other.revoked_at is None
    [revoked] = AuditEntry.objects.filter(action="api_token.revoke")
    assert (revoked.actor_id, revoked.object_id, revoked.ip) == (world.agent.pk, str(token.pk), "2001:db8::7")
    assert ApiClient(raw).get("/api/v1/me").status_code == 401


def test_the_page_needs_login(world: Any) -> None:
    response = Client().get("/accounts/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
