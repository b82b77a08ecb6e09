"""The volunteers' pages, phone first, under /v/: find activities (near a date, by chamber), sign up, my
shifts and notices, the check-in link of the organiser's QR code, my hours (and corrections), my
certificates; the public verification page of a certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanghui.activities import access, attendance, certificates, hours, queries, services
from shanghui.activities.forms import CertificateRequestForm, CorrectionForm, FinderForm, ProfileForm
from shanghui.activities.models import (
    HOLDING,
    Certificate,
    HourRecord,
    HourState,
    SignUp,
    SignUpState,
    Status,
    Team,
    TeamMember,
    Volunteer,
)
from shanghui.activities.volunteer import (
    current_volunteer,
    login_url,
    mobile_required,
    proved_mobile,
    staff_account,
    volunteer_required,
)
from shanghui.lib.masking import mask_mobile, mask_name
from shanghui.lib.workdays import BEIJING
from shanghui.orgs.models import Organisation
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import paginate

STATE_COLOURS: dict[str, str] = {
    SignUpState.APPLIED: "warning", SignUpState.CONFIRMED: "success", SignUpState.WAITLISTED: "info",
    SignUpState.CANCELLED: "secondary", SignUpState.REFUSED: "danger",
}  # fmt: skip


def _safe_next(request: HttpRequest, default: str) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, {request.get_host()}):
        return value
    return default


# --- Finding activities -------------------------------------------------------------------------------


@require_GET
def finder(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET)
    rows = (
        access.public_activities()
        .filter(status=Status.PUBLISHED)
        .select_related("organisation", "kind", "venue")
    )
    day: dt.date | None = None
    if form.is_valid():
        day = form.cleaned_data.get("day")
        if form.cleaned_data.get("organisation"):
            rows = rows.filter(organisation__path__startswith=form.cleaned_data["organisation"].path)
        if form.cleaned_data.get("kind"):
            rows = rows.filter(kind=form.cleaned_data["kind"])
    start = dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING) if day else timezone.now()
    # Near the date: from that day on, soonest first.
    rows = rows.filter(ends_at__gte=start).order_by("starts_at", "pk")
    page = paginate(request, rows)
    counts = queries.signup_counts([a.pk for a in page.object_list])
    filtered = any(request.GET.get(k) for k in ("day", "organisation", "kind"))
    return render(request, "activities/volunteer/finder.html", {
        "form": form, "page": page, "volunteer": current_volunteer(request), "filtered": filtered,
        "cards": [(a, *counts.get(a.pk, (0, 0))) for a in page.object_list],
    })  # fmt: skip


@require_GET
def activity_page(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = access.get_public_activity(activity_id)
    volunteer = current_volunteer(request)
    mine = {}
    if volunteer is not None:
        mine = {s.slot_id: s for s in SignUp.objects.filter(activity=activity, volunteer=volunteer).exclude(
            state__in=[SignUpState.CANCELLED, SignUpState.REFUSED])}  # fmt: skip
    slots = []
    for slot in activity.slots.annotate(
        taken=Count("signups", filter=Q(signups__state__in=HOLDING)),
        waiting=Count("signups", filter=Q(signups__state=SignUpState.WAITLISTED)),
    ):
        slots.append({"slot": slot, "free": max(slot.quantity - slot.taken, 0), "mine": mine.get(slot.pk)})
    return render(request, "activities/volunteer/activity.html", {
        "activity": activity, "slots": slots, "volunteer": volunteer, "open": activity.status == Status.PUBLISHED,
        "login_url": login_url(request), "has_mobile": bool(proved_mobile(request)),
        "profile_url": f"{reverse('volunteer:profile')}?{urlencode({'next': request.get_full_path()})}",
    })  # fmt: skip


@require_POST
@volunteer_required
def sign_up(
    request: HttpRequest, activity_id: int, slot_id: int, *, volunteer: Volunteer
) -> HttpResponseBase:
    activity = access.get_public_activity(activity_id)
    slot = activity.slots.filter(pk=slot_id).first()
    if slot is None:
        raise Http404(gettext("岗位不存在"))
    try:
        signup = services.sign_up(volunteer=volunteer, slot=slot)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("volunteer:activity", activity.pk)
    if signup.state == SignUpState.WAITLISTED:
        messages.warning(request, services.FULL_WAITLISTED)
    elif signup.state == SignUpState.APPLIED:
        messages.info(request, gettext("报名已提交，等待组织者确认"))
    else:
        messages.success(request, gettext("报名成功，请按时参加"))
    return redirect("volunteer:me")


# --- Me ---------------------------------------------------------------------------------------------------


@require_GET
@volunteer_required
def me(request: HttpRequest, *, volunteer: Volunteer) -> HttpResponse:
    now = timezone.now()
    signups = SignUp.objects.filter(volunteer=volunteer).select_related(
        "activity", "slot", "activity__organisation"
    )
    upcoming = signups.filter(ends_at__gte=now - dt.timedelta(hours=2)).exclude(
        state__in=[SignUpState.CANCELLED, SignUpState.REFUSED]
    ).order_by("starts_at")  # fmt: skip
    past = signups.exclude(pk__in=upcoming.values("pk")).order_by("-starts_at")[:20]
    total = hours.approved_hours(volunteer)
    return render(request, "activities/volunteer/me.html", {
        "volunteer": volunteer, "upcoming": [(s, STATE_COLOURS.get(s.state, "secondary")) for s in upcoming],
        "past": [(s, STATE_COLOURS.get(s.state, "secondary")) for s in past], "notices": volunteer.notices.all()[:10],
        "total": total, "star": hours.star_level(total), "masked": mask_mobile(volunteer.mobile),
    })  # fmt: skip


@require_http_methods(["GET", "POST"])
@mobile_required
def profile(request: HttpRequest) -> HttpResponse:
    volunteer = current_volunteer(request)
    mobile = proved_mobile(request)
    next_url = _safe_next(request, reverse("volunteer:me"))
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.save_volunteer(mobile=mobile, user=staff_account(request), **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("资料已保存"))
                return redirect(next_url)
        status = 422
    else:
        initial = {}
        if volunteer is not None:
            initial = {"name": volunteer.name, "skills": volunteer.skills, "trainings": volunteer.trainings}
        elif (account := staff_account(request)) is not None:
            initial = {"name": account.name}
        form = ProfileForm(initial=initial)
        status = 200
    return render(request, "activities/volunteer/profile.html", {
        "form": form, "volunteer": volunteer, "masked": mask_mobile(mobile), "next": next_url,
    }, status=status)  # fmt: skip


@require_POST
@volunteer_required
def cancel(request: HttpRequest, signup_id: int, *, volunteer: Volunteer) -> HttpResponseBase:
    signup = access.get_own_signup(volunteer, signup_id)
    try:
        services.cancel_signup(signup=signup)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, gettext("已取消报名"))
    return redirect("volunteer:me")


# --- Teams ------------------------------------------------------------------------------------------------------


@require_GET
@volunteer_required
def teams(request: HttpRequest, *, volunteer: Volunteer) -> HttpResponse:
    mine = {m.team_id: m for m in TeamMember.objects.filter(volunteer=volunteer)}
    rows = Team.objects.select_related("organisation").order_by("organisation__path", "name")
    page = paginate(request, rows)
    return render(request, "activities/volunteer/teams.html", {
        "volunteer": volunteer, "page": page, "rows": [(t, mine.get(t.pk)) for t in page.object_list],
    })  # fmt: skip


@require_POST
@volunteer_required
def join_team(request: HttpRequest, team_id: int, *, volunteer: Volunteer) -> HttpResponseBase:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise Http404(gettext("志愿服务队不存在"))
    try:
        services.join_team(volunteer=volunteer, team=team)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, gettext("已申请加入，等待队伍管理员审核"))
    return redirect("volunteer:teams")


# --- Check-in by the organiser's QR code ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@volunteer_required
def scan(request: HttpRequest, token: str, *, volunteer: Volunteer) -> HttpResponse:
    """Opening the QR code's link: GET shows what it is, POST (the button) checks in or out. The token is
    checked at the POST too, so a link kept open past its minute is refused."""
    context: dict[str, Any] = {"token": token, "volunteer": volunteer}
    try:
        activity, direction = attendance.read_token(token)
    except ValidationError as exc:
        return render(
            request,
            "activities/volunteer/scan.html",
            {**context, "error": exc.messages[0]},
            status=410 if exc.code == "expired" else 404,
        )
    context.update(activity=activity, direction=direction)
    if request.method == "POST":
        try:
            signup = attendance.scan(volunteer=volunteer, token=token)
        except ValidationError as exc:
            return render(
                request, "activities/volunteer/scan.html", {**context, "error": exc.messages[0]}, status=422
            )
        return render(request, "activities/volunteer/scan.html", {**context, "done": signup})
    return render(request, "activities/volunteer/scan.html", context)


# --- Hours and certificates ------------------------------------------------------------------------------------


@require_GET
@volunteer_required
def my_hours(request: HttpRequest, *, volunteer: Volunteer) -> HttpResponse:
    rows = (
        HourRecord.objects.filter(volunteer=volunteer)
        .select_related("activity", "kind", "corrects")
        .order_by("-served_on", "-pk")
    )
    total = hours.approved_hours(volunteer)
    return render(request, "activities/volunteer/hours.html", {
        "volunteer": volunteer, "page": paginate(request, rows), "total": total, "star": hours.star_level(total),
        "next_star": hours.next_star(total), "correction_form": CorrectionForm(),
    })  # fmt: skip


@require_POST
@volunteer_required
def correct(request: HttpRequest, record_id: int, *, volunteer: Volunteer) -> HttpResponseBase:
    record = access.get_own_hours(volunteer, record_id)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            hours.request_correction(
                record=record, hours=form.cleaned_data["hours"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, gettext("更正申请已提交，等待组织者审核"))
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("volunteer:hours")


def _served_organisations(volunteer: Volunteer) -> Any:
    ids = HourRecord.objects.filter(volunteer=volunteer, state=HourState.APPROVED).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("path")


@require_http_methods(["GET", "POST"])
@volunteer_required
def my_certificates(request: HttpRequest, *, volunteer: Volunteer) -> HttpResponse:
    organisations = _served_organisations(volunteer)
    status = 200
    if request.method == "POST":
        form = CertificateRequestForm(request.POST, organisations=organisations)
        if form.is_valid():
            try:
                cert = certificates.issue(
                    actor=None, volunteer=volunteer, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                attach_errors(form, exc)
                status = 422
            else:
                messages.success(request, f"已生成志愿服务证明 {cert.number}")
                return redirect("volunteer:certificates")
        else:
            status = 422
    else:
        today = timezone.localdate()
        form = CertificateRequestForm(
            organisations=organisations,
            initial={"organisation": organisations.first(), "period_start": today.replace(month=1, day=1), "period_end": today},
        )  # fmt: skip
    rows = volunteer.certificates.select_related("organisation").order_by("-issued_at")
    return render(request, "activities/volunteer/certificates.html", {
        "volunteer": volunteer, "form": form, "certificates": rows, "can_request": organisations.exists(),
    }, status=status)  # fmt: skip


def certificate_response(request: HttpRequest, cert: Certificate) -> HttpResponse:
    response = HttpResponse(certificates.pdf(request, cert), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(False, f"志愿服务证明-{cert.number}.pdf") or "inline"
    )
    return response


@require_GET
@volunteer_required
def certificate_pdf(request: HttpRequest, certificate_id: int, *, volunteer: Volunteer) -> HttpResponse:
    return certificate_response(request, access.get_own_certificate(volunteer, certificate_id))


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: whether a certificate is valid. Shows the masked name, the number, the hours, the issuer."""
    cert = (
        Certificate.objects.select_related("volunteer", "organisation").filter(token=token[:40]).first()
        if len(token) <= 40
        else None
    )
    masked = mask_name(cert.volunteer.name) if cert else ""
    return render(
        request,
        "activities/volunteer/verify.html",
        {"cert": cert, "masked_name": masked},
        status=200 if cert else 404,
    )
