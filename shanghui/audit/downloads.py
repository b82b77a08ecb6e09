"""The one way a stored file with personal data leaves the server (case materials and result documents,
conversation attachments — ID card scans among them): after the caller's access check, opened from
storage, recorded in the audit log (who, which file of which record, from which address; never the file
name, which may name a person), then streamed — never a public media URL, never cached by a shared proxy.
Pages, the citizen's pages and the REST API all answer downloads through here."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record


def audited_file_response(
    request: HttpRequest,
    stored: FieldFile,
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model,
    object_repr: str,
    detail: dict[str, Any],
    content_type: str,
    filename: str,
    as_attachment: bool = False,
    citizen: bool = False,
) -> FileResponse:
    """The file as a download, or 404 (in Chinese, and nothing recorded) when storage no longer has it.
    `actor` is the staff user, or None with `citizen=True` for the applicant (no account)."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    try:
        record(actor=actor, citizen=citizen, action=action, obj=obj, object_repr=object_repr[:200],
               request=request, detail=detail)  # fmt: skip
    except BaseException:
        handle.close()  # no record, no file
        raise
    response = FileResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename or stored.name or ""
    )
    response["Cache-Control"] = "private, no-store"
    return response
