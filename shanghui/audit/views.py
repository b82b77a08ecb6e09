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
from shanghui.audit.forms import AuditFilterForm
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record, verify_chain
from shanghui.lib.listing import paginate, querystring_without_page
from shanghui.lib.xlsx import xlsx_response

EXPORT_HEADERS = [
    "序号",
    "时间",
    "操作人",
    "操作",
    "操作代码",
    "对象类型",
    "对象ID",
    "对象",
    "IP",
    "详情",
    "哈希",
]


@require_GET
@login_required
def audit_list(request: HttpRequest) -> HttpResponseBase:
    entries = audit_entries_for_user(request.user)
    actions = list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
    form = AuditFilterForm(request.GET, actions=actions)
    entries = form.apply(entries)
    if request.GET.get("export") == "xlsx":
        return _export(request, entries, form)
    page = paginate(request, entries)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "entries": page.object_list,
            "filtered": bool(form.filters()),
            "querystring": querystring_without_page(request),
        },
    )


def _export(request: HttpRequest, entries: QuerySet[AuditEntry], form: AuditFilterForm) -> HttpResponseBase:
    exported = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal exported
        for entry in entries.order_by("-seq").iterator(chunk_size=2000):
            exported += 1
            yield [
                entry.seq, entry.created_at, entry.actor_display, entry.action_label, entry.action,
                entry.object_type, entry.object_id, entry.object_repr, entry.ip or "", entry.detail_text,
                entry.hash,
            ]  # fmt: skip

    # The file is complete before the audit row is written, so the row can say how many rows left;
    # if writing the audit row fails, no file is sent.
    response = xlsx_response(filename="审计日志", sheet="审计日志", headers=EXPORT_HEADERS, rows=rows())
    record(
        actor=request.user,
        action="audit.export",
        request=request,
        detail={"filters": form.filters(), "rows": exported},
    )
    return response


@require_GET
@login_required
def audit_verify(request: HttpRequest) -> HttpResponse:
    audit_entries_for_user(request.user)  # the access check: 404 for anyone who may not read the log
    report = verify_chain()
    template = "audit/_verify_result.html" if getattr(request, "htmx", False) else "audit/verify.html"
    return render(request, template, {"report": report})
