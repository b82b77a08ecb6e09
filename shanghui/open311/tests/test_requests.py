"""GET requests, requests/{id} and tokens/{token}: what is public, the open/closed mapping, the
filters and extensions, jurisdictions, the errors — and no personal data in any answer."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shanghui.open311.models import RequestToken
from shanghui.open311.tests.conftest import (
    ADDRESS,
    ID_NUMBER,
    KECHENG,
    LONGYOU,
    MOBILE,
    NAME,
    json_of,
    pdf,
    valid_post,
    xml_of,
)
from shanghui.orgs.services import update_organisation
from shanghui.proxy.models import Case
from shanghui.proxy.services import Applicant
from shanghui.proxy.workflow import AGENT, CLERK


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    return [r["service_request_id"] for r in response.json()]


def _at(case: Case, **fields: Any) -> Case:
    """Test data: move a case's times into the past (the services stamp "now")."""
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


@pytest.fixture
def cases(o311: SimpleNamespace) -> SimpleNamespace:
    """A case in each kind of state, all of 柯城区 applicants, with personal data in every free-text
    field staff can write."""
    c = SimpleNamespace()
    c.submitted = o311.submitted()
    c.correction = o311.act(
        o311.submitted(),
        "request_correction",
        AGENT,
        correction_items=[
            f"{NAME}的户口簿照片不清晰",
            f"请{NAME}补充联系电话{MOBILE}与身份证{ID_NUMBER}复印件",
        ],
    )

    def accepted() -> Case:
        return o311.case_in("accepted", params={"accept": {"acceptance_number": "SL-1"}})

    c.accepted = accepted()
    c.refused = o311.case_in("refused", params={"refuse": {"reason": f"{NAME}（{ID_NUMBER}）户籍不在本区"}})
    granted = o311.act(
        accepted(),
        "complete",
        CLERK,
        result="granted",
        delivery_method="pickup",
        result_note=f"请{NAME}本人领取",
    )
    c.delivered = o311.act(granted, "deliver", AGENT)
    c.completed = o311.case_in(
        "completed",
        params={
            "accept": {"acceptance_number": "SL-1"},
            "complete": {"result": "denied", "delivery_method": "pickup"},
        },
    )
    c.withdrawn = o311.case_in("withdrawn")
    c.draft = o311.new_case()
    longyou = Applicant(
        name="李四",
        id_number="330825198501010017",
        mobile="13900005678",
        home_region_code=LONGYOU,
        current_city="杭州",
    )
    c.other_county = o311.submitted(applicant=longyou, proxy_point=o311.point_b, actor=o311.agent_b)
    return c


def test_drafts_and_other_counties_are_not_listed(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    listed = set(numbers(o311.get("requests", jurisdiction_id=KECHENG)))
    assert cases.submitted.number in listed and cases.withdrawn.number in listed
    assert cases.draft.number not in listed
    assert cases.other_county.number not in listed
    assert numbers(o311.get("requests", jurisdiction_id=LONGYOU)) == [cases.other_county.number]
    assert o311.get(f"requests/{cases.draft.number}", jurisdiction_id=KECHENG).status_code == 404
    assert o311.get(f"requests/{cases.other_county.number}", jurisdiction_id=KECHENG).status_code == 404
    assert o311.get(f"requests/{cases.other_county.number}", jurisdiction_id=LONGYOU).status_code == 200


def test_status_mapping_and_notes(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    body = {r["service_request_id"]: r for r in o311.get("requests", jurisdiction_id=KECHENG).json()}

    def row(case: Case) -> dict[str, Any]:
        return dict(body[case.number])

    assert row(cases.submitted)["status"] == "open"
    assert row(cases.submitted)["status_notes"] == "待预审"
    assert row(cases.submitted)["expected_datetime"] == cases.submitted.review_due_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))
    ).isoformat(timespec="seconds")
    notes = row(cases.correction)["status_notes"]
    assert notes.startswith("待补正。需补正：张*的户口簿照片不清晰；")
    assert "138****1234" in notes and "330802********0017" in notes
    assert row(cases.accepted)["status"] == "open"
    assert row(cases.accepted)["expected_datetime"] == cases.accepted.processing_due_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))
    ).isoformat(timespec="seconds")
    assert row(cases.completed)["status"] == "open"
    assert row(cases.completed)["status_notes"] == "已办结，待送达。办理结果：不予"
    assert row(cases.delivered)["status"] == "closed"
    assert row(cases.delivered)["status_notes"] == "已送达。办理结果：准予"
    assert row(cases.delivered)["expected_datetime"] is None
    assert row(cases.refused)["status"] == "closed" and row(cases.refused)["status_notes"] == "不予受理"
    assert row(cases.withdrawn)["status"] == "closed"
    assert row(cases.submitted)["description"] == "衢州在上海商会·上海代办点代办"
    assert row(cases.submitted)["service_notice"] == "承诺办结时限20个工作日（自窗口受理起算）；收费：不收费"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_personal_data_in_any_get(o311: SimpleNamespace, cases: SimpleNamespace, fmt: str) -> None:
    posted = o311.post(
        fmt, **valid_post(service_code=o311.item.code, api_key=o311.key, **{"attribute[material_1]": pdf()})
    )
    assert posted.status_code == 201
    token = RequestToken.objects.get(case__channel="api").token
    responses = [
        o311.get("requests", fmt, jurisdiction_id=KECHENG),
        o311.get("requests", fmt, jurisdiction_id=KECHENG, status="closed"),
        o311.get("requests", fmt, jurisdiction_id=KECHENG, updated_after="2000-01-01T00:00:00Z"),
        o311.get("requests", fmt, jurisdiction_id=LONGYOU),
        o311.get(f"tokens/{token}", fmt, jurisdiction_id=KECHENG),
        o311.get("services", fmt, jurisdiction_id=KECHENG),
        o311.get(f"services/{o311.item.code}", fmt, jurisdiction_id=KECHENG),
        o311.get("discovery", fmt),
    ]
    responses += [
        o311.get(f"requests/{case.number}", fmt, jurisdiction_id=KECHENG)
        for case in Case.objects.filter(home_region_code=KECHENG, submitted_at__isnull=False)
    ]
    assert len(responses) > 15
    for response in responses:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in (
            NAME,
            ID_NUMBER,
            MOBILE,
            ADDRESS,
            "急需办理",
            "李四",
            "330825198501010017",
            "13900005678",
        ):
            assert secret not in body, (secret, response.request["PATH_INFO"])
    # The answers are about these cases at all (a body without them would pass the check above).
    assert cases.correction.number in responses[0].content.decode()


def test_filters(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    get = o311.get
    all_numbers = set(numbers(get("requests", jurisdiction_id=KECHENG)))
    assert len(all_numbers) == 7
    open_ = set(numbers(get("requests", jurisdiction_id=KECHENG, status="open")))
    closed = set(numbers(get("requests", jurisdiction_id=KECHENG, status="closed")))
    assert open_ | closed == all_numbers and not open_ & closed
    assert cases.refused.number in closed and cases.accepted.number in open_
    assert set(numbers(get("requests", jurisdiction_id=KECHENG, status="open,closed"))) == all_numbers
    picked = [cases.submitted.number, cases.refused.number, cases.other_county.number]
    assert set(numbers(get("requests", jurisdiction_id=KECHENG, service_request_id=",".join(picked)))) == set(
        picked[:2]
    )
    assert numbers(get("requests", jurisdiction_id=KECHENG, service_code="NOPE")) == []
    assert (
        set(numbers(get("requests", jurisdiction_id=KECHENG, service_code=f"NOPE,{o311.item.code}")))
        == all_numbers
    )


def test_date_window(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    now = timezone.now()
    old = _at(
        cases.refused, submitted_at=now - dt.timedelta(days=100), updated_at=now - dt.timedelta(days=100)
    )
    get = o311.get
    # By default the last 90 days of requested_datetime.
    assert old.number not in numbers(get("requests", jurisdiction_id=KECHENG))
    window = {
        "start_date": (now - dt.timedelta(days=120)).isoformat(),
        "end_date": (now - dt.timedelta(days=95)).isoformat(),
    }
    assert numbers(get("requests", jurisdiction_id=KECHENG, **window)) == [old.number]
    # start_date alone: 90 days from there; a date alone is a Beijing day; an unencoded "+" is understood.
    start = (now - dt.timedelta(days=101)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert numbers(get("requests", jurisdiction_id=KECHENG, start_date=start.date().isoformat())) == [
        old.number
    ]
    raw = o311.client.get(
        f"/open311/v2/requests.json?jurisdiction_id={KECHENG}&start_date={start.strftime('%Y-%m-%dT%H:%M:%S')}+08:00"
    )
    assert numbers(raw) == [old.number]
    # updated_datetime extension: old requests that changed lately are found without a date window.
    _at(old, updated_at=now - dt.timedelta(minutes=5))
    recent = numbers(
        get("requests", jurisdiction_id=KECHENG, updated_after=(now - dt.timedelta(minutes=10)).isoformat())
    )
    assert old.number in recent
    assert numbers(
        get("requests", jurisdiction_id=KECHENG, updated_before=(now - dt.timedelta(minutes=1)).isoformat())
    ) == [old.number]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "不能超过 90 天"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "不能晚于"),
        ({"start_date": "yesterday"}, "start_date 不是有效的日期时间"),
        ({"updated_after": "2026-13-01T00:00:00Z"}, "updated_after 不是有效的日期时间"),
        ({"status": "pending"}, "status 只能是 open 或 closed"),
        ({"page": "0"}, "page 应为"),
        ({"page_size": "1001"}, "page_size 应为 1 到 1000"),
        ({"page_size": "ten"}, "page_size 应为"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters(o311: SimpleNamespace, params: dict[str, str], expected: str, fmt: str) -> None:
    response = o311.get("requests", fmt, jurisdiction_id=KECHENG, **params)
    assert response.status_code == 400
    if fmt == "json":
        texts = [e["description"] for e in json_of(response)]
    else:
        texts = [e.findtext("description") or "" for e in xml_of(response)]
    assert any(expected in t for t in texts), texts


def test_pagination(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    everything = numbers(o311.get("requests", jurisdiction_id=KECHENG))
    pages: list[str] = []
    response = o311.get("requests", jurisdiction_id=KECHENG, page_size="3")
    while True:
        pages += numbers(response)
        link = response.get("Link")
        if not link:
            break
        url = link.split(";")[0].strip("<>")
        assert urlsplit(url).path == "/open311/v2/requests.json"
        assert parse_qs(urlsplit(url).query)["page_size"] == ["3"]
        response = o311.client.get(url)
    assert pages == everything and len(pages) == 7
    assert numbers(o311.get("requests", jurisdiction_id=KECHENG, page="9", page_size="3")) == []
    # Newest requests first.
    requested = [r["requested_datetime"] for r in o311.get("requests", jurisdiction_id=KECHENG).json()]
    assert requested == sorted(requested, reverse=True)


def test_default_limit_is_1000(o311: SimpleNamespace, cases: SimpleNamespace, monkeypatch: Any) -> None:
    from shanghui.open311 import queries

    monkeypatch.setattr(queries, "MAX_REQUESTS", 3)
    monkeypatch.setattr(queries.RequestQuery, "page_size", 3)
    response = o311.get("requests", jurisdiction_id=KECHENG)
    assert len(numbers(response)) == 3 and "Link" in response


def test_list_costs_a_fixed_number_of_queries(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert o311.get("requests", "xml", jurisdiction_id=KECHENG).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(3):
        o311.submitted()
    assert count() == before


def test_unknown_request_and_token(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    for fmt in ("json", "xml"):
        response = o311.get("requests/33080220990101000001", fmt, jurisdiction_id=KECHENG)
        assert response.status_code == 404
        response = o311.get("tokens/not-a-token", fmt, jurisdiction_id=KECHENG)
        assert response.status_code == 404
    assert (
        "token not-a-token 不存在"
        in o311.get("tokens/not-a-token", jurisdiction_id=KECHENG).json()[0]["description"]
    )


def test_token_of_another_jurisdiction_is_unknown(o311: SimpleNamespace) -> None:
    posted = o311.post(
        **valid_post(service_code=o311.item.code, api_key=o311.key, **{"attribute[material_1]": pdf()})
    )
    token = posted.json()[0]["token"]
    assert o311.get(f"tokens/{token}", jurisdiction_id=LONGYOU).status_code == 404
    assert o311.get(f"tokens/{token}", jurisdiction_id=KECHENG).status_code == 200


def test_jurisdiction_errors(o311: SimpleNamespace) -> None:
    for path in ("services", f"services/{o311.item.code}", "requests", "requests/1", "tokens/x"):
        missing = o311.get(path)
        assert missing.status_code == 400, path
        assert f"{KECHENG}（柯城区）" in missing.json()[0]["description"]
        assert o311.get(path, jurisdiction_id="000000").status_code == 404


def test_single_jurisdiction_makes_it_optional(o311: SimpleNamespace, cases: SimpleNamespace) -> None:
    update_organisation(actor=None, org=o311.county2, is_active=False)
    assert cases.submitted.number in numbers(o311.get("requests"))
    assert o311.get("services").status_code == 200
    assert o311.get("services", jurisdiction_id=KECHENG).status_code == 200
    assert o311.get("services", jurisdiction_id=LONGYOU).status_code == 404


def test_unknown_format_and_path(o311: SimpleNamespace) -> None:
    for path in ("services.csv", "requests.html", "discovery.yaml"):
        response = o311.client.get(f"/open311/v2/{path}", {"jurisdiction_id": KECHENG})
        assert response.status_code == 404
        root = xml_of(response)
        assert root.tag == "errors" and "不支持的格式" in (root[0].findtext("description") or "")
    response = o311.client.get("/open311/v2/services")
    assert response.status_code == 404 and xml_of(response).tag == "errors"
    response = o311.client.get("/open311/v2/nothing/here.json")
    assert response.status_code == 404 and json_of(response)[0]["code"] == 404


def test_wrong_method(o311: SimpleNamespace) -> None:
    response = o311.client.post("/open311/v2/services.json", {"jurisdiction_id": KECHENG})
    assert response.status_code == 400 and "不支持 POST" in response.json()[0]["description"]
    response = o311.client.delete("/open311/v2/requests.xml")
    assert response.status_code == 400 and xml_of(response).tag == "errors"
