"""Agent intake: choose an item the point offers, then enter the applicant and confirm the power of
attorney."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from shanghui.accounts.access import staff_user as _user
from shanghui.catalog.models import ServiceItem
from shanghui.catalog.search import search
from shanghui.catalog.services import current_version
from shanghui.lib import ratelimit
from shanghui.lib.validators import is_valid_mobile, normalize_mobile
from shanghui.orgs.models import Organisation
from shanghui.proxy import services
from shanghui.proxy.access import intake_points
from shanghui.proxy.forms import IntakeForm, ItemSearchForm
from shanghui.proxy.poa import poa_paragraphs
from shanghui.proxy.returning import known_applicant, resolve_id
from shanghui.proxy.views.common import int_or_none, is_htmx
from shanghui.ui.forms import attach_errors

ITEM_RESULTS = 20


def _find_items(point: Organisation, q: str) -> list[ServiceItem]:
    offered = services.offered_items(point)
    q = q.strip()
    if not q:
        return list(offered.order_by("-usage_count", "name")[:ITEM_RESULTS])
    # The catalogue's search understands what citizens say (synonyms, pinyin, typos); the point's
    # offer then narrows the ranked hits.
    ids = [hit.id for hit in search(q, limit=ITEM_RESULTS * 3, proxy_only=True)]
    found = offered.select_related("department").in_bulk(ids)
    items = [found[i] for i in ids if i in found][:ITEM_RESULTS]
    # A point that chose a few items may offer none of the best hits: then plain name matching.
    return items or list(offered.select_related("department").filter(name__icontains=q)[:ITEM_RESULTS])


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    points = intake_points(user)
    point_list = list(points)
    if not point_list:
        raise PermissionDenied(gettext("只有代办员可以代为录入办件"))
    chosen = int_or_none(request.POST.get("proxy_point") or request.GET.get("point"))
    point = next((p for p in point_list if p.pk == chosen), point_list[0])
    item_id = int_or_none(request.POST.get("item") or request.GET.get("item"))
    item = (
        services.offered_items(point).select_related("department").filter(pk=item_id).first()
        if item_id
        else None
    )

    if item is None and request.method != "POST":
        search = ItemSearchForm(request.GET)
        q = search.data.get("q", "") if search.is_bound else ""
        context = {
            "search": search,
            "items": _find_items(point, str(q)),
            "q": q,
            "point": point,
            "points": point_list,
        }
        template = "proxy/_item_results.html" if is_htmx(request) else "proxy/case_new.html"
        return render(request, template, context)

    initial = {
        "proxy_point": point,
        "item": item.pk if item else None,
        "current_city": point.parent.city if point.parent else "",
        "idempotency_key": IntakeForm.new_key(),
    }
    posted = request.POST.copy() if request.method == "POST" else None
    known = None
    if posted is not None:
        # A returning applicant's ID number came back masked as the page showed it: the stored one.
        known = known_applicant(str(posted.get("mobile", "")), point_ids=[p.pk for p in point_list])
        posted["id_number"] = resolve_id(str(posted.get("id_number", "")), known)
    form = IntakeForm(posted, points=points, point=point, initial=initial)
    if request.method == "POST" and form.is_valid():
        if item is None:
            form.add_error(None, _("该代办点不受理此事项，请重新选择事项"))
        else:
            data = form.cleaned_data
            try:
                case = services.create_case(
                    actor=user, channel="agent", item=item, proxy_point=data["proxy_point"],
                    applicant=services.Applicant(
                        name=data["name"], id_number=data["id_number"], mobile=data["mobile"],
                        home_region_code=data["home_region_code"], current_city=data["current_city"],
                        current_address=data.get("current_address") or "",
                    ),
                    poa_confirmed=data["poa_confirmed"], note=data.get("note") or "",
                    # Per user: one person's key can never land on another person's case.
                    idempotency_key=f"{user.pk}:{data['idempotency_key']}",
                )  # fmt: skip
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request, gettext("已创建办件 %(number)s，请上传材料后提交预审") % {"number": case.number}
                )
                return redirect(reverse("proxy:detail", args=[case.pk]) + "#materials")
    if known is not None and posted is not None and posted.get("id_number") == known.id_number:
        posted["id_number"] = known.masked_id  # the form's data: shown again masked, never in full
    context = {
        "form": form,
        "item": item,
        "snapshot": _snapshot(item),
        "point": point,
        "points": point_list,
        "poa_paragraphs": poa_paragraphs(item=item.name if item else "", point=point.name),
    }
    return render(request, "proxy/case_form.html", context)


def _snapshot(item: ServiceItem | None) -> dict[str, Any]:
    if item is None:
        return {}
    return current_version(item).snapshot


# An agent looks up numbers as people come to the desk; more than this an hour is not intake.
LOOKUPS_PER_HOUR = 120


@login_required
@require_GET
def applicant_lookup(request: HttpRequest) -> JsonResponse:
    """/cases/new/applicant/?mobile=…: the name, county and masked ID number of a returning applicant,
    from the cases of the agent's own points (proxy/returning.py), for static/js/proxy.js to fill in."""
    user = _user(request)
    point_ids = list(intake_points(user).values_list("pk", flat=True))
    if not point_ids:
        raise PermissionDenied("只有代办员可以代为录入办件")
    if ratelimit.hit(f"intake:lookup:{user.pk}", ratelimit.Rate(LOOKUPS_PER_HOUR, 3600)) is not None:
        return JsonResponse({"found": False, "error": "查询过于频繁，请稍后再试"}, status=429)
    mobile = normalize_mobile(request.GET.get("mobile", "")[:20])
    known = known_applicant(mobile, point_ids=point_ids) if is_valid_mobile(mobile) else None
    response = JsonResponse(
        {"found": False}
        if known is None
        else {
            "found": True,
            "name": known.name,
            "home_region_code": known.home_region_code,
            "id_number": known.masked_id,
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response
