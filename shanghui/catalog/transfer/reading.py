"""Reading a catalogue file: the table (header and rows) of a CSV (UTF-8, UTF-8 with BOM,
GB18030/GBK, UTF-16) or an Excel (.xlsx) file, the file type decided by content, never by name."""

from __future__ import annotations

import codecs
import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from shanghui.catalog.transfer.columns import ImportFileError
from shanghui.lib.xlsx import unescape_formula

logger = logging.getLogger("shanghui.catalog.importer")

MAX_FILE_BYTES = 20 * 1024 * 1024
# Ten times the largest real county catalogue and more: a bound on memory for a crafted file.
MAX_ROWS = 100_000


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
