"""Fixtures of the REST API tests: tokens for the `world` personas and a client that sends them.

The proxy-case fixtures (`pw`: an item, an applicant, new_case/submitted/act/case_in) are the test kit's
(shanghui/testing/cases.py), so that the API is tested against the same cases as the pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from shanghui.accounts.models import ApiToken, User
from shanghui.accounts.tokens import create_token
from shanghui.testing.cases import PDF, PNG, pdf_upload

__all__ = ["PDF", "PNG", "pdf_upload", "ApiClient"]


class ApiClient:
    """Django's test client with `Authorization: Bearer <token>` on every request."""

    def __init__(self, token: str | None, client: Client | None = None) -> None:
        self.token = token
        self.client = client or Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        extra = dict(headers or {})
        if self.token is not None:
            extra.setdefault("Authorization", f"Bearer {self.token}")
        return extra

    def get(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        body = json.dumps({} if data is None else data)
        return self.client.post(path, body, content_type="application/json", headers=self._headers(headers))

    def upload(self, path: str, data: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.client.post(path, data, headers=self._headers(headers))

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.generic(method, path, headers=self._headers(headers))


@pytest.fixture
def make_token() -> Callable[..., str]:
    def make(user: User, scope: str = ApiToken.Scope.WRITE, **kw: Any) -> str:
        _row, raw = create_token(actor=user, user=user, name=kw.pop("name", "测试令牌"), scope=scope, **kw)
        return raw

    return make


@pytest.fixture
def api_as(make_token: Callable[..., str]) -> Callable[..., ApiClient]:
    """api_as(world.agent) → a client with a fresh write token of that user (scope="read" for read-only)."""

    def as_user(user: User, scope: str = ApiToken.Scope.WRITE, **kw: Any) -> ApiClient:
        return ApiClient(make_token(user, scope, **kw))

    return as_user


def error_of(response: Any) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "fields", …}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error
