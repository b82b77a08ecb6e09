"""Catalogue import from CSV (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16) or Excel (.xlsx).

Two shapes are accepted, told apart by their header row (English keys or Chinese headers, in any order):

* the portal's short shape, as `shared/data/catalog_guangan.csv`: department, group, name, item_code,
  task_type;
* the full template (`exporter.template_workbook()`; an export has the same shape) that adds the
  service guide: description, time limits and units, fees, delivery methods, proxy eligibility,
  counties, online status and the materials list in a compact syntax (see MATERIALS_HELP).

The run, for a file of any size:

1. read the whole table (the file type is decided by content, never by the file name);
2. check every row (progress is reported per batch: `processed_rows` of the job);
3. in one transaction: look up the existing items by code, merge, create missing departments, write
   with bulk operations, record the audit row. In "all or nothing" mode a single bad row means nothing
   is written; in "good rows" mode the bad rows are reported and the rest written.

Columns a file does not have are left as they are on existing items (a short-shape re-import keeps
the time limits and materials staff added); an empty cell in a column the file has clears the value.
Re-importing the same file changes nothing: a row whose merged item equals the stored one is counted
as unchanged and writes nothing, so no new version.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import (
    Delivery,
    ImportJob,
    ItemType,
    ItemVersion,
    LimitUnit,
    Material,
    MaterialForm,
    ServiceItem,
)
from shanghui.catalog.services import (
    MaterialData,
    item_errors,
    material_rows,
    materials_of,
    snapshot_of,
    zh_labels,
)
from shanghui.lib.xlsx import unescape_formula
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.orgs.services import create_organisation

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
BATCH = 500  # rows per progress report, per look-up query and per bulk write
MAX_REPORTED_ERRORS = 10_000
# Ten times the largest real county catalogue and more: a bound on memory for a crafted file.
MAX_ROWS = 100_000
NO_GROUP = "未分类"  # the portal's word for "no parent item"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a table, empty, missing columns)."""


# --- columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # as in the portal's CSV header
    header: str  # as in the template and the export
    aliases: tuple[str, ...]
    required: bool = False
    help: str = ""
    example: str = ""


MATERIALS_HELP = (
    "多项材料用分号（; 或 ；）分隔；每项写成 材料名称[属性,属性,…]，方括号可省略。属性（逗号分隔，顺序不限）："
    "原件 / 复印件 / 原件和复印件 / 电子材料（默认原件）；N份（默认1份）；必须 / 非必须（默认必须）；"
    "容缺（可容缺后补）；备注:说明文字（写在最后）。材料名称中不要使用方括号和分号。"
)
MATERIALS_EXAMPLE = (
    "居民身份证[原件,1份,必须];居民户口簿[原件和复印件,1份];近期免冠照片[2份,非必须,容缺,备注:白底二寸]"
)

COLUMNS: tuple[Column, ...] = (
    Column("department", "实施部门", ("department", "部门", "实施主体", "实施机构"), True,
           "实施该事项的部门全称或简称；导入时在本工商联下按名称查找，没有的会自动创建。", "衢州市公安局"),
    Column("group", "主项名称", ("group", "主项", "parent"),
           help="门户网站上的主项；没有主项时留空或填“未分类”。", example="未分类"),
    Column("name", "事项名称", ("name", "名称", "事项"), True, "事项的规范名称。", "居民身份证办理（包括临时）"),
    Column("item_code", "实施编码", ("item_code", "code", "事项编码", "编码"), True,
           "事项的实施编码，在文件中不能重复；再次导入时按实施编码更新已有事项。",
           "330A0011200068-330800000000-000-11330800002582166A-1-00"),
    Column("task_type", "事项类型", ("task_type", "type", "类型", "事项类别"), True,
           "填代码或名称：1 行政许可、5 行政给付、7 行政确认、8 行政奖励、9 行政裁决、10 其他行政权力、20 公共服务。",
           "20"),
    Column("description", "事项说明", ("description", "说明", "事项简介"), help="给群众看的简要说明。"),
    Column("conditions", "受理条件", ("conditions", "申请条件"), help="谁可以申请、需要满足什么条件。"),
    Column("legal_limit", "法定时限", ("legal_limit", "法定办结时限"), help="正整数（天），可留空。", example="30"),
    Column("legal_limit_unit", "法定时限单位", ("legal_limit_unit",), help="工作日 或 自然日；留空为工作日。",
           example="工作日"),
    Column("promised_limit", "承诺时限", ("promised_limit", "承诺办结时限"),
           help="正整数（天），可留空；单位相同时不能超过法定时限。", example="7"),
    Column("promised_limit_unit", "承诺时限单位", ("promised_limit_unit",), help="工作日 或 自然日；留空为工作日。",
           example="工作日"),
    Column("fee", "收费金额（元）", ("fee", "fee_yuan", "收费金额", "收费标准"),
           help="数字，单位元，最多两位小数；不收费填 0 或留空。", example="0"),
    Column("fee_note", "收费说明", ("fee_note",), help="如：不收费；工本费20元（首次申领免费）。", example="不收费"),
    Column("delivery", "送达方式", ("delivery", "delivery_methods", "结果送达方式"),
           help="邮寄送达、电子证照、代办点自取，多个用分号分隔。", example="邮寄送达;代办点自取"),
    Column("proxy_eligible", "可代办", ("proxy_eligible", "可由商会代办", "是否可代办"),
           help="是 或 否；留空为是。", example="是"),
    Column("counties", "办理区县", ("counties", "region_codes", "区县"),
           help="可办理的区县的6位行政区划代码，多个用分号分隔；留空表示所有区县。", example="330802;330825"),
    Column("online", "在线", ("online", "is_online", "是否在线", "上架"), help="是 或 否；留空为是。", example="是"),
    Column("materials", "申请材料", ("materials", "材料", "材料清单"), help=MATERIALS_HELP, example=MATERIALS_EXAMPLE),
)  # fmt: skip
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = [c.key for c in COLUMNS if c.required]


def _norm_header(text: str) -> str:
    return re.sub(r"[\s*＊:：_\-]", "", text).lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.key, _column.header, *_column.aliases):
        _HEADER_LOOKUP[_norm_header(_alias)] = _column.key


def map_header(header: Sequence[str]) -> dict[int, str]:
    """Column index → column key. Unknown columns are ignored; missing required ones fail the file."""
    mapping: dict[int, str] = {}
    seen: dict[str, str] = {}
    for index, title in enumerate(header):
        key = _HEADER_LOOKUP.get(_norm_header(title or ""))
        if key is None:
            continue
        if key in seen:
            raise ImportFileError(
                f"表头中“{seen[key]}”和“{title}”是同一列（{COLUMN_BY_KEY[key].header}），请删去一列"
            )
        seen[key] = title
        mapping[index] = key
    missing = [COLUMN_BY_KEY[k].header for k in REQUIRED_KEYS if k not in seen]
    if missing:
        raise ImportFileError(
            f"缺少必需的列：{'、'.join(missing)}。第一行应为表头，请使用导入模板或门户导出的目录文件"
        )
    return mapping


# --- reading the file ------------------------------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)


_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other old Office files
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"BM")
NOT_A_TABLE = "文件不是 Excel（.xlsx）或 CSV 表格，请使用导入模板填写后上传"


def read_table(data: bytes) -> Table:
    """The header and the non-empty rows of the first sheet (or of the sheet named 事项目录)."""
    if not data or not data.strip():
        raise ImportFileError("文件是空的")
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请分成几个文件导入")
    rows: Iterable[tuple[int, list[str]]]
    if data.startswith(_ZIP):
        rows = _xlsx_rows(data)
    elif data.startswith(_OLE):
        raise ImportFileError("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
    elif data.startswith(_BINARY_MAGIC):
        raise ImportFileError(NOT_A_TABLE)
    else:
        rows = _csv_rows(_decode(data))
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if not any(cells):
            continue
        if header is None:
            header = cells
        else:
            body.append((number, cells))
            if len(body) > MAX_ROWS:
                raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请分成几个文件导入")
    if header is None:
        raise ImportFileError("文件是空的")
    return Table(header, body)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with tabs.
        text = data.decode("utf-16")
    else:
        if b"\x00" in data[:8192]:
            raise ImportFileError(NOT_A_TABLE)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                # GB18030 is a superset of GBK and GB2312: what Excel on a Chinese Windows writes.
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileError("无法识别文件的文字编码，请保存为 UTF-8 或 GBK 编码的 CSV") from None
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > len(sample) // 100:
        raise ImportFileError(NOT_A_TABLE)
    return text


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as exc:
        raise ImportFileError(f"CSV 文件格式有误（第 {reader.line_num} 行附近）：{exc}") from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    # An export protects cells that start like a formula with a leading apostrophe; take it off.
    return unescape_formula(str(value).strip())


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        logger.info("not an xlsx file: %s", type(exc).__name__)
        raise ImportFileError("文件不是有效的 Excel（.xlsx）文件，请在 Excel 中重新保存后再导入") from None
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        logger.info("unreadable xlsx file: %s", type(exc).__name__)
        raise ImportFileError("文件不是有效的 Excel（.xlsx）文件，请在 Excel 中重新保存后再导入") from None
    try:
        names = workbook.sheetnames
        if not names:
            raise ImportFileError("Excel 文件中没有工作表")
        sheet = workbook["事项目录"] if "事项目录" in names else workbook[names[0]]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:  # the header and MAX_ROWS rows
                    raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请分成几个文件导入")
        return rows
    finally:
        workbook.close()


# --- checking rows ---------------------------------------------------------------------------------


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
FORM_BY_TEXT = {
    "原件": MaterialForm.ORIGINAL, "复印件": MaterialForm.COPY, "原件和复印件": MaterialForm.BOTH,
    "原件及复印件": MaterialForm.BOTH, "原件+复印件": MaterialForm.BOTH, "电子材料": MaterialForm.ELECTRONIC,
    "电子版": MaterialForm.ELECTRONIC,
}  # fmt: skip
FORM_TEXT: dict[str, str] = {
    MaterialForm.ORIGINAL: "原件", MaterialForm.COPY: "复印件", MaterialForm.BOTH: "原件和复印件",
    MaterialForm.ELECTRONIC: "电子材料",
}  # fmt: skip
REQUIRED_WORDS = {
    "必须": True,
    "必需": True,
    "必交": True,
    "非必须": False,
    "非必需": False,
    "选填": False,
    "可选": False,
}
DEFERRABLE_WORDS = {"容缺", "可容缺", "容缺后补"}
ATTRIBUTES_HELP = "原件、复印件、原件和复印件、电子材料、N份、必须、非必须、容缺、备注:…"
_LIMIT = re.compile(r"^(\d+)\s*(个?工作日|个?自然日|日|天)?$")
_SPLIT = re.compile(r"[;；,，、\s]+")
_FORBIDDEN_IN_MATERIAL_NAME = re.compile(r"[\[\]【】;；]")


def _split_materials(text: str) -> list[str] | None:
    """Split on ; or ； outside brackets. None when the brackets do not balance."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[【":
            depth += 1
        elif ch in "]】":
            depth -= 1
            if depth < 0:
                return None
        if ch in ";；" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0:
        return None
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_materials(text: str) -> tuple[list[MaterialData], list[str]]:
    """Materials from the compact syntax (MATERIALS_HELP), and the problems found."""
    segments = _split_materials(text)
    if segments is None:
        return [], ["方括号没有成对出现"]
    materials, problems = [], []
    for index, segment in enumerate(segments, start=1):
        match = re.fullmatch(r"(.*?)\s*(?:[\[【](.*)[\]】])?", segment, flags=re.S)
        name = (match.group(1) if match else segment).strip()
        attributes = (match.group(2) if match else None) or ""
        if not name:
            problems.append(f"第{index}项材料缺少名称")
            continue
        if len(name) > 200:
            problems.append(f"第{index}项材料名称超过200字")
            continue
        form, copies, required, deferrable, notes = MaterialForm.ORIGINAL, 1, True, False, ""
        note_at = re.search(r"备注\s*[:：]", attributes)
        if note_at:
            notes = attributes[note_at.end() :].strip()
            attributes = attributes[: note_at.start()]
        for raw in re.split(r"[,，]", attributes):
            word = raw.strip()
            if not word:
                continue
            copies_match = re.fullmatch(r"(\d+)\s*份", word)
            if word in FORM_BY_TEXT:
                form = FORM_BY_TEXT[word]
            elif copies_match and int(copies_match.group(1)) >= 1:
                copies = int(copies_match.group(1))
            elif word in REQUIRED_WORDS:
                required = REQUIRED_WORDS[word]
            elif word in DEFERRABLE_WORDS:
                deferrable = True
            else:
                problems.append(f"“{name}”的属性“{word}”无法识别（可用：{ATTRIBUTES_HELP}）")
        if len(notes) > 300:
            problems.append(f"“{name}”的备注超过300字")
        materials.append(MaterialData(name, form, copies, required, deferrable, notes))
    return materials, problems


def format_materials(materials: Iterable[MaterialData]) -> str:
    """The compact syntax of MATERIALS_HELP: what parse_materials() reads back unchanged."""
    parts = []
    for m in materials:
        attributes = [FORM_TEXT.get(m.form, "原件"), f"{m.copies}份", "必须" if m.required else "非必须"]
        if m.deferrable:
            attributes.append("容缺")
        if m.notes:
            attributes.append(f"备注:{m.notes}")
        parts.append(f"{m.name}[{','.join(attributes)}]")
    return ";".join(parts)


def _bool(text: str, default: bool) -> bool | None:
    if not text:
        return default
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def parse_row(number: int, cells: dict[str, str]) -> tuple[RowData | None, list[RowError]]:
    """Check one row. `cells` has the file's columns only (key → text)."""
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
            if not re.fullmatch(r"[0-9]{6}", word):
                bad("counties", f"“{word}”不是6位行政区划代码")
            elif word not in codes:
                codes.append(word)
        values["region_codes"] = codes
    materials: list[MaterialData] | None = None
    if "materials" in cells:
        materials, problems = parse_materials(cells["materials"])
        for problem in problems:
            bad("materials", problem)
    if errors:
        return None, errors
    return RowData(number, department, code, values, materials), []


# --- the run ---------------------------------------------------------------------------------------

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    # Another run of the same job finished it first (a task run again after its worker's lease ran out
    # while the first run was alive after all): this run wrote nothing.
    superseded: bool = False
    departments_created: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})


class _Rollback(Exception):
    pass


def import_file(
    data: bytes, *, owner: Organisation, actor: User | None, mode: str, job: ImportJob | None = None,
    progress: Progress | None = None,
) -> ImportResult:  # fmt: skip
    """Import a CSV or XLSX file. Raises ImportFileError when the file as a whole is unusable."""
    table = read_table(data)
    mapping = map_header(table.header)
    records = (
        (number, {key: cells[index] if index < len(cells) else "" for index, key in mapping.items()})
        for number, cells in table.rows
    )
    return import_records(
        records, total=len(table.rows), owner=owner, actor=actor, mode=mode, job=job, progress=progress
    )


def import_records(
    records: Iterable[tuple[int, dict[str, str]]],
    *,
    total: int,
    owner: Organisation,
    actor: User | None,
    mode: str,
    job: ImportJob | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import rows given as (row number, {column key: text}); every row must have the same keys."""
    if total == 0:
        raise ImportFileError("文件中没有数据行（第一行是表头，从第二行起每行一个事项）")
    result = ImportResult(total_rows=total)
    good: list[RowData] = []
    first_row: dict[str, int] = {}
    for done, (number, cells) in enumerate(records, start=1):
        row, errors = parse_row(number, cells)
        if row is not None and row.code in first_row:
            errors = [
                RowError(
                    number,
                    COLUMN_BY_KEY["item_code"].header,
                    f"实施编码与第 {first_row[row.code]} 行重复",
                    row.code,
                )
            ]
            row = None
        if row is not None:
            first_row[row.code] = number
            good.append(row)
        result.errors.extend(errors)
        if progress and done % BATCH == 0:
            progress(done)
    if progress:
        progress(total)
    if result.errors and mode == ImportJob.Mode.ALL_OR_NOTHING:
        return result
    try:
        with transaction.atomic():
            _apply(good, result, owner=owner, actor=actor, mode=mode, job=job)
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
        result.departments_created = []
        result.applied = False
    return result


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def find_departments(owner: Organisation, names: Iterable[str]) -> dict[str, Organisation]:
    """Departments under `owner` by full name, else by short name; the one nearest the owner wins."""
    wanted = set(names)
    found: dict[str, Organisation] = {}
    candidates = Organisation.objects.filter(kind=OrgKind.DEPARTMENT, path__startswith=owner.path).order_by(
        "-depth", "-path"
    )  # the nearest last, so it overwrites deeper ones
    for org in candidates.filter(short_name__in=wanted):
        found[org.short_name] = org
    for org in candidates.filter(name__in=wanted):
        found[org.name] = org
    return found


@dataclass
class _Planned:
    row: RowData
    item: ServiceItem
    new: bool
    versioned: bool
    before: dict[str, Any] | None  # the snapshot of the stored version (existing items)
    replace_materials: bool
    materials: list[MaterialData]


def _apply(
    rows: list[RowData], result: ImportResult, *, owner: Organisation, actor: User | None, mode: str,
    job: ImportJob | None,
) -> None:  # fmt: skip
    # Serialise imports into one federation: two at once would both create the same department.
    Organisation.objects.select_for_update().filter(pk=owner.pk).first()
    if job is not None and not _lock_running(job.pk):
        result.superseded = True
        raise _Rollback
    departments = find_departments(owner, {r.department for r in rows})
    # Departments not found yet: an unsaved stand-in for comparing; created below if a row needs it.
    pending: dict[str, Organisation] = {}
    plans: list[_Planned] = []
    for chunk in _chunks(rows, BATCH):
        existing = {
            item.code: item
            for item in ServiceItem.objects.filter(code__in=[r.code for r in chunk])
            .select_related("department")
            .prefetch_related("materials")
        }
        for row in chunk:
            department = departments.get(row.department) or pending.setdefault(
                row.department, Organisation(kind=OrgKind.DEPARTMENT, name=row.department, parent=owner)
            )
            plan = _plan_row(row, existing.get(row.code), department, owner, result)
            if plan is not None:
                plans.append(plan)
    if result.errors and mode == ImportJob.Mode.ALL_OR_NOTHING:
        raise _Rollback
    if not plans and result.errors:
        # Nothing good to write: report the file as failed, as in all-or-nothing mode.
        raise _Rollback
    for name, stand_in in pending.items():
        if any(p.item.department is stand_in for p in plans):
            created = create_organisation(
                actor=actor, kind=OrgKind.DEPARTMENT, name=name, parent=owner, region_code=owner.region_code
            )
            result.departments_created.append(name)
            for p in plans:
                if p.item.department is stand_in:
                    p.item.department = created
    _write(plans, actor=actor)
    result.applied = True
    detail = {
        "owner_id": owner.pk, "mode": mode, "rows": result.total_rows, "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged, "error_rows": result.error_rows,
        "departments_created": len(result.departments_created),
    }  # fmt: skip
    record(actor=actor, action=AuditAction.CATALOG_IMPORT, obj=job or owner, detail=detail)
    if job is not None:
        finish_job(job, result)


# Where a problem found after merging a row with the stored item is reported.
FIELD_COLUMNS = {
    "legal_limit": "legal_limit", "promised_limit": "promised_limit", "fee_yuan": "fee",
    "delivery_methods": "delivery", "region_codes": "counties",
}  # fmt: skip


def _plan_row(
    row: RowData,
    item: ServiceItem | None,
    department: Organisation,
    owner: Organisation,
    result: ImportResult,
) -> _Planned | None:
    was_online = True
    if item is None:
        item = ServiceItem(department=department, **row.values)
        new, before, old_materials = True, None, []
    else:
        if not item.department.path.startswith(owner.path):
            # Codes are unique across the whole platform: never let one federation's file take over
            # another's item.
            result.errors.append(
                RowError(row.row, COLUMN_BY_KEY["item_code"].header,
                         f"该实施编码已被“{item.department.name}”的事项使用，不属于本工商联", row.code)
            )  # fmt: skip
            return None
        old_materials = materials_of(item)
        before = snapshot_of(item, old_materials)
        was_online = item.is_online
        for key, value in row.values.items():
            setattr(item, key, value)
        if department.pk != item.department_id:
            item.department = department
        new = False
    materials = old_materials if row.materials is None else _carry_blank_forms(row.materials, old_materials)
    problems = item_errors(item)
    if problems:
        for field_name, message in problems.items():
            column = COLUMN_BY_KEY[FIELD_COLUMNS.get(field_name, "name")].header
            result.errors.append(RowError(row.row, column, message, ""))
        return None
    if new:
        result.created += 1
        return _Planned(row, item, True, True, None, True, materials)
    after = snapshot_of(item, materials, department_name=department.name)
    if department.pk is None:
        after["department_id"] = -1  # a department created by this import: always a change
    versioned = after != before
    if not versioned and item.is_online == was_online:
        result.unchanged += 1
        return None
    result.updated += 1
    return _Planned(row, item, False, versioned, before, materials != old_materials, materials)


def _carry_blank_forms(materials: list[MaterialData], old: list[MaterialData]) -> list[MaterialData]:
    """A file cannot carry the blank forms uploaded in the edit page: keep them by material name."""
    forms = {m.name: m.blank_form for m in old if m.blank_form}
    if not forms:
        return materials
    return [
        MaterialData(m.name, m.form, m.copies, m.required, m.deferrable, m.notes, forms.get(m.name, ""))
        for m in materials
    ]


UPDATE_FIELDS = [
    "department", "name", "item_type", "group_name", "description", "conditions", "legal_limit",
    "legal_limit_unit", "promised_limit", "promised_limit_unit", "fee_yuan", "fee_note", "delivery_methods",
    "proxy_eligible", "region_codes", "is_online", "version", "updated_at",
]  # fmt: skip


def _update_items(items: list[ServiceItem], field_names: list[str]) -> None:
    """UPDATE each item with executemany. QuerySet.bulk_update() builds a CASE expression per field and
    row, which takes minutes for 10,000 rows; this takes seconds on SQLite and PostgreSQL alike."""
    if not items:
        return
    fields = [f for f in (ServiceItem._meta.get_field(name) for name in field_names) if isinstance(f, Field)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    table, pk = quote(ServiceItem._meta.db_table), quote(str(ServiceItem._meta.pk.column))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608  (names from the model, values bound)
    params = [
        [f.get_db_prep_save(getattr(item, f.attname), connection) for f in fields] + [item.pk]
        for item in items
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _delete_materials(item_ids: list[int]) -> None:
    """Delete the materials of these items in one statement. QuerySet.delete() would load every row to
    send post_delete signals; the search index notices the change by the items' updated_at anyway."""
    if not item_ids:
        return
    quote = connection.ops.quote_name
    table, column = quote(Material._meta.db_table), quote(Material._meta.get_field("item").column)
    marks = ", ".join(["%s"] * len(item_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", item_ids)  # noqa: S608  (as above)


def _write(plans: list[_Planned], *, actor: User | None) -> None:
    now = timezone.now()
    for chunk in _chunks(plans, BATCH):
        new = [p for p in chunk if p.new]
        changed = [p for p in chunk if not p.new]
        for p in new:
            p.item.version = 1
        ServiceItem.objects.bulk_create([p.item for p in new])
        # Keep the history complete: an item stored before versioning gets its old snapshot first.
        versioned = [p for p in changed if p.versioned]
        have = set(
            ItemVersion.objects.filter(item_id__in=[p.item.pk for p in versioned]).values_list(
                "item_id", "number"
            )
        )
        versions = [
            ItemVersion(
                item=p.item, number=p.item.version, snapshot=p.before, created_by=None, created_at=now
            )
            for p in versioned
            if (p.item.pk, p.item.version) not in have
        ]
        for p in versioned:
            p.item.version += 1
        for p in changed:
            p.item.updated_at = now
        _update_items([p.item for p in changed], UPDATE_FIELDS)
        replaced = [p for p in changed if p.replace_materials]
        _delete_materials([p.item.pk for p in replaced])
        Material.objects.bulk_create(
            [m for p in [*new, *replaced] for m in material_rows(p.item, p.materials)], batch_size=BATCH
        )
        versions += [
            ItemVersion(item=p.item, number=p.item.version, snapshot=snapshot_of(p.item, p.materials),
                        created_by=actor, created_at=now)
            for p in [*new, *versioned]
        ]  # fmt: skip
        ItemVersion.objects.bulk_create(versions, batch_size=BATCH)


# --- the background job ----------------------------------------------------------------------------


def finish_job(job: ImportJob, result: ImportResult, *, file_error: str = "") -> None:
    errors = [e.as_json() for e in result.errors[:MAX_REPORTED_ERRORS]]
    if len(result.errors) > MAX_REPORTED_ERRORS:
        errors.append(
            {"row": 0, "column": "", "value": "",
             "message": f"错误太多，只列出前 {MAX_REPORTED_ERRORS} 条（共 {len(result.errors)} 条）"}
        )  # fmt: skip
    if file_error:
        errors = [{"row": 0, "column": "", "value": "", "message": file_error}]
    job.status = ImportJob.Status.SUCCEEDED if result.applied else ImportJob.Status.FAILED
    job.total_rows = result.total_rows
    job.processed_rows = result.total_rows
    job.created_count = result.created
    job.updated_count = result.updated
    job.unchanged_count = result.unchanged
    job.errors = errors
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status", "total_rows", "processed_rows", "created_count", "updated_count", "unchanged_count",
            "errors", "finished_at",
        ]
    )  # fmt: skip


UNFINISHED = [ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
INTERNAL_ERROR = "导入时发生内部错误，没有导入任何数据，请联系系统管理员"
WORKER_LOST = "导入任务多次中断（任务进程停止），没有导入任何数据；请重新上传，如仍不成功请联系系统管理员"


def _lock_running(job_id: int, statuses: Sequence[str] = (ImportJob.Status.RUNNING,)) -> bool:
    """Inside the transaction that finishes a job: lock its row and say whether it still waits to be
    finished (no other run of it finished it first)."""
    return ImportJob.objects.select_for_update().filter(pk=job_id, status__in=statuses).exists()


def run_import(job_id: int, *, task_id: str = "") -> ImportJob:
    """Run a queued import job to its end (the background task calls this; tests may call it directly).

    Safe to run again after a crash at any point, as the task worker does once a dead worker's lease has
    run out (shanghui/worker/lease.py): nothing is written before the one transaction that writes the
    items, the audit row and the job's outcome, so a job left 导入中 starts over from its file (progress
    from zero); a finished job is left as it is; and of two runs at once only the first to commit writes
    (each checks the job under its row lock). `task_id` is the task running it, for the job page."""
    # Claim the job, or claim it again after a run that died: never one that finished.
    claimed = ImportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ImportJob.Status.RUNNING, processed_rows=0, task_id=task_id
    )
    job = ImportJob.objects.select_related("owner", "created_by").get(pk=job_id)
    if not claimed:
        return job

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done)

    try:
        with job.file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        table = read_table(data)
        mapping = map_header(table.header)
        ImportJob.objects.filter(pk=job_id).update(total_rows=len(table.rows))
        records = (
            (number, {key: cells[index] if index < len(cells) else "" for index, key in mapping.items()})
            for number, cells in table.rows
        )
        result = import_records(
            records, total=len(table.rows), owner=job.owner, actor=job.created_by, mode=job.mode, job=job,
            progress=progress,
        )  # fmt: skip
        file_error = ""
    except ImportFileError as exc:
        result, file_error = ImportResult(), str(exc)
    except Exception:
        logger.exception("catalogue import %s failed", job_id)
        result, file_error = ImportResult(), INTERNAL_ERROR
    if not result.applied and not result.superseded:
        job.refresh_from_db(fields=["total_rows"])
        result.total_rows = result.total_rows or job.total_rows
        _finish_unapplied(job, result, file_error=file_error)
    job.refresh_from_db()
    return job


def _finish_unapplied(
    job: ImportJob,
    result: ImportResult,
    *,
    file_error: str = "",
    statuses: Sequence[str] = (ImportJob.Status.RUNNING,),
) -> bool:
    with transaction.atomic():
        if not _lock_running(job.pk, statuses):
            return False
        finish_job(job, result, file_error=file_error)
        record(
            actor=job.created_by, action=AuditAction.CATALOG_IMPORT, obj=job,
            detail={"owner_id": job.owner_id, "mode": job.mode, "rows": result.total_rows,
                    "error_rows": result.error_rows, "applied": False},
        )  # fmt: skip
    return True


def give_up(job_id: int, *, worker_lost: bool) -> bool:
    """The job's task failed and will not run again: a job it left unfinished is marked failed (nothing
    of it was written), so its page stops saying 导入中. Returns whether it did so."""
    job = ImportJob.objects.select_related("owner", "created_by").filter(pk=job_id).first()
    if job is None or job.status not in UNFINISHED:
        return False
    result = ImportResult(total_rows=job.total_rows)
    message = WORKER_LOST if worker_lost else INTERNAL_ERROR
    return _finish_unapplied(job, result, file_error=message, statuses=UNFINISHED)
