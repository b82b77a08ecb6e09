"""The public tracking page (/my/track/): number and query code, no login, no personal data, one
message for every miss, and a limit on look-ups per address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from shanghui.proxy import citizen_views
from shanghui.proxy.workflow import AGENT, CLERK

NOT_FOUND = "未找到办件，请核对办件编号和查询码"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(pw):
    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window, tracking_number="SF1234567890")
    return pw.act(case, "accept", CLERK, acceptance_number="KC-2026-0001")


def test_the_number_and_code_show_status_and_steps_without_personal_data(client, pw, case):
    response = client.get("/my/track/", {"number": case.number, "code": case.query_code.lower()})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "居民身份证办理（包括临时）" in html
        and "衢州在上海商会 · 上海代办点" in html
        and "衢州市公安局" in html
    )
    assert "已受理，办理中" in html and "预审通过并转递" in html and "受理" in html
    applicant = pw.applicant
    for personal in (
        applicant.name, "张*", applicant.id_number, applicant.id_number[-4:], applicant.mobile,
        applicant.mobile[-4:], applicant.current_address, "KC-2026-0001", "SF1234567890",
        pw.agent.username, pw.clerk.username,
    ):  # fmt: skip
        assert personal not in html, personal
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("which", ["wrong-code", "unknown-number"])
def test_a_wrong_pair_gets_one_message_that_does_not_tell_if_the_number_exists(client, case, which):
    number = case.number if which == "wrong-code" else "330802209901010000"
    code = "ZZZZZZZZ" if case.query_code != "ZZZZZZZZ" else "YYYYYYYY"
    response = client.get("/my/track/", {"number": number, "code": code})
    assert response.status_code == 404
    html = response.content.decode()
    assert NOT_FOUND in html and "居民身份证" not in html


def test_the_empty_page_is_a_form(client, db):
    response = client.get("/my/track/")
    assert response.status_code == 200 and 'name="number"' in response.content.decode()
    assert NOT_FOUND not in response.content.decode()


def test_lookups_are_limited_per_address(client, case, monkeypatch):
    monkeypatch.setattr(citizen_views, "TRACK_LOOKUPS", 3)
    for _ in range(3):
        assert client.get("/my/track/", {"number": case.number, "code": "WRONG000"}).status_code == 404
    refused = client.get("/my/track/", {"number": case.number, "code": case.query_code})
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
    # Another address is not held up.
    other = client.get("/my/track/", {"number": case.number, "code": case.query_code}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
