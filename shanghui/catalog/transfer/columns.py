"""The columns of a catalogue file: one definition for the import (header, aliases, which are
required, the template's help) and for the export (each column's cell of an item), so that an exported
file imports back unchanged."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shanghui.catalog.models import Delivery, ItemType, LimitUnit, ServiceItem
from shanghui.catalog.services import materials_of, zh_labels
from shanghui.catalog.transfer.materials import MATERIALS_EXAMPLE, MATERIALS_HELP, format_materials


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not a table, empty, missing columns)."""


@dataclass(frozen=True)
class Column:
    key: str  # as in the portal's CSV header
    header: str  # as in the template and the export
    aliases: tuple[str, ...]
    required: bool = False
    help: str = ""
    example: str = ""
    # The cell an export writes for an item (an exported file imports back unchanged).
    cell: Callable[[ServiceItem], Any] = str


def _fee_cell(item: ServiceItem) -> Any:
    fee = item.fee_yuan
    return int(fee) if fee == int(fee) else float(fee)


def _delivery_cell(item: ServiceItem) -> str:
    delivery = zh_labels(Delivery)
    return ";".join(str(delivery.get(d, d)) for d in item.delivery_methods or [])


COLUMNS: tuple[Column, ...] = (
    Column("department", "实施部门", ("department", "部门", "实施主体", "实施机构"), True,
           "实施该事项的部门全称或简称；导入时在本工商联下按名称查找，没有的会自动创建。", "衢州市公安局", cell=lambda item: item.department.name),
    Column("group", "主项名称", ("group", "主项", "parent"),
           help="门户网站上的主项；没有主项时留空或填“未分类”。", example="未分类", cell=lambda item: item.group_name),
    Column("name", "事项名称", ("name", "名称", "事项"), True, "事项的规范名称。", "居民身份证办理（包括临时）", cell=lambda item: item.name),
    Column("item_code", "实施编码", ("item_code", "code", "事项编码", "编码"), True,
           "事项的实施编码，在文件中不能重复；再次导入时按实施编码更新已有事项。",
           "330A0011200068-330800000000-000-11330800002582166A-1-00", cell=lambda item: item.code),
    Column("task_type", "事项类型", ("task_type", "type", "类型", "事项类别"), True,
           "填代码或名称：1 行政许可、5 行政给付、7 行政确认、8 行政奖励、9 行政裁决、10 其他行政权力、20 公共服务。",
           "20", cell=lambda item: zh_labels(ItemType).get(item.item_type, item.item_type)),
    Column("description", "事项说明", ("description", "说明", "事项简介"), help="给群众看的简要说明。", cell=lambda item: item.description),
    Column("conditions", "受理条件", ("conditions", "申请条件"), help="谁可以申请、需要满足什么条件。", cell=lambda item: item.conditions),
    Column("legal_limit", "法定时限", ("legal_limit", "法定办结时限"), help="正整数（天），可留空。", example="30", cell=lambda item: item.legal_limit),
    Column("legal_limit_unit", "法定时限单位", ("legal_limit_unit",), help="工作日 或 自然日；留空为工作日。",
           example="工作日", cell=lambda item: str(zh_labels(LimitUnit).get(item.legal_limit_unit, ""))),
    Column("promised_limit", "承诺时限", ("promised_limit", "承诺办结时限"),
           help="正整数（天），可留空；单位相同时不能超过法定时限。", example="7", cell=lambda item: item.promised_limit),
    Column("promised_limit_unit", "承诺时限单位", ("promised_limit_unit",), help="工作日 或 自然日；留空为工作日。",
           example="工作日", cell=lambda item: str(zh_labels(LimitUnit).get(item.promised_limit_unit, ""))),
    Column("fee", "收费金额（元）", ("fee", "fee_yuan", "收费金额", "收费标准"),
           help="数字，单位元，最多两位小数；不收费填 0 或留空。", example="0", cell=_fee_cell),
    Column("fee_note", "收费说明", ("fee_note",), help="如：不收费；工本费20元（首次申领免费）。", example="不收费", cell=lambda item: item.fee_note),
    Column("delivery", "送达方式", ("delivery", "delivery_methods", "结果送达方式"),
           help="邮寄送达、电子证照、代办点自取，多个用分号分隔。", example="邮寄送达;代办点自取", cell=_delivery_cell),
    Column("proxy_eligible", "可代办", ("proxy_eligible", "可由商会代办", "是否可代办"),
           help="是 或 否；留空为是。", example="是", cell=lambda item: item.proxy_eligible),
    Column("counties", "办理区县", ("counties", "region_codes", "区县"),
           help="可办理的区县：填区县名称（如 柯城区 或 柯城）或6位行政区划代码（如 330802），多个用分号分隔；留空表示所有区县。", example="柯城区;330825", cell=lambda item: ";".join(item.region_codes or [])),
    Column("online", "在线", ("online", "is_online", "是否在线", "上架"), help="是 或 否；留空为是。", example="是", cell=lambda item: item.is_online),
    Column("materials", "申请材料", ("materials", "材料", "材料清单"), help=MATERIALS_HELP, example=MATERIALS_EXAMPLE, cell=lambda item: format_materials(materials_of(item))),
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


def item_row(item: ServiceItem) -> list[Any]:
    """One item in the order of COLUMNS (a row of the export)."""
    return [column.cell(item) for column in COLUMNS]
