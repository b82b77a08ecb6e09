"""Every error of /api/v1/ has the one shape: {"error": {"code", "message", "fields"}}, in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from shanghui.apiv1 import me
from tests.api.conftest import error_of


def test_unknown_url_wrong_method_and_root(world: Any, api_as: Any) -> None:
    api = api_as(world.agent)
    unknown = api.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404
    assert unknown["Content-Type"].startswith("application/json")
    assert error_of(unknown)["code"] == "not_found"

    wrong = api.request("DELETE", "/api/v1/me")
    assert wrong.status_code == 405
    assert wrong["Allow"] == "GET"
    assert error_of(wrong)["code"] == "method_not_allowed"

    root = api.get("/api/v1/")
    assert root.status_code == 404
    assert "/api/v1/docs" in error_of(root)["message"]


def test_validation_errors_name_the_fields_in_chinese(world: Any, api_as: Any) -> None:
    response = api_as(world.agent).get(
        "/api/v1/cases", {"limit": "500", "status": "nope", "overdue": "maybe"}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation"
    assert error["fields"] == {
        "limit": ["不能大于 100"],
        "status": [
            "取值无效，可选：draft、submitted、needs_correction、forwarded、accepted、suspended、refused、"
            "completed、delivered、closed、withdrawn、terminated"
        ],
        "overdue": ["应为 true 或 false"],
    }


def test_missing_and_unknown_body_fields(world: Any, api_as: Any) -> None:
    api = api_as(world.agent)
    response = api.post("/api/v1/cases/1/actions/submit", {"note": "x", "surprise": 1})
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"expected_status": ["此项为必填项"], "surprise": ["不支持此参数"]}


def test_a_body_that_is_not_json_is_400(world: Any, api_as: Any) -> None:
    api = api_as(world.agent)
    response = api.client.post(
        "/api/v1/notifications/read", "{oops", content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )  # fmt: skip
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_an_unexpected_failure_is_a_json_500_without_details(
    world: Any, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals 330802199003070017")

    monkeypatch.setattr(me, "intake_points", boom)
    response = api_as(world.agent).get("/api/v1/me")
    assert response.status_code == 500
    error = error_of(response)
    assert error == {"code": "server_error", "message": "服务器内部错误，请稍后再试", "fields": {}}
    assert "secret" not in response.content.decode()
