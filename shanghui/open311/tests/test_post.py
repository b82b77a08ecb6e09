"""POST requests: a real case, submitted at the key's proxy point, with the intake's validation; the
key rules (403); idempotent retries; nothing written when anything is wrong."""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import create_token, revoke_token
from shanghui.audit.models import AuditEntry
from shanghui.catalog.services import set_point_offer
from shanghui.open311.models import RequestToken
from shanghui.open311.tests.conftest import (
    ADDRESS,
    ID_NUMBER,
    KECHENG,
    MOBILE,
    NAME,
    json_of,
    pdf,
    valid_post,
    xml_of,
)
from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.services import update_organisation
from shanghui.orgs.tests.factories import grant, make_org
from shanghui.proxy.models import Case, CaseEvent, Channel, Status
from shanghui.testing.personas import person


def _post_case(o311: SimpleNamespace, fmt: Any = "json", headers: Any = None, **overrides: Any) -> Any:
    # fmt and headers typed Any: callers spread dicts of attribute[...] fields into **overrides.
    data = valid_post(service_code=o311.item.code, api_key=o311.key, **{"attribute[material_1]": pdf()})
    data.update(overrides)
    return o311.post(fmt, headers=headers, **{k: v for k, v in data.items() if v is not None})


def _errors(response: Any) -> list[str]:
    return [e["description"] for e in json_of(response)]


def _stored_files(o311: SimpleNamespace) -> list[str]:
    from django.conf import settings

    return [name for _, _, names in os.walk(settings.MEDIA_ROOT) for name in names]


def test_post_creates_a_submitted_case_at_the_keys_point(o311: SimpleNamespace) -> None:
    response = _post_case(o311, **{"attribute[material_2]": pdf("照片.pdf")})
    assert response.status_code == 201, response.content.decode()
    (answer,) = response.json()
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.status == Status.SUBMITTED
    assert case.channel == Channel.API
    assert case.proxy_point == o311.point_a
    assert case.item == o311.item and case.department == o311.dept
    assert case.created_by == o311.agent
    assert case.home_region_code == KECHENG
    assert (case.applicant_name, case.applicant_id_number, case.applicant_mobile) == (NAME, ID_NUMBER, MOBILE)
    assert (case.current_city, case.current_address) == ("上海", ADDRESS)
    assert case.note == "急需办理，请尽快"
    assert case.poa_confirmed_at is not None
    assert case.review_due_at is not None and case.submitted_at is not None
    assert sorted(case.materials.values_list("slot", "name")) == [(0, "居民户口簿"), (1, "近期免冠照片")]
    assert list(case.events.values_list("action", flat=True)) == ["create", "submit"]
    assert RequestToken.objects.get(case=case).token == answer["token"]
    assert case.query_code in answer["service_notice"]
    entry = AuditEntry.objects.get(action="open311.request.create")
    assert entry.object_id == str(case.pk)
    assert ID_NUMBER not in str(entry.detail) and MOBILE not in str(entry.detail)


def test_posted_case_shows_in_the_agents_queue(o311: SimpleNamespace) -> None:
    number = _post_case(o311).json()[0]["service_request_id"]
    client = Client()
    client.force_login(o311.agent)
    page = client.get(reverse("proxy:list"), {"queue": "review"})
    assert page.status_code == 200
    assert number in page.content.decode()
    # …and not in the other chamber's agent's.
    client.force_login(o311.agent_b)
    assert number not in client.get(reverse("proxy:list")).content.decode()


def test_post_as_the_spec_form_with_standard_fields(o311: SimpleNamespace) -> None:
    """The spec's urlencoded form, for an item whose only material may come later (容缺): first/last name
    and phone instead of the attributes, current city defaulting to the point's city."""
    data = valid_post(
        service_code=o311.easy_item.code,
        api_key=o311.key,
        first_name="三",
        last_name="张",
        phone=MOBILE,
        **{"attribute[applicant_name]": None, "attribute[mobile]": None},
    )
    response = o311.client.post("/open311/v2/requests.xml", data)
    assert response.status_code == 201, response.content.decode()
    case = Case.objects.get(number=xml_of(response)[0].findtext("service_request_id"))
    assert (case.applicant_name, case.applicant_mobile, case.current_city) == (NAME, MOBILE, "上海")
    assert case.status == Status.SUBMITTED and not case.materials.exists()


def test_post_urlencoded_body(o311: SimpleNamespace) -> None:
    from urllib.parse import urlencode

    data = valid_post(service_code=o311.easy_item.code, api_key=o311.key, lat="31.23", long="121.47")
    response = o311.client.post(
        "/open311/v2/requests.json",
        urlencode(data),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    assert response.status_code == 201, response.content.decode()
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).status == Status.SUBMITTED


def test_retry_with_the_same_idempotency_key_returns_the_first_case(o311: SimpleNamespace) -> None:
    first = _post_case(o311, headers={"Idempotency-Key": "order-42"})
    again = _post_case(o311, headers={"Idempotency-Key": "order-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    # The same key as a form field is the same key.
    assert _post_case(o311, idempotency_key="order-42").json() == first.json()
    assert Case.objects.count() == 1 and RequestToken.objects.count() == 1
    # Another key, another case.
    assert _post_case(o311, idempotency_key="order-43").status_code == 201
    assert Case.objects.count() == 2


def test_another_agents_idempotency_key_is_their_own(o311: SimpleNamespace) -> None:
    helper = person("agent2", (o311.point_a, Role.AGENT))
    _, key2 = create_token(actor=helper, user=helper, name="x", scope=ApiToken.Scope.WRITE)
    first = _post_case(o311, idempotency_key="same")
    second = _post_case(o311, idempotency_key="same", api_key=key2)
    assert second.status_code == 201
    assert first.json()[0]["service_request_id"] != second.json()[0]["service_request_id"]


# --- Validation: 400, nothing written ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"attribute[material_1]": None}, "缺少必交材料：居民户口簿（attribute[material_1]）"),
        ({"attribute[id_number]": "330802199003070018"}, "attribute[id_number]："),
        ({"attribute[mobile]": "1380000123"}, "attribute[mobile]："),
        ({"attribute[applicant_name]": "", "first_name": None}, "attribute[applicant_name]："),
        ({"attribute[poa_confirmed]": None}, "attribute[poa_confirmed]：请申请人阅读并确认委托书"),
        ({"attribute[poa_confirmed]": "false"}, "attribute[poa_confirmed]："),
        ({"attribute[material_3]": "已提供"}, "attribute[material_3]（原居民身份证）须以文件上传"),
        ({"attribute[colour]": "red"}, "未知的属性：colour"),
        ({"media_url": "http://example.com/a.jpg"}, "不接受 media_url"),
        ({"media": pdf("photo.pdf")}, "不认识的文件字段：media"),
        ({"description": "长" * 1001}, "description：申请说明不能超过1000个字"),
        ({"attribute[current_city]": "城" * 41}, "attribute[current_city]：现居城市不能超过40个字"),
        ({"lat": "north", "long": "1"}, "lat 与 long"),
        ({"lat": "95", "long": "1"}, "lat 应在 -90 到 90 之间"),
        ({"idempotency_key": "no spaces please"}, "idempotency_key"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    o311: SimpleNamespace, overrides: dict[str, Any], expected: str
) -> None:
    response = _post_case(o311, **overrides)
    assert response.status_code == 400, response.content.decode()
    assert any(expected in text for text in _errors(response)), _errors(response)
    assert not Case.objects.exists() and not RequestToken.objects.exists()
    assert not _stored_files(o311)


def test_bad_file_is_refused(o311: SimpleNamespace) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("户口簿.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = _post_case(o311, **{"attribute[material_1]": fake})
    assert response.status_code == 400
    assert any("attribute[material_1]（居民户口簿）：只能上传" in text for text in _errors(response))
    assert not Case.objects.exists()


def test_all_problems_are_listed_at_once(o311: SimpleNamespace) -> None:
    response = _post_case(
        o311, **{"attribute[material_1]": None, "attribute[mobile]": "123", "attribute[poa_confirmed]": None}
    )
    texts = _errors(response)
    assert len(texts) == 3 and all(e["code"] == 400 for e in response.json())


def test_item_the_point_does_not_take_is_refused(o311: SimpleNamespace) -> None:
    # Listed (the Hangzhou point takes everything) but not taken by the Shanghai point.
    set_point_offer(actor=None, point=o311.point_a, offers_all=False, items=[o311.easy_item])
    response = _post_case(o311)
    assert response.status_code == 400
    assert "service_code：该代办点不受理此事项" in _errors(response)
    assert not Case.objects.exists() and not _stored_files(o311)


def test_failure_after_the_files_were_stored_leaves_no_file(o311: SimpleNamespace, monkeypatch: Any) -> None:
    from shanghui.open311 import services as open311_services

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("数据库出错")

    monkeypatch.setattr(open311_services, "transition", broken)
    response = _post_case(o311)
    # The spec's error document, without the exception's text.
    assert response.status_code == 500
    assert _errors(response) == ["服务器内部错误，请稍后再试"]
    assert not Case.objects.exists() and not _stored_files(o311)


# --- Keys: 403 ---------------------------------------------------------------------------------------------------


def _forbidden(response: Any, text: str) -> None:
    assert response.status_code == 403, response.content.decode()
    assert any(text in t for t in _errors(response)), _errors(response)
    assert not Case.objects.exists()


def test_missing_key(o311: SimpleNamespace) -> None:
    _forbidden(_post_case(o311, api_key=None), "缺少 api_key")
    root = xml_of(_post_case(o311, "xml", api_key=None))
    assert root.tag == "errors" and root[0].findtext("code") == "403"


def test_key_in_the_query_string_is_not_read(o311: SimpleNamespace) -> None:
    # The spec sends it in the body; a key in a URL would be written to access logs.
    data = valid_post(service_code=o311.item.code, **{"attribute[material_1]": pdf()})
    _forbidden(o311.client.post(f"/open311/v2/requests.json?api_key={o311.key}", data), "缺少 api_key")


def test_wrong_key(o311: SimpleNamespace) -> None:
    _forbidden(_post_case(o311, api_key="shp_not-a-real-key"), "api_key 无效：API 令牌无效")


def test_read_only_key(o311: SimpleNamespace) -> None:
    _forbidden(_post_case(o311, api_key=o311.read_key), "只读")


def test_revoked_and_expired_keys(o311: SimpleNamespace) -> None:
    token, raw = create_token(actor=o311.agent, user=o311.agent, name="旧", scope=ApiToken.Scope.WRITE)
    revoke_token(actor=o311.agent, token=token)
    _forbidden(_post_case(o311, api_key=raw), "已吊销")
    _, raw = create_token(
        actor=o311.agent,
        user=o311.agent,
        name="过期",
        scope=ApiToken.Scope.WRITE,
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    _forbidden(_post_case(o311, api_key=raw), "已过期")


def test_outsiders_key(o311: SimpleNamespace) -> None:
    _, raw = create_token(actor=o311.outsider, user=o311.outsider, name="x", scope=ApiToken.Scope.WRITE)
    _forbidden(_post_case(o311, api_key=raw), "不是任何在用代办点的代办员")


def test_chamber_admins_key_is_not_an_agents(o311: SimpleNamespace) -> None:
    _, raw = create_token(
        actor=o311.chamber_admin,
        user=o311.chamber_admin,
        name="x",
        scope=ApiToken.Scope.WRITE,
        organisation=o311.point_a,
    )
    _forbidden(_post_case(o311, api_key=raw), "不是令牌持有人担任代办员的在用代办点")


def test_key_naming_another_agents_point(o311: SimpleNamespace) -> None:
    _, raw = create_token(
        actor=o311.agent, user=o311.agent, name="x", scope=ApiToken.Scope.WRITE, organisation=o311.point_b
    )
    _forbidden(_post_case(o311, api_key=raw), "不是令牌持有人担任代办员的在用代办点")


def test_key_without_organisation_uses_the_agents_only_point(o311: SimpleNamespace) -> None:
    _, raw = create_token(actor=o311.agent, user=o311.agent, name="x", scope=ApiToken.Scope.WRITE)
    response = _post_case(o311, api_key=raw)
    assert response.status_code == 201
    assert Case.objects.get().proxy_point == o311.point_a
    # An agent of two points must name one.
    point_c = make_org(OrgKind.PROXY_POINT, "苏州代办点", o311.chamber_a)
    grant(o311.agent, point_c, Role.AGENT)
    _forbidden_count = Case.objects.count()
    response = _post_case(o311, api_key=raw)
    assert response.status_code == 403 and Case.objects.count() == _forbidden_count


def test_inactive_point(o311: SimpleNamespace) -> None:
    update_organisation(actor=None, org=o311.point_a, is_active=False)
    _forbidden(_post_case(o311), "不是令牌持有人担任代办员的在用代办点")


# --- Service code and jurisdiction -----------------------------------------------------------------------------


def test_unknown_service_code(o311: SimpleNamespace) -> None:
    response = _post_case(o311, service_code="NO-SUCH-ITEM")
    assert response.status_code == 404
    assert "service_code NO-SUCH-ITEM 不存在或不在本辖区提供" in _errors(response)
    xml = xml_of(_post_case(o311, "xml", service_code="NO-SUCH-ITEM"))
    assert xml[0].findtext("code") == "404"


def test_missing_service_code(o311: SimpleNamespace) -> None:
    response = _post_case(o311, service_code="")
    assert response.status_code == 400 and _errors(response) == ["缺少 service_code"]


def test_jurisdiction_is_required_and_must_exist(o311: SimpleNamespace) -> None:
    response = _post_case(o311, jurisdiction_id=None)
    assert response.status_code == 400
    assert "请提供 jurisdiction_id" in _errors(response)[0]
    assert _post_case(o311, jurisdiction_id="999999").status_code == 404
    assert not Case.objects.exists()


def test_county_item_of_another_jurisdiction_is_unknown_here(o311: SimpleNamespace) -> None:
    response = _post_case(o311, service_code=o311.county_item.code, **{"attribute[material_1]": None})
    assert response.status_code == 404


def test_case_event_records_the_agent(o311: SimpleNamespace) -> None:
    _post_case(o311)
    submit = CaseEvent.objects.get(action="submit")
    assert submit.actor == o311.agent and submit.actor_kind == "agent"
