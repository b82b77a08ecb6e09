"""The audit log page: filters, pagination, Excel export (itself audited) and the chain check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shanghui.audit.access import audit_entries_for_user
from shanghui.audit.actions import AuditAction
from shanghui.audit.display import annotate
from shanghui.audit.forms import AuditFilterForm
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import verify_chain
from shanghui.ui.listing import Export, Listing

EXPORT = Export(
    name="审计日志", action=AuditAction.AUDIT_EXPORT,
    headers=(
        "序号", "时间", "操作人", "操作", "操作代码", "对象类型", "对象ID", "对象", "IP", "详情", "详情（原始）",
        "哈希",
    ),
)  # fmt: skip


@require_GET
@login_required
def audit_list(request: HttpRequest) -> HttpResponseBase:
    entries = audit_entries_for_user(request.user)
    actions = list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
    form = AuditFilterForm(request.GET, actions=actions)
    listing = Listing(request, form)
    entries = form.apply(entries)
    if listing.exporting:
        return listing.export(EXPORT, _export_rows(entries))
    page = listing.page(entries.select_related("actor"))
    annotate(list(page.object_list))
    # Filtered means a valid filter is in use: a bad date alone is ignored, as apply() ignores it.
    context = listing.context(page, entries=page.object_list, filtered=bool(form.filters()))
    return render(request, "audit/list.html", context)


def _export_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    chunk: list[AuditEntry] = []
    for entry in entries.select_related("actor").order_by("-seq").iterator(chunk_size=2000):
        chunk.append(entry)
        if len(chunk) == 2000:
            yield from _rows(chunk)
            chunk = []
    yield from _rows(chunk)


def _rows(chunk: list[AuditEntry]) -> Iterator[list[Any]]:
    for entry in annotate(chunk):
        yield [
            entry.seq, entry.created_at, entry.actor_name, entry.action_label, entry.action,  # type: ignore[attr-defined]
            entry.object_type, entry.object_id, entry.object_repr, entry.ip or "",
            entry.detail_sentence, entry.detail_text, entry.hash,  # type: ignore[attr-defined]
        ]  # fmt: skip


@require_GET
@login_required
def audit_verify(request: HttpRequest) -> HttpResponse:
    audit_entries_for_user(request.user)  # the access check: 404 for anyone who may not read the log
    report = verify_chain()
    template = "audit/_verify_result.html" if getattr(request, "htmx", False) else "audit/verify.html"
    return render(request, template, {"report": report})
