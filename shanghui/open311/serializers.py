"""The GeoReport v2 documents: what each resource says, and how it is written in XML and JSON.

Field lists and element names follow the specification (wiki.open311.org/GeoReport_v2) exactly: XML
without namespace, list elements named as the spec names them, JSON by the spec's "Spark" mapping
(a list document is a bare array, a single document an object). Every field is always present; an
empty value is null in JSON and an empty element in XML. Dates are ISO 8601 with the +08:00 offset.

Personal data never appears here: a request shows the item, the department, the proxy point, the
status and its clocks, and the applicant's current city; never a name, an ID number, a mobile number,
an address, the applicant's own note or a file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse

from shanghui.catalog.models import ItemType, LimitUnit, MaterialForm, ServiceItem, Synonym
from shanghui.catalog.services import MaterialData, zh_labels
from shanghui.lib.masking import mask_id_number, mask_mobile, mask_name
from shanghui.proxy.models import OPEN_STATUSES, Case, Result, Status

BEIJING = ZoneInfo("Asia/Shanghai")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

# XML: the element of each item of a list element (the spec's "⇊" fields and their "↴" children).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def w3(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(BEIJING).isoformat(timespec="seconds")


# --- Rendering -----------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry; staff-typed text could hold them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, list):
        for item in value:
            _append(element, ITEM_TAGS[tag], item)
    elif isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_ILLEGAL.sub("", str(value))


def xml_bytes(root_tag: str, body: list[Any] | dict[str, Any]) -> bytes:
    root = ET.Element(root_tag)
    if isinstance(body, list):
        for item in body:
            _append(root, ITEM_TAGS[root_tag], item)
    else:
        for key, value in body.items():
            _append(root, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def json_bytes(body: list[Any] | dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root_tag: str, body: list[Any] | dict[str, Any], *, status: int = 200) -> HttpResponse:
    """`root_tag` names the XML root (services, service_definition, service_requests, discovery, errors)."""
    content = json_bytes(body) if fmt == "json" else xml_bytes(root_tag, body)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


# --- Services -----------------------------------------------------------------------------------------


def keywords_of(item: ServiceItem, synonyms: list[Synonym]) -> str:
    """What citizens say for the item (the synonyms whose every term is in its name), its group and
    its type: tags a client can search by."""
    words = [s.phrase for s in synonyms if all(term in item.name for term in s.terms.split())]
    words += [item.group_name, zh_labels(ItemType).get(item.item_type, "")]
    unique = [w for i, w in enumerate(words) if w and w not in words[:i]]
    return ", ".join(unique)


def service_dict(item: ServiceItem, synonyms: list[Synonym]) -> dict[str, Any]:
    return {
        "service_code": item.code,
        "service_name": item.name,
        "description": item.description or None,
        # Always true: besides its materials, every item needs the applicant's identity and the
        # power-of-attorney confirmation, which only the service definition describes.
        "metadata": True,
        # The case number is assigned in the POST's transaction.
        "type": "realtime",
        "keywords": keywords_of(item, synonyms) or None,
        "group": item.department.name,
    }


def limit_text(days: int | None, unit: str | None) -> str:
    if not days:
        return ""
    return f"{days}个{'自然日' if unit == LimitUnit.CALENDAR_DAYS else '工作日'}"


def service_notice(snapshot: dict[str, Any]) -> str | None:
    parts = []
    if promised := limit_text(snapshot.get("promised_limit"), snapshot.get("promised_limit_unit")):
        parts.append(f"承诺办结时限{promised}（自窗口受理起算）")
    elif legal := limit_text(snapshot.get("legal_limit"), snapshot.get("legal_limit_unit")):
        parts.append(f"法定办结时限{legal}（自窗口受理起算）")
    if snapshot.get("fee_note"):
        parts.append(f"收费：{snapshot['fee_note']}")
    return "；".join(parts) or None


# --- Service definitions ------------------------------------------------------------------------------

APPLICANT_NAME, ID_NUMBER, MOBILE, CURRENT_CITY, POA = (
    "applicant_name",
    "id_number",
    "mobile",
    "current_city",
    "poa_confirmed",
)
POA_YES = "true"


def material_code(index: int) -> str:
    """The attribute code of the item's material at `index` (0-based, the case's material slot)."""
    return f"material_{index + 1}"


def _attribute(
    code: str,
    order: int,
    description: str,
    *,
    required: bool,
    datatype: str = "string",
    datatype_description: str | None = None,
    values: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": datatype_description,
        "order": order,
        "description": description,
        "values": values or [],
    }


def snapshot_materials(snapshot: dict[str, Any]) -> list[MaterialData]:
    """The materials of an item version, in slot order."""
    return [
        MaterialData(
            name=m.get("name", ""),
            form=m.get("form", "original"),
            copies=int(m.get("copies") or 1),
            required=bool(m.get("required")),
            deferrable=bool(m.get("deferrable")),
            notes=m.get("notes", ""),
        )
        for m in snapshot.get("materials", [])
    ]


def material_description(material: MaterialData) -> str:
    form = zh_labels(MaterialForm).get(material.form, material.form)
    text = f"{material.name}（{form}{material.copies}份"
    if material.deferrable:
        text += "，可容缺后补"
    elif not material.required:
        text += "，非必须"
    text += "）"
    return text + (f"：{material.notes}" if material.notes else "")


def definition_dict(
    item: ServiceItem, materials: list[MaterialData], *, poa_text: str, max_mb: int
) -> dict[str, Any]:
    upload = f"文件：以 multipart/form-data 上传，字段名 attribute[{{code}}]；JPG、PNG、WebP 或 PDF，不超过 {max_mb} MB"
    attributes = [
        _attribute(APPLICANT_NAME, 1, "申请人姓名（也可用 last_name 与 first_name 提交）", required=True),
        _attribute(
            ID_NUMBER,
            2,
            "申请人居民身份证号码",
            required=True,
            datatype_description="18位，末位可为X",
        ),
        _attribute(
            MOBILE,
            3,
            "申请人手机号，用于接收办理进度短信（也可用 phone 提交）",
            required=True,
            datatype_description="11位手机号",
        ),
        _attribute(
            CURRENT_CITY,
            4,
            "申请人现居城市，如：上海（不填时为代办点所在城市）",
            required=False,
            datatype_description="不超过40个字",
        ),
    ]
    for index, material in enumerate(materials):
        code = material_code(index)
        attributes.append(
            _attribute(
                code,
                len(attributes) + 1,
                material_description(material),
                required=material.required and not material.deferrable,
                datatype_description=upload.format(code=code),
            )
        )
    attributes.append(
        _attribute(
            POA,
            len(attributes) + 1,
            poa_text,
            required=True,
            datatype="singlevaluelist",
            values=[{"key": POA_YES, "name": "申请人已阅读并确认委托书"}],
        )
    )
    return {"service_code": item.code, "attributes": attributes}


# --- Service requests ----------------------------------------------------------------------------------

CLOSED_LABEL, OPEN_LABEL = "closed", "open"
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_LIKE = re.compile(r"(?<!\d)(1\d{10})(?!\d)")


def open311_status(status: str) -> str:
    """open while someone still has to act (draft to completed-awaiting-delivery); closed once the
    result was delivered or the case ended (closed, refused, withdrawn, terminated)."""
    return OPEN_LABEL if status in OPEN_STATUSES else CLOSED_LABEL


def scrub(text: str, case: Case) -> str:
    """Staff-written text with the applicant's name, address and anything shaped like an ID or mobile
    number masked, before it goes on a public endpoint."""
    if case.applicant_name:
        text = text.replace(case.applicant_name, mask_name(case.applicant_name))
    if case.current_address:
        text = text.replace(case.current_address, "***")
    text = _ID_LIKE.sub(lambda m: mask_id_number(m.group(1)), text)
    return _MOBILE_LIKE.sub(lambda m: mask_mobile(m.group(1)), text)


def status_notes(case: Case) -> str:
    notes = zh_labels(Status).get(case.status, case.status)
    if case.status == Status.NEEDS_CORRECTION and case.correction_items:
        items = "；".join(scrub(str(item), case) for item in case.correction_items)
        notes += f"。需补正：{items}"
    if case.result and case.status in (Status.COMPLETED, Status.DELIVERED, Status.CLOSED):
        notes += f"。办理结果：{zh_labels(Result).get(case.result, case.result)}"
    return notes


def expected_at(case: Case) -> dt.datetime | None:
    """The promised time of the clock that runs (or will resume): processing once accepted, else
    acceptance once forwarded, else the proxy point's review."""
    if case.status not in OPEN_STATUSES or case.status == Status.COMPLETED:
        return None
    return case.processing_due_at or case.acceptance_due_at or case.review_due_at


def request_dict(case: Case) -> dict[str, Any]:
    snapshot = case.item_version.snapshot
    chamber, point = case.proxy_point.parent, case.proxy_point.name
    # 衢州在上海商会·上海代办点; a point named after its chamber (衢州在上海商会代办点) stands alone.
    where = point if chamber is None or point.startswith(chamber.name) else f"{chamber.name}·{point}"
    return {
        "service_request_id": case.number,
        "status": open311_status(case.status),
        "status_notes": status_notes(case),
        "service_name": snapshot.get("name") or case.item.name,
        "service_code": case.item.code,
        "description": f"{where}代办",
        "agency_responsible": snapshot.get("department_name") or case.department.name,
        "service_notice": service_notice(snapshot),
        "requested_datetime": w3(case.submitted_at),
        "updated_datetime": w3(case.updated_at),
        "expected_datetime": w3(expected_at(case)),
        # Where the citizen is, as coarse as the intake asks it: the city, never the address.
        "address": case.current_city or None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        # Case files are never public.
        "media_url": None,
    }


def post_response_dict(case: Case, token: str) -> dict[str, Any]:
    """The answer to a POST. The spec says a token "should not" come with a service_request_id; both
    are given here (the number is assigned at once, the token resolves through tokens/ for clients
    that keep tokens), see docs/open311.md."""
    due = case.review_due_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if case.review_due_at else ""
    notice = f"已提交{case.proxy_point.name}预审" + (f"，预审时限：{due}" if due else "")
    notice += f"。查询码：{case.query_code}（请告知申请人，凭办件编号和查询码可查询办理进度）"
    return {"service_request_id": case.number, "token": token, "service_notice": notice, "account_id": None}
