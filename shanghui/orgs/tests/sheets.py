"""Reading back the Excel files that export pages send."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook


def read_sheet(response: Any) -> list[tuple[Any, ...]]:
    """The rows (header first) of the first sheet of an .xlsx download."""
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
