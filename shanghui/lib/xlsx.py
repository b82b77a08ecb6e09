"""Excel export of any table, streamed with openpyxl's write-only mode so that large lists fit in memory,
and the one rule that keeps text people typed from running as a formula in Excel.

Every download the site sends is made here (`xlsx_response`, one sheet or several); what an import reads
back goes through `unescape_formula`, so that an exported file imports unchanged.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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
    """One worksheet: its title (Excel keeps 31 characters), bold headers, then the rows."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def write_xlsx(target: str | IO[bytes], *sheets: Sheet) -> None:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        header_cells = []
        for title in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=title)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in sheet.rows:
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
