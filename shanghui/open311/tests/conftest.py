"""Open311 fixtures on top of the test kit's proxy cases (`pw`: the ID-card item with three materials —
one required, one deferrable, one optional —, the applicant, new_case/act/submitted/case_in): items
that only 龙游县 (330825) offers, an item that is not proxy-eligible, API tokens of the Shanghai
point's agent, and helpers to call the endpoints."""

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
from shanghui.testing.cases import PDF

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
def o311(pw: SimpleNamespace) -> SimpleNamespace:
    w = pw
    # The kit's applicant (张三 of 柯城区, in Shanghai) is the one these tests post.
    assert (w.applicant.name, w.applicant.id_number, w.applicant.mobile) == (NAME, ID_NUMBER, MOBILE)
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
    _, w.key = create_token(
        actor=w.agent, user=w.agent, name="对接系统", scope=ApiToken.Scope.WRITE, organisation=w.point_a
    )
    _, w.read_key = create_token(actor=w.agent, user=w.agent, name="报表", scope=ApiToken.Scope.READ)
    w.client = Client()

    def get(path: str, fmt: str = "json", **params: Any) -> Any:
        return w.client.get(f"{BASE}/{path}.{fmt}", params)

    def post(fmt: str = "json", headers: dict[str, str] | None = None, **data: Any) -> Any:
        return w.client.post(f"{BASE}/requests.{fmt}", data, headers=headers or {})

    w.get, w.post = get, post
    return w
