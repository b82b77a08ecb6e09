"""Quotas through the REST API: a material over a case's quota is a 422 on the file field and stores
nothing; a message over the person's rate is a 429 with Retry-After, and the same client_id sent after the
wait is stored once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.conversations.models import Message
from shanghui.lib import ratelimit
from tests.api.conftest import error_of, pdf_upload


def test_a_material_over_the_cases_quota_is_422_on_the_file(pw: Any, api_as: Any, settings: Any) -> None:
    settings.STAFF_CASE_MAX_FILES = 2
    case = pw.new_case()
    agent = api_as(pw.agent)
    path = f"/api/v1/cases/{case.pk}/materials"
    assert agent.upload(path, {"file": pdf_upload(), "slot": "0"}).status_code == 201
    assert agent.upload(path, {"file": pdf_upload(), "slot": "1"}).status_code == 201

    refused = agent.upload(path, {"file": pdf_upload(), "slot": "2"})

    assert refused.status_code == 422
    error = error_of(refused)
    assert error["code"] == "validation"
    assert error["message"] == "本办件已存有 2 个文件，达到上限 2 个，不能再上传"
    assert error["fields"] == {"file": [error["message"]]}
    assert case.materials.count() == 2


def test_a_message_over_the_rate_is_429_and_lands_once_after_the_wait(
    pw: Any, api_as: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = SimpleNamespace(value=1_800_000_000.0)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now.value))
    settings.STAFF_MESSAGES_PER_PERSON = "2/min"
    case = pw.submitted()
    agent, second_token = api_as(pw.agent), api_as(pw.agent)
    path = f"/api/v1/cases/{case.pk}/messages"
    assert agent.post(path, {"body": "一", "client_id": "m-1"}).status_code == 201
    assert second_token.post(path, {"body": "二", "client_id": "m-2"}).status_code == 201  # the same person

    refused = agent.post(path, {"body": "三", "client_id": "m-3"})

    assert refused.status_code == 429
    error = error_of(refused)
    assert error["code"] == "rate_limited"
    assert error["message"] == f"发送太频繁，请 {error['retry_after']} 秒后再发"
    assert refused["Retry-After"] == str(error["retry_after"])
    assert not Message.objects.filter(body="三").exists()
    now.value += error["retry_after"]
    assert agent.post(path, {"body": "三", "client_id": "m-3"}).status_code == 201
    assert agent.post(path, {"body": "三", "client_id": "m-3"}).status_code == 201  # a retry: the same one
    assert Message.objects.filter(body="三").count() == 1
