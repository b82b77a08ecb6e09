"""Catalogue test data: items through the services, and import files in each shape."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from itertools import count
from typing import Any

from openpyxl import Workbook

from shanghui.catalog import services
from shanghui.catalog.models import ServiceItem
from shanghui.catalog.transfer.columns import COLUMNS
from shanghui.orgs.models import Organisation

_codes = count(1)

GUANGAN_HEADER = ["department", "group", "name", "item_code", "task_type"]
FULL_HEADER = [c.header for c in COLUMNS]


def make_item(department: Organisation, name: str = "", **fields: Any) -> ServiceItem:
    n = next(_codes)
    fields.setdefault("code", f"TEST{n:06d}-330800000000-000-1-00")
    fields.setdefault("item_type", "20")
    return services.create_item(actor=None, department=department, name=name or f"测试事项{n}", **fields)


def csv_bytes(
    rows: Sequence[Sequence[Any]], header: Sequence[str] = GUANGAN_HEADER, *, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = GUANGAN_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "事项目录"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def full_row(**values: Any) -> list[Any]:
    """A row of the full template; keys are the column keys (department, name, item_code, …)."""
    defaults = {
        "department": "衢州市公安局", "group": "", "name": "居民身份证办理（包括临时）",
        "item_code": "330A0011200068-330800000000-000-11330800002582166A-1-00", "task_type": "20",
        "description": "首次申领、换领、补领居民身份证。", "conditions": "本市户籍居民。", "legal_limit": "60",
        "legal_limit_unit": "自然日", "promised_limit": "20", "promised_limit_unit": "自然日", "fee": "20",
        "fee_note": "工本费20元", "delivery": "邮寄送达;代办点自取", "proxy_eligible": "是",
        "counties": "330802;330825", "online": "是",
        "materials": "居民户口簿[原件,1份,必须];原居民身份证[原件,1份,非必须,备注:换领时交回];近期照片[2份,容缺]",
    }  # fmt: skip
    defaults.update(values)
    return [defaults[c.key] for c in COLUMNS]
