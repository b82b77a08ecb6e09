"""A case material or result document as a download, audited (shanghui/audit/downloads.py). The access
check is the caller's: proxy.access.get_case_files_for_user for staff and the API, the citizen's own
case on the citizen pages."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.proxy.models import Case, CaseMaterial


def material_response(
    request: HttpRequest, case: Case, material_id: int, *, actor: Any, via: str, citizen: bool = False
) -> FileResponse:
    """`via`: "staff" (the case page), "api" (/api/v1/) or "citizen" (/my/)."""
    material = CaseMaterial.objects.filter(case=case, pk=material_id).first()
    if material is None:
        raise Http404("文件不存在")
    return audited_file_response(
        request, material.file, actor=actor, citizen=citizen, action=AuditAction.CASE_MATERIAL_DOWNLOAD, obj=material,
        # The material's name in the item ("身份证"), never the uploaded file's name.
        object_repr=f"{case.number} {material.name}", detail={"case_id": case.pk, "via": via},
        content_type=material.content_type, filename=material.original_name,
    )  # fmt: skip
