"""Excel export of any table, streamed with openpyxl's write-only mode so that large lists fit in memory."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # Excel has no time zones: write Beijing time, as every page shows.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def write_xlsx(path: str, *, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(worksheet, value=title)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    worksheet.append(header_cells)
    for row in rows:
        # A leading "=" would make Excel evaluate a formula a user typed into a name field.
        worksheet.append(
            ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else _cell_value(v) for v in row]
        )
    workbook.save(path)


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    """An .xlsx download. `filename` without extension; Chinese names are sent per RFC 6266."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (closed by FileResponse)
    write_xlsx(handle, sheet=sheet, headers=headers, rows=rows)  # type: ignore[arg-type]  # openpyxl takes file objects
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(
        handle, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"export-{stamp}.xlsx\"; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    )
    return response
