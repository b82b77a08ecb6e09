"""Streaming stored files (case materials, conversation attachments) after an access check: never a
public media URL, never cached by a shared proxy."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file_response(
    stored: FieldFile, *, content_type: str, filename: str, as_attachment: bool = False
) -> FileResponse:
    """The file as a download, or 404 (in Chinese) when storage no longer has it."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename or stored.name or ""
    )
    response["Cache-Control"] = "private, no-store"
    return response
