"""Every endpoint in both formats, checked against the field lists of the GeoReport v2 specification
(wiki.open311.org/GeoReport_v2 and /Service_Discovery), written here once from the spec and not from
the code: JSON keys and XML element names must be exactly these, in this order."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.open311.tests.conftest import KECHENG, LONGYOU, json_of, pdf, valid_post, xml_of

# --- From the specification -----------------------------------------------------------------------------
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
VALUE = ["key", "name"]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
POST_RESPONSE = ["service_request_id", "token", "service_notice", "account_id"]
TOKEN_RESPONSE = ["service_request_id", "token"]
ERROR = ["code", "description"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
W3_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def only(element: ET.Element, tag: str) -> ET.Element:
    found = element.findall(tag)
    assert len(found) == 1, (tag, tags(element))
    return found[0]


def text(element: ET.Element, tag: str) -> str:
    return only(element, tag).text or ""


# --- Discovery ----------------------------------------------------------------------------------------------


def test_discovery_json(o311: SimpleNamespace) -> None:
    body = json_of(o311.get("discovery"))
    assert list(body) == DISCOVERY
    (endpoint,) = body["endpoints"]
    assert list(endpoint) == ENDPOINT
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] in ("production", "test")
    assert W3_DATETIME.match(body["changeset"])
    # Where the codes of the jurisdictions are found.
    assert KECHENG in body["key_service"] and LONGYOU in body["key_service"]


def test_discovery_xml(o311: SimpleNamespace) -> None:
    root = xml_of(o311.get("discovery", "xml"))
    assert root.tag == "discovery"
    assert tags(root) == DISCOVERY
    endpoints = only(root, "endpoints")
    assert tags(endpoints) == ["endpoint"]
    endpoint = endpoints[0]
    assert tags(endpoint) == ENDPOINT
    assert [f.text for f in only(endpoint, "formats")] == ["text/xml", "application/json"]
    assert tags(only(endpoint, "formats")) == ["format", "format"]


# --- Services -----------------------------------------------------------------------------------------------


def test_service_list_json(o311: SimpleNamespace) -> None:
    body = json_of(o311.get("services", jurisdiction_id=KECHENG))
    assert isinstance(body, list)
    for service in body:
        assert list(service) == SERVICE
        assert isinstance(service["service_code"], str)
        assert service["metadata"] is True
        assert service["type"] in SERVICE_TYPES
    by_code = {s["service_code"]: s for s in body}
    item = by_code[o311.item.code]
    assert item["service_name"] == "居民身份证办理（包括临时）"
    assert item["description"] == "首次申领、换领、补领居民身份证。"
    assert item["group"] == "衢州市公安局"
    assert item["type"] == "realtime"


def test_service_list_xml(o311: SimpleNamespace) -> None:
    root = xml_of(o311.get("services", "xml", jurisdiction_id=KECHENG))
    assert root.tag == "services"
    assert tags(root) and set(tags(root)) == {"service"}
    for service in root:
        assert tags(service) == SERVICE
        assert text(service, "metadata") == "true"
    assert o311.item.code in {text(s, "service_code") for s in root}


def test_keywords_say_what_citizens_say(o311: SimpleNamespace) -> None:
    from shanghui.catalog.services import create_synonym

    create_synonym(actor=None, phrase="换身份证", terms="居民身份证")
    create_synonym(actor=None, phrase="开证明", terms="证明 开具")
    services = {s["service_code"]: s for s in o311.get("services", jurisdiction_id=KECHENG).json()}
    assert services[o311.item.code]["keywords"] == "换身份证, 公共服务"
    assert services[o311.easy_item.code]["keywords"] == "开证明, 公共服务"


def test_services_per_jurisdiction(o311: SimpleNamespace) -> None:
    """A county sees the city's departments' items and its own departments' items, limited by the
    items' region lists; never another county's department, an item not proxy-eligible or offline."""
    kecheng = {s["service_code"] for s in o311.get("services", jurisdiction_id=KECHENG).json()}
    longyou = {s["service_code"] for s in o311.get("services", jurisdiction_id=LONGYOU).json()}
    assert kecheng == {o311.item.code, o311.easy_item.code}
    assert longyou == {o311.item.code, o311.easy_item.code, o311.county_item.code, o311.regional_item.code}
    assert o311.get(f"services/{o311.county_item.code}", jurisdiction_id=KECHENG).status_code == 404
    assert o311.get(f"services/{o311.not_proxy.code}", jurisdiction_id=KECHENG).status_code == 404
    assert o311.get(f"services/{o311.offline.code}", jurisdiction_id=KECHENG).status_code == 404


def test_service_not_offered_by_any_point_is_not_listed(o311: SimpleNamespace) -> None:
    from shanghui.catalog.services import set_point_offer

    set_point_offer(actor=None, point=o311.point_a, offers_all=False, items=[o311.easy_item])
    set_point_offer(actor=None, point=o311.point_b, offers_all=False, items=[o311.easy_item])
    codes = {s["service_code"] for s in o311.get("services", jurisdiction_id=KECHENG).json()}
    assert codes == {o311.easy_item.code}


def test_service_definition_json(o311: SimpleNamespace) -> None:
    body = json_of(o311.get(f"services/{o311.item.code}", jurisdiction_id=KECHENG))
    assert list(body) == DEFINITION
    assert body["service_code"] == o311.item.code
    orders = []
    for attribute in body["attributes"]:
        assert list(attribute) == ATTRIBUTE
        assert attribute["datatype"] in DATATYPES
        assert isinstance(attribute["variable"], bool) and isinstance(attribute["required"], bool)
        assert isinstance(attribute["code"], str)
        for value in attribute["values"]:
            assert list(value) == VALUE
        orders.append(attribute["order"])
    assert orders == list(range(1, len(orders) + 1))
    by_code = {a["code"]: a for a in body["attributes"]}
    assert list(by_code) == [
        "applicant_name",
        "id_number",
        "mobile",
        "current_city",
        "material_1",
        "material_2",
        "material_3",
        "poa_confirmed",
    ]
    # Required: the material that must come now; the deferrable (容缺) and the optional one need not.
    assert [by_code[f"material_{n}"]["required"] for n in (1, 2, 3)] == [True, False, False]
    assert "居民户口簿" in by_code["material_1"]["description"]
    assert "容缺" in by_code["material_2"]["description"]
    assert "multipart/form-data" in by_code["material_1"]["datatype_description"]
    poa = by_code["poa_confirmed"]
    assert poa["datatype"] == "singlevaluelist" and poa["required"] is True
    assert poa["values"] == [{"key": "true", "name": "申请人已阅读并确认委托书"}]
    assert "委托" in poa["description"]


def test_service_definition_xml(o311: SimpleNamespace) -> None:
    root = xml_of(o311.get(f"services/{o311.item.code}", "xml", jurisdiction_id=KECHENG))
    assert root.tag == "service_definition"
    assert tags(root) == DEFINITION
    attributes = only(root, "attributes")
    assert set(tags(attributes)) == {"attribute"}
    for attribute in attributes:
        assert tags(attribute) == ATTRIBUTE
        assert text(attribute, "variable") in ("true", "false")
        assert text(attribute, "required") in ("true", "false")
        assert text(attribute, "datatype") in DATATYPES
        for value in only(attribute, "values"):
            assert value.tag == "value"
            assert tags(value) == VALUE
    poa = next(a for a in attributes if text(a, "code") == "poa_confirmed")
    assert [(text(v, "key"), text(v, "name")) for v in only(poa, "values")] == [
        ("true", "申请人已阅读并确认委托书")
    ]


# --- Requests -------------------------------------------------------------------------------------------------


def _request_json(body: Any) -> dict[str, Any]:
    assert isinstance(body, list) and len(body) == 1
    (request,) = body
    assert list(request) == REQUEST
    assert request["status"] in ("open", "closed")
    for name in ("requested_datetime", "updated_datetime"):
        assert W3_DATETIME.match(request[name]), request[name]
    return dict(request)


def _request_xml(root: ET.Element) -> ET.Element:
    assert root.tag == "service_requests"
    assert tags(root) == ["request"]
    request = root[0]
    assert tags(request) == REQUEST
    return request


def test_requests_json_and_xml(o311: SimpleNamespace) -> None:
    case = o311.submitted()
    body = json_of(o311.get("requests", jurisdiction_id=KECHENG))
    request = _request_json(body)
    assert request["service_request_id"] == case.number
    assert request["service_code"] == o311.item.code
    assert request["status"] == "open"
    assert request["agency_responsible"] == "衢州市公安局"
    assert request["address"] == "上海"
    assert W3_DATETIME.match(request["expected_datetime"])
    root = xml_of(o311.get("requests", "xml", jurisdiction_id=KECHENG))
    element = _request_xml(root)
    assert text(element, "service_request_id") == case.number
    assert text(element, "status") == "open"
    assert only(element, "media_url").text is None  # empty element, as null in JSON


def test_request_detail_json_and_xml(o311: SimpleNamespace) -> None:
    case = o311.submitted()
    request = _request_json(json_of(o311.get(f"requests/{case.number}", jurisdiction_id=KECHENG)))
    assert request["service_request_id"] == case.number
    element = _request_xml(xml_of(o311.get(f"requests/{case.number}", "xml", jurisdiction_id=KECHENG)))
    assert text(element, "service_name") == "居民身份证办理（包括临时）"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_and_token_documents(o311: SimpleNamespace, fmt: str) -> None:
    data = valid_post(service_code=o311.item.code, api_key=o311.key, **{"attribute[material_1]": pdf()})
    response = o311.post(fmt, **data)
    assert response.status_code == 201, response.content.decode()
    if fmt == "json":
        (answer,) = json_of(response)
        assert list(answer) == POST_RESPONSE
        number, token = answer["service_request_id"], answer["token"]
        assert answer["account_id"] is None
        (resolved,) = json_of(o311.get(f"tokens/{token}", jurisdiction_id=KECHENG))
        assert list(resolved) == TOKEN_RESPONSE
        assert resolved == {"service_request_id": number, "token": token}
    else:
        root = xml_of(response)
        assert root.tag == "service_requests" and tags(root) == ["request"]
        assert tags(root[0]) == POST_RESPONSE
        number, token = text(root[0], "service_request_id"), text(root[0], "token")
        assert only(root[0], "account_id").text is None
        resolved = xml_of(o311.get(f"tokens/{token}", "xml", jurisdiction_id=KECHENG))
        assert resolved.tag == "service_requests" and tags(resolved) == ["request"]
        assert tags(resolved[0]) == TOKEN_RESPONSE
        assert (text(resolved[0], "service_request_id"), text(resolved[0], "token")) == (number, token)
    assert re.fullmatch(rf"{KECHENG}\d{{8}}\d{{6}}", number)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_error_documents(o311: SimpleNamespace, fmt: str) -> None:
    response = o311.get("requests/33080220990101000001", fmt, jurisdiction_id=KECHENG)
    assert response.status_code == 404
    if fmt == "json":
        body = json_of(response)
        assert [list(e) for e in body] == [ERROR]
        assert body[0]["code"] == 404 and body[0]["description"]
    else:
        root = xml_of(response)
        assert root.tag == "errors" and tags(root) == ["error"]
        assert tags(root[0]) == ERROR
        assert text(root[0], "code") == "404" and text(root[0], "description")
