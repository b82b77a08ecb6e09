"""Excel export of any table, streamed with openpyxl's write-only mode so that large lists fit in memory,
and the one rule that keeps text people typed from running as a formula in Excel.

Every download the site sends is made here (`xlsx_response`, one sheet or several); what an import reads
back goes through `unescape_formula`, so that an exported file imports unchanged.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel (and LibreOffice) evaluate a cell whose text starts with one of these as a formula: a name
# typed as "=HYPERLINK(…)" would run in the reader's spreadsheet. A leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@")


def escape_formula(value: Any) -> Any:
    """Text that Excel would read as a formula, made plain text; anything else unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """The text escape_formula() protected, as it was typed (for reading an exported file back)."""
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, dt.datetime):
        # Excel has no time zones: write Beijing time, as every page shows.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its title (Excel keeps 31 characters), an optional caption (a title row above
    the headers saying what the table is: scope, period, filters, time), bold headers with their
    units ("金额（元）"), then the rows. The header row stays in view when the reader scrolls, and the
    columns are as wide as their content.

    A file meant to be imported back (the catalogue) has no caption: its first row is the header."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    caption: str = ""


def caption(
    name: str, *, scope: str = "", period: str = "", filters: str = "", at: dt.datetime | None = None
) -> str:
    """The title row of a report's sheets: its name, whose figures they are (`scope`), the period and
    the filters the page showed, and when the file was made (Beijing time), e.g.
    "志愿活动统计　范围：衢州市工商联　期间：2026年　导出时间：2026-12-03 18:00". Empty parts are left out."""
    parts = [str(name)]
    if scope:
        parts.append(_("范围：%(scope)s") % {"scope": scope})
    if period:
        parts.append(_("期间：%(period)s") % {"period": period})
    if filters:
        parts.append(_("筛选：%(filters)s") % {"filters": filters})
    stamp = timezone.localtime(at or timezone.now()).strftime("%Y-%m-%d %H:%M")
    parts.append(_("导出时间：%(time)s") % {"time": stamp})
    return "\u3000".join(parts)


# Columns are sized from the headers and the first rows (the rest is streamed, never held in memory).
WIDTH_SAMPLE_ROWS = 500
MIN_WIDTH, MAX_WIDTH = 6, 60


def text_width(value: Any) -> int:
    """How many character widths Excel needs for `value`: Chinese characters take two."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = value if isinstance(value, str) else str(value)
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def column_widths(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[float]:
    widths = [text_width(h) for h in headers]
    for row in rows:
        for index, value in enumerate(row):
            if index >= len(widths):
                widths.append(0)
            widths[index] = max(widths[index], text_width(value))
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths]


def write_xlsx(target: str | IO[bytes], *sheets: Sheet) -> None:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        rows = iter(sheet.rows)
        first = [[_cell_value(v) for v in row] for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
        # A write-only sheet takes its column widths and frozen panes before the first row.
        for index, width in enumerate(column_widths(sheet.headers, first), start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        header_row = 2 if sheet.caption else 1
        worksheet.freeze_panes = f"A{header_row + 1}"
        if sheet.caption:
            caption = WriteOnlyCell(worksheet, value=escape_formula(sheet.caption))
            caption.font = Font(bold=True, size=13)
            caption.alignment = Alignment(vertical="center")
            worksheet.append([caption])
        header_cells = []
        for title in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=title)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header_cells.append(cell)
        worksheet.append(header_cells)
        for values in first:
            worksheet.append(values)
        for row in rows:
            worksheet.append([_cell_value(v) for v in row])
    workbook.save(target)


def xlsx_response(*, filename: str, sheets: Sequence[Sheet], ascii_name: str = "export") -> FileResponse:
    """An .xlsx download of `sheets`. `filename` without extension (Chinese names are sent per RFC 6266,
    with `ascii_name` for clients that only read the plain parameter); the time is appended."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (closed by FileResponse)
    write_xlsx(handle, *sheets)
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(handle, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}-{stamp}.xlsx\"; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    )
    return response
