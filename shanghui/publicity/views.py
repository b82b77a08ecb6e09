"""Publicity pages: the public page of a notice (/gs/<id>/, phone-first) with its objection form, and the
staff page (/publicity/<id>/) where managers read objections (names and contacts only here), answer
them and finalise the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.services import client_ip
from shanghui.lib import owners
from shanghui.lib.owners import Viewer
from shanghui.lib.ratelimit import hit, parse_rate
from shanghui.publicity import services
from shanghui.publicity.access import can_manage, get_notice_for_user, get_public_notice
from shanghui.publicity.forms import AnswerForm, ObjectionForm
from shanghui.publicity.models import Notice
from shanghui.publicity.workflow import MACHINE
from shanghui.ui.forms import attach_errors
from shanghui.workflow.machine import Conflict, TransitionError

OBJECTIONS_PER_ADDRESS = parse_rate("5/h")


def public_page(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_public_notice(notice_id)
    form = ObjectionForm(request.POST or None, items=notice.items)
    status, done = 200, False
    if request.method == "POST":
        if form.is_valid():
            wait = hit(f"publicity-objection:{client_ip(request) or ''}", OBJECTIONS_PER_ADDRESS)
            if wait is not None:
                form.add_error(None, _("提交过于频繁，请稍后再试"))
                status = 429
            else:
                try:
                    services.file_objection(notice_id=notice.pk, **form.cleaned_data)
                except ValidationError as exc:
                    attach_errors(form, exc)
                    status = 422
                else:
                    done = True
                    form = ObjectionForm(items=notice.items)
        else:
            status = 422
    open_ = notice.status == Notice.Status.OPEN and timezone.now() <= notice.ends_at
    return render(
        request,
        "publicity/public.html",
        {"notice": notice, "form": form, "open": open_, "done": done},
        status=status,
    )


def _manage(
    request: HttpRequest, notice: Notice, status: int = 200, forms: dict[int, AnswerForm] | None = None
) -> HttpResponse:
    user = _user(request)
    manager = can_manage(user, notice)
    objections = list(notice.objections.select_related("answered_by"))
    forms = forms or {}
    rows = [(o, forms.get(o.pk) or AnswerForm(prefix=f"o{o.pk}")) for o in objections]
    owner = owners.owner_for(notice.owner_type)
    events = [(e, MACHINE.event_label(e.action)) for e in notice.events.select_related("actor")]
    can_finalise = manager and any(t.action == "finalise" for t in MACHINE.allowed(notice, {"manager"}))
    return render(request, "publicity/manage.html", {
        "notice": notice, "rows": rows, "manager": manager, "events": events, "can_finalise": can_finalise,
        "blocked": MACHINE.blocked(notice, MACHINE.table["finalise"]) if notice.status == Notice.Status.OPEN else "",
        "owner_url": owner.url(Viewer(user=user), notice.owner_id) if owner else "",
    }, status=status)  # fmt: skip


@login_required
def manage(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _manage(request, get_notice_for_user(_user(request), notice_id))


@login_required
@require_POST
def answer(request: HttpRequest, notice_id: int, objection_id: int) -> HttpResponseBase:
    user = _user(request)
    notice = get_notice_for_user(user, notice_id, write=True)
    objection = notice.objections.filter(pk=objection_id).first()
    if objection is None:
        raise Http404(gettext("异议不存在"))
    form = AnswerForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        try:
            services.answer_objection(objection_id=objection.pk, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, gettext("已答复异议"))
            return redirect("publicity:manage", notice.pk)
    return _manage(request, notice, status=422, forms={objection.pk: form})


@login_required
@require_POST
def act(request: HttpRequest, notice_id: int, action: str) -> HttpResponseBase:
    user = _user(request)
    notice = get_notice_for_user(user, notice_id, write=True)
    try:
        if action == "finalise":
            services.finalise(
                notice=notice, actor=user, expected_status=request.POST.get("expected_status") or None
            )
            messages.success(request, gettext("公示结束，结果已生效"))
        elif action == "withdraw":
            services.withdraw(notice=notice, actor=user, reason=request.POST.get("reason", "").strip())
            messages.success(request, gettext("公示已撤销"))
        else:
            raise Http404(gettext("未知的操作"))
    except Conflict as exc:
        messages.error(request, exc.message)
        return _manage(request, Notice.objects.get(pk=notice.pk), status=409)
    except (ValidationError, TransitionError) as exc:
        messages.error(request, "；".join(exc.messages))
        return _manage(request, notice, status=422)
    return redirect("publicity:manage", notice.pk)
