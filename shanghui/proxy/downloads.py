"""A case material or result document as a download, audited (shanghui/audit/downloads.py). The access
check is the caller's: proxy.access.get_case_files_for_user for staff and the API, the citizen's own
case on the citizen pages."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.proxy.models import Case, CaseMaterial

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def readable_name(material: CaseMaterial, *, number: int = 0) -> str:
    """A file name a person can read: the material's name in the item ("办理结果", "居民户口簿"), the
    `number` of several (办理结果（2）), and the extension of its type — not the scanner's or camera's
    "IMG_2034.jpg"."""
    ext = EXTENSIONS.get(material.content_type) or PurePath(material.original_name).suffix.lower()[:8]
    return f"{material.name}{f'（{number}）' if number else ''}{ext}"


def result_names(case: Case) -> list[tuple[CaseMaterial, str]]:
    """The case's current result documents, each with its readable name (numbered when several)."""
    results = list(case.materials.filter(is_result=True, is_current=True).order_by("uploaded_at", "pk"))
    many = len(results) > 1
    return [(f, readable_name(f, number=i if many else 0)) for i, f in enumerate(results, start=1)]


# A preview is the same file shown inside the case page (an image in the lightbox, a PDF in the browser's
# own viewer in an iframe): the page may frame it (same origin only), and the file itself may run nothing
# and load nothing else.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"
)


def wants_preview(request: HttpRequest) -> bool:
    return request.GET.get("preview") == "1"


def material_response(
    request: HttpRequest, case: Case, material_id: int, *, actor: Any, via: str, citizen: bool = False
) -> FileResponse:
    """`via`: "staff" (the case page), "api" (/api/v1/) or "citizen" (/my/). The citizen gets a result
    document under its readable name, prefixed by the case number. `?preview=1` (the page's preview):
    the same access check — the caller's, before this — and the same audit row (with "preview": true),
    answered so that the case page may show it in place."""
    material = CaseMaterial.objects.filter(case=case, pk=material_id).first()
    if material is None:
        raise Http404("文件不存在")
    filename = material.original_name
    if citizen and material.is_result:
        names = {f.pk: name for f, name in result_names(case)}
        filename = f"{case.number}-{names.get(material.pk) or readable_name(material)}"
    preview = wants_preview(request)
    response = audited_file_response(
        request, material.file, actor=actor, citizen=citizen, action=AuditAction.CASE_MATERIAL_DOWNLOAD, obj=material,
        # The material's name in the item ("身份证"), never the uploaded file's name.
        object_repr=f"{case.number} {material.name}",
        detail={"case_id": case.pk, "via": via, **({"preview": True} if preview else {})},
        content_type=material.content_type, filename=filename,
    )  # fmt: skip
    if preview:
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = PREVIEW_CSP
    return response
