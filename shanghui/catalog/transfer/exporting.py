"""The catalogue as Excel: the export of the staff list, the import template and the error report.

An export has the columns of the import template (columns.COLUMNS, each with its cell of an item), so
that an exported file imports back with no changes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shanghui.catalog.models import ImportJob, ItemType, ServiceItem
from shanghui.catalog.services import zh_labels
from shanghui.catalog.transfer.columns import COLUMNS, item_row
from shanghui.catalog.transfer.materials import MATERIALS_EXAMPLE

EXPORT_CHUNK = 500
HEADERS = [c.header for c in COLUMNS]
DATA_SHEET = "事项目录"
HELP_SHEET = "填写说明"


def export_rows(items: QuerySet[ServiceItem]) -> Iterator[list[Any]]:
    # iterator() with a chunk size keeps the prefetch: two queries per chunk of items.
    for item in (
        items.select_related("department").prefetch_related("materials").iterator(chunk_size=EXPORT_CHUNK)
    ):
        yield item_row(item)


# --- the import template ---------------------------------------------------------------------------

EXAMPLES = [
    [
        "衢州市公安局", "", "居民身份证办理（包括临时）", "330A0011200068-330800000000-000-11330800002582166A-1-00",
        "公共服务", "首次申领、到期换领、损坏换领和丢失补领居民身份证。", "本市户籍居民。", 60, "自然日", 20,
        "自然日", 20, "工本费20元（首次申领免费）", "邮寄送达;代办点自取", "是", "", "是",
        "居民户口簿[原件,1份];原居民身份证[原件,1份,非必须,备注:换领时交回]",
    ],
    [
        "衢州市人力资源和社会保障局", "", "社会保障卡补领、换领、换发", "330B0070200006-330800000000-000-11330800002582235C-1-00",
        "20", "社会保障卡遗失或损坏后补换。", "", "", "", 10, "工作日", 0, "不收费", "邮寄送达", "是",
        "柯城区;330825", "是", "居民身份证[原件,一份];近期免冠照片[两份,非必须]",
    ],
]  # fmt: skip

GENERAL_HELP = [
    "1. 第一个工作表“事项目录”的第一行是表头，从第二行起每行一个事项；列的顺序可以调整，多余的列会被忽略。",
    "2. 必填列：实施部门、事项名称、实施编码、事项类型。其他列可以删去：删去的列在再次导入时保持系统中的原值不变；"
    "保留但留空的单元格会清空原值。",
    "3. 再次导入时按“实施编码”更新已有事项；内容没有变化的事项不会产生新版本。",
    "4. 也可以上传 CSV 文件（UTF-8 或 GBK 编码，逗号分隔），表头可用本模板的中文列名，也可用门户导出文件的英文列名"
    "（department, group, name, item_code, task_type）。",
    "5. 导入方式：“全部正确才导入”——只要有一行有错误，整个文件都不导入；“导入正确的行”——导入正确的行，并列出错误的行。",
    "6. 部门按名称（全称或简称）在所选工商联下查找，找不到时自动新建部门。",
    "7. 申请材料的写法示例：" + MATERIALS_EXAMPLE,
    "8. 份数可以写阿拉伯数字，也可以写汉字：“2份”“两份”“二份”都可以（1至99份）。",
    "9. 办理区县可以写区县名称（如“柯城区”，也可省去“区”“县”“市”写作“柯城”），也可以写6位行政区划代码"
    "（如 330802）；名称须是本工商联所在城市的区县。",
    "10. 有任何一格填写有误时，导入结果会列出第几行、哪一列、错在哪里；按“全部正确才导入”方式时整个文件都不导入。",
]


def template_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append(HEADERS)
    header_fill = PatternFill("solid", fgColor="FDE9E7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="B71C1C" if column.required else "000000")
        cell.fill = header_fill
        sheet.column_dimensions[get_column_letter(index)].width = 40 if column.key == "materials" else 16
    for row in EXAMPLES:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    # Drop-downs as a help only: the importer is the judge (codes such as "1" are valid too).
    lists = {
        "task_type": ",".join(zh_labels(ItemType).values()),
        "legal_limit_unit": "工作日,自然日",
        "promised_limit_unit": "工作日,自然日",
        "proxy_eligible": "是,否",
        "online": "是,否",
    }
    for index, column in enumerate(COLUMNS, start=1):
        if column.key in lists:
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list", formula1=f'"{lists[column.key]}"', showErrorMessage=False
            )
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)

    help_sheet = workbook.create_sheet(HELP_SHEET)
    help_sheet.append(["列名", "是否必填", "说明", "示例"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        help_sheet.append([column.header, "必填" if column.required else "选填", column.help, column.example])
    help_sheet.append([])
    help_sheet.append(["导入规则"])
    help_sheet.cell(row=help_sheet.max_row, column=1).font = Font(bold=True)
    for line in GENERAL_HELP:
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 80
    help_sheet.column_dimensions["D"].width = 50
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the error report ------------------------------------------------------------------------------

REPORT_HEADERS = ("行号", "列", "单元格内容", "错误原因")


def report_rows(job: ImportJob) -> Iterator[list[Any]]:
    for error in job.errors:
        yield [
            error.get("row") or "",
            error.get("column", ""),
            error.get("value", ""),
            error.get("message", ""),
        ]
