"""Open311 fixtures on top of the shared `world`: the ID-card item of the proxy tests (three materials:
one required, one deferrable, one optional), items that only 龙游县 (330825) offers, an item that is
not proxy-eligible, API tokens of the Shanghai point's agent, and helpers to call the endpoints and to
move cases along through the proxy services."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import create_token
from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import make_item
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from shanghui.proxy import services
from shanghui.proxy.models import Case, Channel
from shanghui.proxy.tests.conftest import PDF
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK, transition
from shanghui.workdays import calendar

BASE = "/open311/v2"
KECHENG, LONGYOU = "330802", "330825"
NAME, ID_NUMBER, MOBILE, ADDRESS = "张三", "330802199003070017", "13800001234", "上海市浦东新区世纪大道100号"


def pdf(name: str = "户口簿.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 (our own server's answer in a test)


def json_of(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def valid_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "jurisdiction_id": KECHENG,
        "service_code": "",
        "attribute[applicant_name]": NAME,
        "attribute[id_number]": ID_NUMBER,
        "attribute[mobile]": MOBILE,
        "attribute[poa_confirmed]": "true",
        "address_string": ADDRESS,
        "description": "急需办理，请尽快",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def o311(world: SimpleNamespace, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar.seed_from_package()
    calendar.invalidate()
    w = world
    w.item = make_item(
        w.dept,
        "居民身份证办理（包括临时）",
        description="首次申领、换领、补领居民身份证。",
        promised_limit=20,
        promised_limit_unit="working",
        legal_limit=60,
        legal_limit_unit="working",
        fee_note="不收费",
        materials=[
            MaterialData(name="居民户口簿", form="original", copies=1, required=True),
            MaterialData(name="近期免冠照片", form="original", copies=2, required=True, deferrable=True),
            MaterialData(name="原居民身份证", form="original", copies=1, required=False),
        ],
    )
    # Only deferrable materials: can be posted as the spec's urlencoded form, without files.
    w.easy_item = make_item(
        w.dept,
        "户籍证明开具",
        materials=[MaterialData(name="情况说明", form="original", copies=1, required=True, deferrable=True)],
    )
    w.county_dept = make_org(OrgKind.DEPARTMENT, "龙游县市场监督管理局", w.county2)
    w.county_item = make_item(w.county_dept, "个体工商户设立登记")
    w.regional_item = make_item(w.dept2, "失业登记", region_codes=[LONGYOU])
    w.not_proxy = make_item(w.dept, "不可代办的事项", proxy_eligible=False)
    w.offline = make_item(w.dept, "已下线的事项", is_online=False)
    w.applicant = services.Applicant(
        name=NAME,
        id_number=ID_NUMBER,
        mobile=MOBILE,
        home_region_code=KECHENG,
        current_city="上海",
        current_address=ADDRESS,
    )
    _, w.key = create_token(
        actor=w.agent, user=w.agent, name="对接系统", scope=ApiToken.Scope.WRITE, organisation=w.point_a
    )
    _, w.read_key = create_token(actor=w.agent, user=w.agent, name="报表", scope=ApiToken.Scope.READ)
    w.client = Client()

    def get(path: str, fmt: str = "json", **params: Any) -> Any:
        return w.client.get(f"{BASE}/{path}.{fmt}", params)

    def post(fmt: str = "json", headers: dict[str, str] | None = None, **data: Any) -> Any:
        return w.client.post(f"{BASE}/requests.{fmt}", data, headers=headers or {})

    def new_case(**kw: Any) -> Case:
        options: dict[str, Any] = dict(
            actor=w.agent,
            channel=Channel.AGENT,
            item=w.item,
            proxy_point=w.point_a,
            applicant=w.applicant,
            poa_confirmed=True,
        )
        options.update(kw)
        return services.create_case(**options)

    def act(case: Case, action: str, who: str, **params: Any) -> Case:
        actor = {AGENT: w.agent, CLERK: w.clerk, APPLICANT: None}.get(who)
        return transition(case_id=case.pk, action=action, actor=actor, actor_kind=who, params=params)

    def submitted(**kw: Any) -> Case:
        case = new_case(**kw)
        services.add_material(case=case, actor=w.agent, upload=pdf(), slot=0)
        return act(case, "submit", AGENT)

    w.get, w.post, w.new_case, w.act, w.submitted = get, post, new_case, act, submitted
    return w
