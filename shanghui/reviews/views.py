"""Review-chain pages under /reviews/: the inbox (待我审查), a chain's page (the subject, the steps with
their due times and answers, the timeline, the decision form), an attachment, delegations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.lib import owners
from shanghui.lib.owners import Viewer
from shanghui.reviews import services
from shanghui.reviews.access import get_chain_for_user, inbox
from shanghui.reviews.forms import DecisionForm, DelegationForm
from shanghui.reviews.models import PARALLEL, Chain, Delegation, ReviewAttachment
from shanghui.reviews.reviewers import open_departments
from shanghui.reviews.workflow import MACHINE
from shanghui.ui.forms import attach_errors
from shanghui.workflow.machine import Conflict, TransitionError


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    chains = inbox(user)
    delegations = Delegation.objects.filter(principal=user, ends_on__gte=timezone.localdate()).select_related(
        "deputy"
    )
    return render(
        request,
        "reviews/inbox.html",
        {"chains": chains, "delegations": delegations, "form": DelegationForm()},
    )


@login_required
@require_POST
def delegate(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    form = DelegationForm(request.POST)
    if form.is_valid():
        try:
            services.delegate(principal=user, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, gettext("已设置审查代理人"))
            return redirect("reviews:inbox")
    chains = inbox(user)
    return render(
        request, "reviews/inbox.html", {"chains": chains, "delegations": [], "form": form}, status=422
    )


def _form(user: object, chain: Chain, data: object = None, files: object = None) -> DecisionForm | None:
    allowed = [t for t in MACHINE.allowed(chain, services.actor_kinds(user, chain)) if t.action != "conclude"]  # type: ignore[arg-type]
    if not allowed:
        return None
    step = chain.steps.filter(index=chain.current).first()
    departments = []
    if step is not None and step.kind == PARALLEL:
        departments = [(a.department_id, a.department.name) for a in open_departments(step, user.pk)]  # type: ignore[attr-defined]
    steps = [(s.index, s.label) for s in chain.steps.filter(index__lt=chain.current)]
    return DecisionForm(data, files, actions=[(t.action, t.label) for t in allowed], departments=departments, steps=steps,
                        initial={"expected_status": chain.status})  # fmt: skip


def _page(request: HttpRequest, chain: Chain, form: DecisionForm | None, status: int = 200) -> HttpResponse:
    user = _user(request)
    owner = owners.owner_for(chain.owner_type)
    summary = owner.summary(chain.owner_id) if owner is not None and hasattr(owner, "summary") else []
    access = owner.access(Viewer(user=user), chain.owner_id, joined=False) if owner else None
    steps = list(
        chain.steps.prefetch_related("answers__department", "answers__answered_by").select_related(
            "decided_by"
        )
    )
    events = [
        (e, MACHINE.event_label(e.action))
        for e in chain.events.select_related("actor").prefetch_related("attachments")
    ]
    return render(request, "reviews/chain.html", {
        "chain": chain, "steps": steps, "events": events, "form": form, "summary": summary,
        "owner_url": owner.url(Viewer(user=user), chain.owner_id) if owner and access and access.read else "",
        "now": timezone.now(),
    }, status=status)  # fmt: skip


@login_required
def chain_page(request: HttpRequest, chain_id: int) -> HttpResponse:
    user = _user(request)
    chain = get_chain_for_user(user, chain_id)
    return _page(request, chain, _form(user, chain))


@login_required
@require_POST
def decide(request: HttpRequest, chain_id: int) -> HttpResponse:
    user = _user(request)
    chain = get_chain_for_user(user, chain_id)
    form = _form(user, chain, request.POST, request.FILES)
    chosen = request.POST.get("action")
    if form is None or (chosen and chosen not in dict(form.fields["action"].choices)):  # type: ignore[attr-defined]
        raise PermissionDenied(gettext("您现在不能对该审查作出决定"))
    if not form.is_valid():
        return _page(request, chain, form, status=422)
    data = form.cleaned_data
    try:
        services.decide(
            chain=chain, actor=user, action=data["action"], expected_status=data.get("expected_status") or None,
            opinion=data.get("opinion", ""), reason=data.get("reason", ""), department=data.get("department") or None,
            to_step=data.get("to_step"), attachment=data.get("attachment"),
        )  # fmt: skip
    except Conflict as exc:
        chain.refresh_from_db()
        messages.error(request, exc.message)
        return _page(request, chain, _form(user, chain), status=409)
    except (ValidationError, TransitionError) as exc:
        attach_errors(form, exc)
        return _page(request, chain, form, status=422)
    messages.success(request, gettext("已提交审查决定"))
    return redirect("reviews:chain", chain.pk)


@login_required
def attachment(request: HttpRequest, chain_id: int, attachment_id: int) -> HttpResponseBase:
    user = _user(request)
    chain = get_chain_for_user(user, chain_id)
    row = ReviewAttachment.objects.filter(pk=attachment_id, event__chain=chain).first()
    if row is None:
        raise Http404(gettext("附件不存在"))
    return audited_file_response(
        request, row.file, actor=user, action=AuditAction.REVIEW_FILE_DOWNLOAD, obj=chain, object_repr=chain.title,
        detail={"attachment": row.pk}, content_type=row.content_type, filename=row.name, as_attachment=True,
    )  # fmt: skip
