"""Reading back the Excel files that export pages send."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook


def read_sheet(response: Any) -> list[tuple[Any, ...]]:
    """The rows (header first) of the first sheet of an .xlsx download, below its title row (the list's
    name, filters and time: lib/xlsx.py), which is checked and left out."""
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert "导出时间：" in str(rows[0][0]) and not any(rows[0][1:]), rows[0]
    return rows[1:]
