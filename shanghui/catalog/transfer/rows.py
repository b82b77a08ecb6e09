"""Checking one row of a catalogue file: each cell read into the item's fields, every problem named by
its row and column in Chinese."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from shanghui.catalog.models import Delivery, ItemType, LimitUnit
from shanghui.catalog.services import MaterialData, zh_labels
from shanghui.catalog.transfer.columns import COLUMN_BY_KEY
from shanghui.catalog.transfer.materials import parse_materials

NO_GROUP = "未分类"  # the portal's word for "no parent item"


@dataclass
class RowError:
    row: int
    column: str
    message: str
    value: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "value": self.value[:100]}


@dataclass
class RowData:
    row: int
    department: str
    code: str
    values: dict[str, Any]  # model field → value, for the columns the file has
    materials: list[MaterialData] | None  # None: the file has no materials column


@functools.cache
def _lookups() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """What a cell may say → the stored value: item types, time limit units, delivery methods. Built on
    first use from the Chinese labels (not at import time, and not in the request's language)."""
    types = {
        **{value: value for value in ItemType.values},
        **{label: value for value, label in zh_labels(ItemType).items()},
    }
    units = {
        "工作日": LimitUnit.WORKING_DAYS, "个工作日": LimitUnit.WORKING_DAYS, "working": LimitUnit.WORKING_DAYS,
        "自然日": LimitUnit.CALENDAR_DAYS, "个自然日": LimitUnit.CALENDAR_DAYS, "日": LimitUnit.CALENDAR_DAYS,
        "天": LimitUnit.CALENDAR_DAYS, "calendar": LimitUnit.CALENDAR_DAYS,
    }  # fmt: skip
    delivery = {
        **{label: value for value, label in zh_labels(Delivery).items()},
        **{value: value for value in Delivery.values},
        "邮寄": Delivery.POST, "快递": Delivery.POST, "快递送达": Delivery.POST, "电子": Delivery.ELECTRONIC,
        "电子送达": Delivery.ELECTRONIC, "自取": Delivery.PICKUP, "现场领取": Delivery.PICKUP,
        "窗口领取": Delivery.PICKUP,
    }  # fmt: skip
    return types, {k: str(v) for k, v in units.items()}, {k: str(v) for k, v in delivery.items()}


TRUE_WORDS = {"是", "y", "yes", "true", "1", "可", "可以", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "不可", "不可以", "×"}
_LIMIT = re.compile(r"^(\d+)\s*(个?工作日|个?自然日|日|天)?$")
_SPLIT = re.compile(r"[;；,，、\s]+")


def _bool(text: str, default: bool) -> bool | None:
    if not text:
        return default
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def parse_row(
    number: int, cells: dict[str, str], *, counties: dict[str, str] | None = None
) -> tuple[RowData | None, list[RowError]]:
    """Check one row. `cells` has the file's columns only (key → text). `counties`: the county names the
    办理区县 column may use instead of codes (orgs.regions.county_codes of the importing federation)."""
    errors: list[RowError] = []
    type_by_text, unit_by_text, delivery_by_text = _lookups()

    def bad(key: str, message: str) -> None:
        errors.append(RowError(number, COLUMN_BY_KEY[key].header, message, cells.get(key, "")))

    values: dict[str, Any] = {}
    department = " ".join(cells.get("department", "").split())
    if not department:
        bad("department", "缺少实施部门")
    elif len(department) > 100:
        bad("department", "实施部门名称超过100字")
    name = " ".join(cells.get("name", "").split())
    if not name:
        bad("name", "缺少事项名称")
    elif len(name) > 200:
        bad("name", "事项名称超过200字")
    values["name"] = name
    code = "".join(cells.get("item_code", "").split())
    if not code:
        bad("item_code", "缺少实施编码")
    elif len(code) > 80:
        bad("item_code", "实施编码超过80个字符")
    values["code"] = code
    type_text = cells.get("task_type", "").strip()
    if not type_text:
        bad("task_type", "缺少事项类型")
    elif type_text not in type_by_text:
        bad("task_type", "事项类型无效，应为 1、5、7、8、9、10、20 或对应名称（如“行政许可”）")
    else:
        values["item_type"] = type_by_text[type_text]
    if "group" in cells:
        group = " ".join(cells["group"].split())
        if len(group) > 200:
            bad("group", "主项名称超过200字")
        values["group_name"] = "" if group == NO_GROUP else group
    for key in ("description", "conditions"):
        if key in cells:
            values[key] = cells[key].strip()
    for prefix in ("legal", "promised"):
        limit_key, unit_key = f"{prefix}_limit", f"{prefix}_limit_unit"
        inline_unit = ""
        if limit_key in cells:
            text = cells[limit_key].replace(" ", "")
            match = _LIMIT.match(text)
            if not text:
                values[limit_key] = None
            elif not match or int(match.group(1)) < 1:
                label = "法定时限" if prefix == "legal" else "承诺时限"
                bad(limit_key, f"{label}应为正整数（天数），如 20")
            else:
                values[limit_key] = int(match.group(1))
                inline_unit = match.group(2) or ""
        if unit_key in cells or inline_unit:
            unit_text = (cells.get(unit_key) or "").strip() or inline_unit
            if not unit_text:
                values[unit_key] = LimitUnit.WORKING_DAYS
            elif unit_text.lower() not in unit_by_text:
                bad(unit_key, "时限单位应为“工作日”或“自然日”")
            else:
                values[unit_key] = unit_by_text[unit_text.lower()]
    legal, promised = values.get("legal_limit"), values.get("promised_limit")
    if (
        legal
        and promised
        and values.get("legal_limit_unit", LimitUnit.WORKING_DAYS)
        == values.get("promised_limit_unit", LimitUnit.WORKING_DAYS)
        and promised > legal
    ):
        bad("promised_limit", f"承诺时限（{promised}）不能超过法定时限（{legal}）")
    if "fee" in cells:
        text = cells["fee"].replace("元", "").replace(",", "").strip()
        if text in ("", "不收费", "免费", "无"):
            values["fee_yuan"] = Decimal("0.00")
        else:
            try:
                fee = Decimal(text)
            except InvalidOperation:
                fee = None
            if (
                fee is None
                or not fee.is_finite()
                or fee < 0
                or fee != fee.quantize(Decimal("0.01"))
                or fee >= 10**8
            ):
                bad("fee", "收费金额应为不小于0的数字（元，最多两位小数）；文字说明请写在“收费说明”列")
            else:
                values["fee_yuan"] = fee.quantize(Decimal("0.01"))
    if "fee_note" in cells:
        if len(cells["fee_note"]) > 200:
            bad("fee_note", "收费说明超过200字")
        values["fee_note"] = cells["fee_note"].strip()
    if "delivery" in cells:
        methods: list[str] = []
        for word in _SPLIT.split(cells["delivery"].strip()):
            if not word:
                continue
            if word not in delivery_by_text:
                bad("delivery", f"送达方式“{word}”无法识别，应为 邮寄送达、电子证照、代办点自取")
            elif delivery_by_text[word] not in methods:
                methods.append(delivery_by_text[word])
        values["delivery_methods"] = methods
    for key, field_name in (("proxy_eligible", "proxy_eligible"), ("online", "is_online")):
        if key in cells:
            flag = _bool(cells[key], True)
            if flag is None:
                bad(key, "应填“是”或“否”")
            else:
                values[field_name] = flag
    if "counties" in cells:
        codes = []
        for word in _SPLIT.split(cells["counties"].strip()):
            if not word:
                continue
            region = word if re.fullmatch(r"[0-9]{6}", word) else (counties or {}).get(word, "")
            if not region and word.isdigit():
                bad("counties", f"“{word}”不是6位行政区划代码")
            elif not region:
                bad("counties", f"“{word}”不是本市的区县名称，也不是6位行政区划代码")
            elif region not in codes:
                codes.append(region)
        values["region_codes"] = codes
    materials: list[MaterialData] | None = None
    if "materials" in cells:
        materials, problems = parse_materials(cells["materials"])
        for problem in problems:
            bad("materials", problem)
    if errors:
        return None, errors
    return RowData(number, department, code, values, materials), []
