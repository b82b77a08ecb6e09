"""The citizen's pages (/my/): log in with a one-time code, apply for an item at a proxy point, upload
materials, submit, answer a correction request, withdraw, confirm delivery and rate; and the public
tracking page (/my/track/: case number and query code, no login, no personal data).

A citizen has no account: `citizen.verified_mobile()` is who they are, and `access.get_case_for_citizen()`
shows them the cases of that number only (404 for any other). Status changes go through
workflow.transition() as the applicant, with the status the page showed (a change in between is a
Conflict: HTTP 409).

htmx: the case page's forms (uploads, actions, rating) post with htmx and get the case body back;
409 and 422 answers carry the body with the message (static/js/citizen.js lets htmx swap them).
Without JavaScript the same forms post normally and are answered with a redirect or the full page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanghui.accounts import citizen
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import client_ip, record
from shanghui.catalog.models import Delivery, LimitUnit, MaterialForm, ServiceItem
from shanghui.catalog.public_views import point_city, proxy_points_for
from shanghui.lib import ratelimit
from shanghui.lib.masking import mask_mobile
from shanghui.orgs.models import PATH_STEP, Organisation, OrgKind
from shanghui.proxy import otp, receipt, services
from shanghui.proxy.access import case_by_query_code, cases_for_citizen, get_case_for_citizen
from shanghui.proxy.citizen_forms import ApplyForm, CodeForm, MobileForm, RatingForm, TrackForm
from shanghui.proxy.display import status_colour
from shanghui.proxy.downloads import material_response, result_names
from shanghui.proxy.effects import describe_event_data
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, Channel, Rating, Status
from shanghui.proxy.owner import QUESTIONS_AFTER_DECISION
from shanghui.proxy.poa import poa_paragraphs
from shanghui.proxy.returning import known_applicant, resolve_id
from shanghui.proxy.workflow import (
    ACTOR_LABELS,
    APPLICANT,
    MACHINE,
    TRANSITIONS,
    Conflict,
    TransitionError,
    allowed_actions,
)
from shanghui.proxy.workflow import transition as run_transition

View = Callable[..., HttpResponseBase]

# Per client address: codes asked for (any numbers) and tracking look-ups, in fixed windows of the
# Django cache. (Per number, otp.py enforces the provider's limits durably in the database.)
CODE_REQUESTS_PER_HOUR = 20
TRACK_LOOKUPS, TRACK_WINDOW_SECONDS = 20, 600

CITIZEN_ACTIONS = ("submit", "resubmit", "withdraw", "deliver")
# The timeline a citizen sees: workflow steps, not internal events (reminders, overdue marks).
TIMELINE_ACTIONS = frozenset({"create", "rate", *TRANSITIONS})
# Where the applicant's words differ from the staff timeline's (workflow.MACHINE.event_label).
CITIZEN_WORDING = {"create": gettext_lazy("填写申请")}
# Notes worth showing to the applicant: the reasons they are owed; other notes may be staff remarks.
REASON_ACTIONS = frozenset({"refuse", "suspend", "terminate"})
RATEABLE = {Status.DELIVERED, Status.CLOSED, Status.REFUSED}


def _over_limit(request: HttpRequest, scope: str, limit: int, seconds: int) -> bool:
    """Count one hit for the client's address; True once more than `limit` fell in this window."""
    key = f"citizen:{scope}:{client_ip(request) or 'unknown'}"
    return ratelimit.hit(key, ratelimit.Rate(limit, seconds)) is not None


def citizen_required(view: View) -> View:
    """The citizen's proved mobile number, or off to the code page and back here afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if citizen.verified_mobile(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path()
        if request.method != "GET":
            back = request.htmx.current_url_abs_path if request.htmx else reverse("citizen:cases")  # type: ignore[attr-defined]
        url = f"{reverse('citizen:login')}?{urlencode({'next': back or ''})}"
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)

    return wrapped


def _safe_next(request: HttpRequest, value: str) -> str:
    # A path of this site only: redirect() would take "0" or "citizen:cases" for a view name.
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, {request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("citizen:cases")


# --- Log in with a one-time code -----------------------------------------------------------------


# The code step survives a reload and a trip to the SMS app: the session remembers the number a code
# was sent to and when (never the code). Coming back to /my/login/ while that code is valid shows the
# code field with what is left of the one-minute wait; asking again within the minute shows the same
# step instead of the provider's "too often" refusal (no second SMS is sent).
PENDING_KEY = "citizen_code_pending"
RESEND_SECONDS = 60


def _pending(request: HttpRequest) -> tuple[str, int] | None:
    """(mobile, seconds before a new code may be sent) of the code this session asked for, while that
    code is still valid; else None (and a stale mark is dropped)."""
    mark = request.session.get(PENDING_KEY)
    now = timezone.now().timestamp()
    if not isinstance(mark, dict) or not isinstance(mark.get("sent"), int) or mark.get("until", 0) <= now:
        request.session.pop(PENDING_KEY, None)
        return None
    return str(mark.get("mobile", "")), max(0, int(mark["sent"] + RESEND_SECONDS - now + 0.999))


def _code_step(request: HttpRequest, context: dict[str, Any], mobile: str, wait: int) -> HttpResponse:
    context.update(form=CodeForm(initial={"mobile": mobile}), mobile=mobile, masked=mask_mobile(mobile),
                   step="code", wait=wait)  # fmt: skip
    return render(request, "proxy/citizen/login.html", context)


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number (a code is sent). Step 2: the code. `next` is carried through."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    context: dict[str, Any] = {"next": next_url, "code_minutes": otp.CODE_MINUTES}
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "verify":
        return _verify_step(request, context)
    if request.method == "POST" and step == "send":
        return _send_step(request, context)
    if citizen.verified_mobile(request) and next_url:
        return HttpResponseRedirect(_safe_next(request, next_url))
    if "change" in request.GET:  # 换一个手机号
        request.session.pop(PENDING_KEY, None)
    elif pending := _pending(request):
        return _code_step(request, context, *pending)
    context.update(form=MobileForm(), step="mobile")
    return render(request, "proxy/citizen/login.html", context)


def _send_step(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    form = MobileForm(request.POST)
    if form.is_valid():
        try:
            mobile = otp.clean_mobile(form.cleaned_data["mobile"])
            pending = _pending(request)
            if pending and pending[0] == mobile and pending[1] > 0:
                # Sent to this number a moment ago (a reload, a double tap): the same code still works.
                return _code_step(request, context, mobile, pending[1])
            if _over_limit(request, "otp", CODE_REQUESTS_PER_HOUR, 3600):
                raise otp.OtpError(_("获取验证码过于频繁，请稍后再试"), field="mobile")
            expires = otp.request_code(mobile)
        except otp.OtpError as exc:
            form.add_error("mobile", exc.message)
        else:
            request.session[PENDING_KEY] = {
                "mobile": mobile,
                "sent": int(timezone.now().timestamp()),
                "until": int(expires.timestamp()),
            }
            return _code_step(request, context, mobile, RESEND_SECONDS)
    context.update(form=form, step="mobile")
    return render(request, "proxy/citizen/login.html", context, status=422)


def _verify_step(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            mobile = otp.clean_mobile(form.cleaned_data["mobile"])
            otp.verify_code(mobile, form.cleaned_data["code"])
        except otp.OtpError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(PENDING_KEY, None)
            citizen.sign_in(request, mobile)
            record(actor=None, action=AuditAction.CITIZEN_LOGIN, object_type="mobile",
                   object_repr=mask_mobile(mobile), request=request)  # fmt: skip
            return HttpResponseRedirect(_safe_next(request, context["next"]))
    mobile = str(form.data.get("mobile", ""))
    pending = _pending(request)
    wait = pending[1] if pending and pending[0] == mobile else 0
    context.update(form=form, mobile=mobile, masked=mask_mobile(mobile), step="code", wait=wait)
    return render(request, "proxy/citizen/login.html", context, status=422)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    citizen.sign_out(request)
    messages.info(request, _("您已退出。"))
    return redirect("citizen:login")


# --- My cases ------------------------------------------------------------------------------------


@require_GET
@citizen_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = (
        cases_for_citizen(request)
        .select_related("item_version", "proxy_point__parent")
        .order_by("-created_at")
    )
    rows = [(case, status_colour(case.status)) for case in cases]
    return render(
        request,
        "proxy/citizen/case_list.html",
        {"cases": rows, "masked": mask_mobile(citizen.verified_mobile(request))},
    )


# --- Apply ---------------------------------------------------------------------------------------


def _item_for_apply(request: HttpRequest) -> ServiceItem:
    raw = request.GET.get("item", "")
    item = (
        ServiceItem.objects.filter(pk=int(raw), is_online=True, proxy_eligible=True)
        .select_related("department")
        .first()
        if raw.isascii() and raw.isdigit() and len(raw) <= 12
        else None
    )
    if item is None:
        raise Http404(_("事项不存在、已下线或不能代办"))
    return item


def home_regions(item: ServiceItem) -> list[tuple[str, str]]:
    """(region code, county) of the county federations of the item's city (衢州: its six counties),
    narrowed to the counties that offer the item when it names them."""
    root = item.department.path[:PATH_STEP]
    counties = (
        Organisation.objects.filter(
            kind=OrgKind.FEDERATION, is_active=True, path__startswith=root, depth__gt=0
        )
        .exclude(region_code="")
        .order_by("region_code")
    )
    choices = {c.region_code: c.name.removesuffix("工商联") for c in counties}
    if item.region_codes:
        choices = {code: label for code, label in choices.items() if code in item.region_codes}
    return list(choices.items())


def in_city(point: Organisation, city: str) -> bool:
    """Whether the point is in `city` as people write it ("上海" and "上海市" alike)."""
    where = point_city(point)
    return bool(where and city) and (where in city or city in where)


def nearest_first(points: list[Organisation], city: str) -> list[Organisation]:
    """The points in the person's city first (the order within each part kept)."""
    return sorted(points, key=lambda p: not in_city(p, city)) if city else points


def last_city(mobile: str) -> str:
    """Where the person said they live in their latest case (a returning number), else ""."""
    latest = Case.objects.filter(applicant_mobile=mobile).exclude(current_city="").order_by("-created_at")
    return str(latest.values_list("current_city", flat=True).first() or "")


def point_label(point: Organisation) -> str:
    chamber = point.parent.name if point.parent else ""
    return f"{chamber} · {point.name}"


@require_http_methods(["GET", "POST"])
@citizen_required
def apply(request: HttpRequest) -> HttpResponse:
    item = _item_for_apply(request)
    mobile = citizen.verified_mobile(request)
    city = request.GET.get("city", "").strip()[:40] or last_city(mobile)
    points = nearest_first(proxy_points_for(item), city)
    point_ids = {p.pk for p in points}
    initial: dict[str, Any] = {"current_city": city} if city else {}
    if request.GET.get("point", "").isdigit():
        initial["proxy_point"] = request.GET["point"]
    elif points and in_city(points[0], city):
        initial["proxy_point"] = points[0].pk  # the nearest, pre-selected
    regions = home_regions(item)
    # The number was proved with a code (citizen_required): its latest case fills the form in, the ID
    # number masked; the stored one is used when the masked text comes back unchanged.
    known = known_applicant(mobile)
    if known is not None:
        initial.update(name=known.name, id_number=known.masked_id)
        if known.home_region_code in dict(regions):
            initial["home_region_code"] = known.home_region_code
    posted = request.POST.copy() if request.method == "POST" else None
    if posted is not None:
        posted["id_number"] = resolve_id(str(posted.get("id_number", "")), known)
    form = ApplyForm(
        posted,
        points=[(p.pk, point_label(p)) for p in points],
        regions=regions,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["proxy_point"] not in point_ids:
                raise ValidationError({"proxy_point": _("请选择一个代办点")})
            case = services.create_case(
                actor=None,
                channel=Channel.CITIZEN,
                item=item,
                proxy_point=next(p for p in points if p.pk == data["proxy_point"]),
                applicant=services.Applicant(
                    name=data["name"],
                    id_number=data["id_number"],
                    mobile=mobile,
                    home_region_code=data["home_region_code"],
                    current_city=data["current_city"],
                    current_address=data["current_address"],
                ),  # fmt: skip
                poa_confirmed=data["poa_confirmed"],
                note=data["note"],
                idempotency_key=f"citizen:{data['idempotency_key']}",
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if case.applicant_mobile != mobile:
                raise Http404(_("办件不存在"))  # someone else's form key: show nothing of it
            messages.success(request, _("申请已保存。请上传材料后提交。"))
            return redirect("citizen:case", case_id=case.pk)
    if known is not None and posted is not None and posted.get("id_number") == known.id_number:
        posted["id_number"] = known.masked_id  # the form's data: shown again masked, never in full
    return render(
        request,
        "proxy/citizen/apply.html",
        {
            "item": item,
            "form": form,
            "points": points,
            "mobile": mobile,
            "near_ids": {p.pk for p in points if in_city(p, city)},
            "poa_paragraphs": poa_paragraphs(item=item.name),
            "prefilled": known is not None,
        },  # fmt: skip
        status=422 if form.errors else 200,
    )


# --- The case page -------------------------------------------------------------------------------


@dataclass
class Slot:
    index: int | None
    name: str
    required: bool = False
    deferrable: bool = False
    detail: str = ""
    notes: str = ""
    current: list[CaseMaterial] = field(default_factory=list)
    error: str = ""

    @property
    def key(self) -> str:
        """Where an upload's answer is shown (`feedback_at`): the slot the file was chosen in."""
        return f"slot:{'extra' if self.index is None else self.index}"


def material_slots(case: Case, errors: dict[str, str]) -> list[Slot]:
    """One slot per material of the pinned version, then the extra files."""
    forms = dict(MaterialForm.choices)
    files = list(case.materials.filter(is_current=True, is_result=False).order_by("uploaded_at"))
    slots = []
    for index, material in enumerate(case.item_version.snapshot.get("materials", [])):
        slots.append(
            Slot(
                index=index,
                name=material["name"],
                required=bool(material.get("required")),
                deferrable=bool(material.get("deferrable")),
                detail=ngettext(
                    "%(form)s · %(copies)s 份", "%(form)s · %(copies)s 份", int(material.get("copies", 1))
                )
                % {"form": forms.get(material.get("form", ""), ""), "copies": material.get("copies", 1)},
                notes=material.get("notes", ""),
                current=[f for f in files if f.slot == index],
                error=errors.get(str(index), ""),
            )  # fmt: skip
        )
    slots.append(
        Slot(
            index=None,
            name=gettext("其他材料"),
            detail=_("选填，可上传多份"),
            current=[f for f in files if f.slot is None],
            error=errors.get("extra", ""),
        )  # fmt: skip
    )
    return slots


@dataclass
class TimelineRow:
    at: Any
    label: str
    actor: str
    status: str
    details: list[str]


def timeline(events: QuerySet[CaseEvent], *, public: bool) -> list[TimelineRow]:
    """The steps of a case for the applicant (or, `public`, for anyone with the query code: steps and
    statuses only). Never who among the staff acted, nor their remarks."""
    statuses = dict(Status.choices)
    rows = []
    for event in events:
        if event.action not in TIMELINE_ACTIONS:
            continue
        label = str(CITIZEN_WORDING.get(event.action) or MACHINE.event_label(event.action))
        details: list[str] = []
        if not public:
            if event.action in REASON_ACTIONS and event.note:
                details.append(gettext("原因：%(reason)s") % {"reason": event.note})
            details += describe_event_data(event.data or {})
            if event.action == "rate" and event.note:
                details.append(event.note)
        rows.append(
            TimelineRow(
                at=event.created_at,
                label=label,
                actor=gettext(ACTOR_LABELS.get(event.actor_kind, ""))
                if event.actor_kind in ACTOR_LABELS
                else "",
                status=str(statuses.get(event.to_status, "")),
                details=details,
            )  # fmt: skip
        )
    return rows


def clocks(case: Case) -> list[tuple[str, Any]]:
    rows = [
        (_("预审时限"), case.review_due_at),
        (_("受理时限"), case.acceptance_due_at),
        (_("办结时限"), case.processing_due_at),
    ]
    return [(label, due) for label, due in rows if due is not None]


@dataclass
class NextStep:
    """What happens next to a case, who does it and by when (for the case and the tracking page)."""

    text: str
    who: str
    due: Any = None  # the deadline of the running clock (a datetime), None when no clock runs
    due_label: str = ""


def next_step(case: Case) -> NextStep | None:
    """The next step of the case as the applicant should read it, or None once the case is over. The
    expected date is the running clock's deadline (预审, 受理, 办结), none while the clock is paused."""
    running = case.paused_at is None
    steps: dict[str, NextStep] = {
        Status.DRAFT: NextStep(_("上传材料，然后提交申请"), _("申请人")),
        Status.SUBMITTED: NextStep(_("代办员预审材料"), _("代办员"), running and case.review_due_at),
        Status.NEEDS_CORRECTION: NextStep(_("按要求补正材料，然后重新提交"), _("申请人")),
        Status.FORWARDED: NextStep(_("受理部门窗口受理"), _("受理部门"), running and case.acceptance_due_at),
        Status.ACCEPTED: NextStep(_("受理部门办理"), _("受理部门"), running and case.processing_due_at),
        Status.SUSPENDED: NextStep(_("中止原因消除后恢复办理"), _("受理部门")),
        Status.COMPLETED: NextStep(
            _("收到邮寄的办理结果后确认收到")
            if case.delivery_method == Delivery.POST
            else _("领取办理结果，然后确认收到"),
            _("申请人"),
        ),  # fmt: skip
        Status.DELIVERED: NextStep(_("评价本次服务（选填）"), _("申请人")),
    }
    if case.status == Status.REFUSED and case.closed_at is not None:
        until = case.closed_at + QUESTIONS_AFTER_DECISION
        if timezone.now() < until:
            return NextStep(_("如有疑问，可在代办群向代办员咨询"), _("申请人"), until, _("可咨询至"))
    step = steps.get(Status(case.status))
    if step is not None:
        step.due = step.due or None
        step.due_label = _("预计完成")
    return step


def limit_label(snapshot: dict[str, Any]) -> str:
    days, unit = snapshot.get("promised_limit"), snapshot.get("promised_limit_unit")
    if not days:
        days, unit = snapshot.get("legal_limit"), snapshot.get("legal_limit_unit")
    if not days:
        return ""
    if unit == LimitUnit.CALENDAR_DAYS:
        return ngettext("%(days)s 个自然日", "%(days)s 个自然日", int(days)) % {"days": days}
    return ngettext("%(days)s 个工作日", "%(days)s 个工作日", int(days)) % {"days": days}


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    snapshot = case.item_version.snapshot
    actions = {t.action: t for t in allowed_actions(case, {APPLICANT}) if t.action in CITIZEN_ACTIONS}
    rating = Rating.objects.filter(case=case).first()
    missing = (
        services.missing_required(case) if case.status in (Status.DRAFT, Status.NEEDS_CORRECTION) else []
    )
    context = {
        "case": case,
        "item_name": snapshot.get("name", ""),
        "department_name": snapshot.get("department_name", ""),
        "limit": limit_label(snapshot),
        "colour": status_colour(case.status),
        "clocks": clocks(case),
        "next_step": next_step(case),
        "slots": material_slots(case, extra.pop("upload_errors", {})),
        "can_upload": case.status in services.UPLOAD_STATUSES,
        "results": result_names(case),
        "actions": actions,
        "missing": missing,
        "rating": rating,
        "rating_form": extra.pop("rating_form", None) or RatingForm(),
        "can_rate": rating is None and case.status in RATEABLE,
        "events": timeline(case.events.all(), public=False),
        "result_label": case.get_result_display() if case.result else "",
        "delivery_label": dict(Delivery.choices).get(case.delivery_method, case.delivery_method),
        "max_mb": settings.PROXY_MAX_UPLOAD_MB,
    }
    context.update(extra)
    return context


def _citizen_case(request: HttpRequest, case_id: int) -> Case:
    case = get_case_for_citizen(request, case_id)
    return Case.objects.select_related("item_version", "proxy_point__parent", "department").get(pk=case.pk)


def _answer(request: HttpRequest, case: Case, *, status: int = 200, notice: str = "", error: str = "",
            at: str = "top", **extra: Any) -> HttpResponse:  # fmt: skip
    """The case body for htmx; for a plain form post, the full page (errors) or a redirect (success).
    `at` is where the notice or error is shown: in the card where the person acted ("actions",
    "rating", a slot's key "slot:0" / "slot:extra"; templates/ui/_feedback.html), scrolled to and
    focused by static/js/app.js."""
    if status == 200 and not request.htmx:  # type: ignore[attr-defined]
        if notice:
            messages.success(request, notice)
        return redirect("citizen:case", case_id=case.pk)
    template = "proxy/citizen/_case_body.html" if request.htmx else "proxy/citizen/case.html"  # type: ignore[attr-defined]
    context = _case_context(request, case, notice=notice, error=error, feedback_at=at, **extra)
    return render(request, template, context, status=status)


@require_GET
@citizen_required
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _citizen_case(request, case_id)
    return render(request, "proxy/citizen/case.html", _case_context(request, case))


@require_POST
@citizen_required
def upload(request: HttpRequest, case_id: int, slot: int | None = None) -> HttpResponse:
    case = _citizen_case(request, case_id)
    key = "extra" if slot is None else str(slot)
    # Several files may be chosen at once ("file" is multiple; a photo comes one at a time): each is
    # checked as one upload, the good ones kept and the refused ones named (services.add_materials).
    files = request.FILES.getlist("file") or request.FILES.getlist("photo")
    try:
        outcome = services.add_materials(case=case, actor=None, uploads=files, slot=slot)
    except ValidationError as exc:
        message = "；".join(exc.messages)
        return _answer(request, case, status=422, upload_errors={key: message}, at=f"slot:{key}")
    case.refresh_from_db()
    names = "、".join(m.original_name for m in outcome.stored)
    if outcome.refused:
        kept = _("已上传：%(names)s。") % {"names": names} if names else ""
        several = len(outcome.stored) + len(outcome.refused) > 1
        message = (
            _("%(kept)s以下文件未上传：%(files)s") % {"kept": kept, "files": outcome.message()}
            if several
            else outcome.message()
        )
        return _answer(request, case, status=422, upload_errors={key: message}, at=f"slot:{key}")
    return _answer(request, case, notice=_("已上传：%(names)s") % {"names": names}, at=f"slot:{key}")


@require_POST
@citizen_required
def act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    if action not in CITIZEN_ACTIONS:
        raise Http404(_("没有这个操作"))
    case = _citizen_case(request, case_id)
    expected = request.POST.get("expected_status", "")
    if (
        action in ("submit", "resubmit")
        and case.status == expected
        and (missing := services.missing_required(case))
    ):
        return _answer(
            request, case, status=422, error="还缺少必需的材料：" + "、".join(missing), at="actions"
        )
    try:
        case = run_transition(
            case_id=case.pk, action=action, actor=None, actor_kind=APPLICANT, expected_status=expected
        )
    except Conflict as exc:
        case = _citizen_case(request, case_id)
        return _answer(request, case, status=409, error=exc.message, at="actions")
    except TransitionError as exc:
        return _answer(request, case, status=422, error="；".join(exc.messages), at="actions")
    case = _citizen_case(request, case_id)
    notices = {
        "submit": _("申请已提交，代办员将尽快预审。"), "resubmit": _("补正材料已提交。"),
        "withdraw": _("申请已撤回。"), "deliver": _("已确认收到办理结果，欢迎评价本次服务。"),
    }  # fmt: skip
    return _answer(request, case, notice=notices[action], at="actions")


@require_POST
@citizen_required
def rate(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _citizen_case(request, case_id)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _answer(request, case, status=422, error=_("请选择评价等级"), rating_form=form, at="rating")
    try:
        services.rate_case(
            case=case, actor=None, level=form.cleaned_data["level"], comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        return _answer(
            request, case, status=409, error="；".join(exc.messages), rating_form=form, at="rating"
        )
    return _answer(request, case, notice=_("感谢您的评价！"), at="rating")


@require_GET
@citizen_required
def material_file(request: HttpRequest, case_id: int, material_id: int) -> FileResponse:
    """A file of the citizen's own case (their uploads, the result documents), audited. Media files are
    never served publicly: every download passes the access check."""
    case = _citizen_case(request, case_id)
    return material_response(request, case, material_id, actor=None, citizen=True, via="citizen")


@require_GET
@citizen_required
def case_receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    return receipt.receipt_response(request, _citizen_case(request, case_id))


# --- Public tracking -------------------------------------------------------------------------------


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """Case number and query code → status and steps, without personal data. One message for every
    miss, so the page never tells whether a number exists; look-ups are limited per client address."""
    asked = "number" in request.GET or "code" in request.GET
    form = TrackForm(request.GET if asked else None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if asked and form.is_valid():
        if _over_limit(request, "track", TRACK_LOOKUPS, TRACK_WINDOW_SECONDS):
            context["error"] = _("查询过于频繁，请10分钟后再试")
            status = 429
        else:
            case = case_by_query_code(form.cleaned_data["number"], form.cleaned_data["code"])
            if case is None:
                context["error"] = _("未找到办件，请核对办件编号和查询码")
                status = 404
            else:
                case = Case.objects.select_related("item_version", "proxy_point__parent", "department").get(
                    pk=case.pk
                )
                snapshot = case.item_version.snapshot
                chamber = case.proxy_point.parent
                context.update(
                    case=case, item_name=snapshot.get("name", ""),
                    department_name=snapshot.get("department_name", "") or case.department.name,
                    point_name=f"{chamber.name if chamber else ''} · {case.proxy_point.name}",
                    colour=status_colour(case.status),
                    events=timeline(case.events.all(), public=True), next_step=next_step(case),
                )  # fmt: skip
    response = render(request, "proxy/citizen/track.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
