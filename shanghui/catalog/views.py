"""Staff pages of the catalogue: the list and its export, item detail and edit with materials, synonyms,
import with progress and error report, and what each proxy point offers.

Each view: decorators, access check (shanghui/catalog/access.py), form, one service call, response.
A page for a feature the user has no role for is a 404 (it is not theirs to know about); a page they
may read but not change is a 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.catalog import services
from shanghui.catalog.access import (
    can_configure_point,
    can_create_items,
    can_edit_item,
    can_edit_synonyms,
    can_import,
    can_read_catalogue,
    can_read_synonyms,
    get_import_job_for_user,
    get_item_for_user,
    get_point_for_user,
    get_synonym_for_user,
    import_jobs_for_user,
    items_for_user,
    points_for_user,
)
from shanghui.catalog.forms import (
    ImportForm,
    ItemFilterForm,
    ItemForm,
    MaterialFormSet,
    PointOfferForm,
    SynonymFilterForm,
    SynonymForm,
    formset_materials,
    item_initial,
    material_initial,
)
from shanghui.catalog.models import (
    Delivery,
    ImportJob,
    ItemVersion,
    LimitUnit,
    MaterialForm,
    ProxyPointCatalog,
    ServiceItem,
    Synonym,
)
from shanghui.catalog.services import SNAPSHOT_LABELS, changed_keys
from shanghui.catalog.transfer.exporting import (
    HEADERS,
    REPORT_HEADERS,
    export_rows,
    report_rows,
    template_workbook,
)
from shanghui.lib.xlsx import CONTENT_TYPE, Sheet, xlsx_response
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing, paginate
from shanghui.worker.lease import task_interrupted

# Lazy labels: shown in the language of each request.
DELIVERY_LABELS = dict(Delivery.choices)
UNIT_LABELS = dict(LimitUnit.choices)
FORM_LABELS = dict(MaterialForm.choices)


def _require_reader(user: User) -> None:
    if not can_read_catalogue(user):
        raise Http404(_("页面不存在"))


# --- list and export ---------------------------------------------------------------------------------


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_reader(user)
    listing = Listing(request, ItemFilterForm(request.GET, user=user))
    items = (
        listing.form.apply(items_for_user(user))
        .select_related("department")
        .order_by("department__path", "name", "pk")
    )
    page = listing.page(items)
    context = listing.context(
        page,
        items=list(page.object_list),
        can_create=can_create_items(user),
        can_import=can_import(user),
        can_read_synonyms=can_read_synonyms(user),
        has_points=points_for_user(user).exists(),
    )
    return render(request, "catalog/item_list.html", context)


# The columns of the import template (transfer.columns.COLUMNS): an exported file imports back unchanged.
# No title row: the file is imported back as it is (its first row is the header).
ITEM_EXPORT = Export(
    name="事项目录",
    headers=HEADERS,
    action=AuditAction.CATALOG_EXPORT,
    object_type="catalog.serviceitem",
    caption=False,
)


@login_required
def item_export(request: HttpRequest) -> HttpResponseBase:
    """The list's export, at its own address (the list links here with its filters)."""
    user = _user(request)
    _require_reader(user)
    listing = Listing(request, ItemFilterForm(request.GET, user=user))
    items = listing.form.apply(items_for_user(user)).order_by("department__path", "name", "pk")
    return listing.export(ITEM_EXPORT, export_rows(items))


# --- item detail, versions ----------------------------------------------------------------------------


def _version_rows(item: ServiceItem) -> list[dict[str, Any]]:
    versions = list(item.versions.select_related("created_by").order_by("number"))
    rows = []
    previous: dict[str, Any] | None = None
    for version in versions:
        changes = [] if previous is None else changed_keys(previous, version.snapshot)
        rows.append({"version": version, "changes": [SNAPSHOT_LABELS.get(k, k) for k in changes]})
        previous = version.snapshot
    return list(reversed(rows))


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = get_item_for_user(user, item_id)
    context = {
        "item": item,
        "materials": list(item.materials.all()),
        "versions": _version_rows(item),
        "can_edit": can_edit_item(user, item),
        "delivery_labels": [DELIVERY_LABELS.get(d, d) for d in item.delivery_methods or []],
        "offered_by": item.offered_by.count(),
    }
    return render(request, "catalog/item_detail.html", context)


@login_required
def item_version(request: HttpRequest, item_id: int, number: int) -> HttpResponse:
    user = _user(request)
    item = get_item_for_user(user, item_id)
    version = ItemVersion.objects.filter(item=item, number=number).select_related("created_by").first()
    if version is None:
        raise Http404(_("该版本不存在"))
    snapshot = version.snapshot
    context = {
        "item": item,
        "version": version,
        "snapshot": snapshot,
        "legal_unit": UNIT_LABELS.get(snapshot.get("legal_limit_unit", ""), ""),
        "promised_unit": UNIT_LABELS.get(snapshot.get("promised_limit_unit", ""), ""),
        "delivery_labels": [DELIVERY_LABELS.get(d, d) for d in snapshot.get("delivery_methods", [])],
        "materials": [
            {**m, "form_label": FORM_LABELS.get(m.get("form", ""), "")} for m in snapshot.get("materials", [])
        ],
    }
    return render(request, "catalog/item_version.html", context)


# --- create and edit ---------------------------------------------------------------------------------


def _edit_response(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "catalog/item_form.html", context, status=status)


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_reader(user)
    if not can_create_items(user):
        raise PermissionDenied(_("您没有新建事项的权限"))
    form = ItemForm(request.POST or None, user=user)
    formset = MaterialFormSet(request.POST or None, request.FILES or None, prefix="materials")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            item = services.create_item(
                actor=user,
                request=request,
                materials=formset_materials(formset, set()),
                **form.service_fields(),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("事项已创建"))
            return redirect("catalog:item_detail", item.pk)
    return _edit_response(request, {"form": form, "formset": formset, "item": None})


@login_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = get_item_for_user(user, item_id, write=True)
    existing = list(item.materials.all())
    allowed_files = {m.blank_form.name for m in existing if m.blank_form}
    if request.method == "POST":
        form = ItemForm(request.POST, user=user, item=item)
        formset = MaterialFormSet(request.POST, request.FILES, prefix="materials")
    else:
        form = ItemForm(initial=item_initial(item), user=user, item=item)
        formset = MaterialFormSet(initial=material_initial(item), prefix="materials")
    status = 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.update_item(
                actor=user, item=item, request=request, expected_version=form.cleaned_data.get("version"),
                materials=formset_materials(formset, allowed_files), **form.service_fields(),
            )  # fmt: skip
        except services.StaleEdit as exc:
            form.add_error(None, exc)
            status = 409
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("事项已保存"))
            return redirect("catalog:item_detail", item.pk)
    return _edit_response(request, {"form": form, "formset": formset, "item": item}, status)


# --- synonyms ---------------------------------------------------------------------------------------


@login_required
def synonym_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_read_synonyms(user):
        raise Http404(_("页面不存在"))
    listing = Listing(request, SynonymFilterForm(request.GET))
    page = listing.page(listing.form.apply(Synonym.objects.select_related("updated_by").order_by("phrase")))
    context = listing.context(page, synonyms=list(page.object_list), can_edit=can_edit_synonyms(user))
    return render(request, "catalog/synonym_list.html", context)


def _require_synonym_editor(user: User) -> None:
    if not can_read_synonyms(user):
        raise Http404(_("页面不存在"))
    if not can_edit_synonyms(user):
        raise PermissionDenied(_("您没有修改同义词的权限"))


@login_required
def synonym_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_synonym_editor(user)
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_synonym(actor=user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("同义词已添加"))
            return redirect("catalog:synonym_list")
    return render(request, "catalog/synonym_form.html", {"form": form, "synonym": None})


@login_required
def synonym_edit(request: HttpRequest, synonym_id: int) -> HttpResponse:
    user = _user(request)
    synonym = get_synonym_for_user(user, synonym_id, write=True)
    initial = {"phrase": synonym.phrase, "terms": synonym.terms, "is_active": synonym.is_active}
    form = SynonymForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_synonym(actor=user, synonym=synonym, request=request, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("同义词已保存"))
            return redirect("catalog:synonym_list")
    return render(request, "catalog/synonym_form.html", {"form": form, "synonym": synonym})


@login_required
@require_POST
def synonym_delete(request: HttpRequest, synonym_id: int) -> HttpResponse:
    user = _user(request)
    synonym = get_synonym_for_user(user, synonym_id, write=True)
    services.delete_synonym(actor=user, synonym=synonym, request=request)
    messages.success(request, _("已删除同义词“%(phrase)s”") % {"phrase": synonym.phrase})
    return redirect("catalog:synonym_list")


# --- import ----------------------------------------------------------------------------------------


def _require_importer(user: User) -> None:
    if not can_import(user):
        if can_read_catalogue(user):
            raise PermissionDenied(_("只有工商联管理员可以导入事项目录"))
        raise Http404(_("页面不存在"))


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_importer(user)
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(
                actor=user, owner=form.cleaned_data["owner"], upload=form.cleaned_data["file"],
                mode=form.cleaned_data["mode"], request=request,
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return redirect("catalog:import_job", job.pk)
    jobs = list(import_jobs_for_user(user).select_related("owner", "created_by")[:10])
    return render(request, "catalog/import_start.html", {"form": form, "jobs": jobs})


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require_reader(_user(request))
    response = HttpResponse(template_workbook(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        "attachment; filename=\"catalogue-template.xlsx\"; filename*=UTF-8''"
        + quote(_("事项目录导入模板.xlsx"))
    )
    return response


def _job_context(job: ImportJob) -> dict[str, Any]:
    running = job.status in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
    percent = int(job.processed_rows * 100 / job.total_rows) if job.total_rows else 0
    return {
        "job": job,
        "running": running,
        # Its worker died: the task runs again once the worker's lease has run out (worker/lease.py).
        "interrupted": job.status == ImportJob.Status.RUNNING and task_interrupted(job.task_id),
        "writing": job.status == ImportJob.Status.RUNNING
        and job.total_rows
        and job.processed_rows >= job.total_rows,
        "percent": min(percent, 100),
        "errors": job.errors[:200],
        "more_errors": max(len(job.errors) - 200, 0),
        "error_rows": len({e.get("row") for e in job.errors if e.get("row")}),
        "file_error": next((e["message"] for e in job.errors if not e.get("row")), ""),
    }


@login_required
@never_cache
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_import_job_for_user(_user(request), job_id)
    template = "catalog/_import_status.html" if request.htmx else "catalog/import_job.html"  # type: ignore[attr-defined]
    return render(request, template, _job_context(job))


@login_required
def import_report(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = get_import_job_for_user(_user(request), job_id)
    return xlsx_response(
        filename=f"导入错误报告-{job.pk}", sheets=[Sheet(_("错误报告"), REPORT_HEADERS, report_rows(job))]
    )


# --- proxy point offers ------------------------------------------------------------------------------


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    points = points_for_user(user).select_related("parent").order_by("path")
    if not points.exists():
        raise Http404(_("页面不存在"))
    page = paginate(request, points)
    rows = list(page.object_list)
    settings = {
        s.proxy_point_id: s
        for s in ProxyPointCatalog.objects.filter(proxy_point__in=rows).annotate(n=Count("items"))
    }
    context = {
        "page": page,
        "rows": [(point, settings.get(point.pk), can_configure_point(user, point)) for point in rows],
    }
    return render(request, "catalog/point_list.html", context)


@login_required
def point_settings(request: HttpRequest, point_id: int) -> HttpResponse:
    user = _user(request)
    point = get_point_for_user(user, point_id, write=request.method == "POST")
    offerable = (
        services.offerable_items(point).select_related("department").order_by("department__path", "name")
    )
    current = ProxyPointCatalog.objects.filter(proxy_point=point).first()
    chosen = set(current.items.values_list("pk", flat=True)) if current else set()
    initial = {
        "offers": "all" if current is None or current.offers_all else "chosen",
        "items": sorted(chosen),
    }
    form = PointOfferForm(request.POST or None, initial=initial, items=offerable)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_point_offer(
                actor=user, point=point, offers_all=form.cleaned_data["offers"] == "all",
                items=list(form.cleaned_data["items"]), request=request,
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("代办点事项设置已保存"))
            return redirect("catalog:point_settings", point.pk)
    if request.method == "POST":
        selected = {str(v) for v in request.POST.getlist("items")}
    else:
        selected = {str(pk) for pk in chosen}
    groups: dict[int, dict[str, Any]] = {}
    for item in offerable:
        group = groups.setdefault(item.department_id, {"department": item.department, "items": []})
        group["items"].append((item, str(item.pk) in selected))
    context = {
        "point": point,
        "form": form,
        "groups": list(groups.values()),
        "offerable_count": sum(len(g["items"]) for g in groups.values()),
        "selected_count": len(selected),
        "can_edit": can_configure_point(user, point),
        "offers_all": (form["offers"].value() or "all") == "all",
    }
    return render(request, "catalog/point_settings.html", context)
