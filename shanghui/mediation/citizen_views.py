"""The parties' pages on the phone (/my/disputes/): file a dispute, follow it, agree to mediation or
refuse (the respondent), ask for another mediator, add evidence, read the shared minutes, download the
agreement and the confirmation pack, talk in the dispute's conversation.

A party has no account: the mobile number proved with a one-time code (accounts/citizen.py; the code
page is the citizen's /my/login/) is who they are, and access.get_dispute_for_party shows them the
disputes where a party has that number (404 for any other). Actions go through the same services and
transitions as the staff pages, as the applicant or the respondent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanghui.accounts import citizen
from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.lib.masking import mask_mobile
from shanghui.mediation import access, documents, services
from shanghui.mediation.forms import ACTION_FIELDS, DisputeForm, UploadForm
from shanghui.mediation.models import Committee, Dispute, DisputeEvent
from shanghui.mediation.views import STATUS_COLOURS, _id, action_params, form_context
from shanghui.mediation.workflow import MACHINE, TRANSITIONS, Conflict, TransitionError

View = Callable[..., HttpResponseBase]
# What a party sees of the timeline: the workflow's steps, not staff events (assignments' conflicts, notes).
PARTY_EVENTS = frozenset({"create", "schedule", *TRANSITIONS})
PARTY_ACTIONS = frozenset({"consent", "refuse", "withdraw"})


def party_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if citizen.verified_mobile(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else reverse("mediation_citizen:list")
        return redirect(f"{reverse('citizen:login')}?{urlencode({'next': back})}")

    return wrapped


def _mobile(request: HttpRequest) -> str:
    return citizen.verified_mobile(request)


@require_GET
@party_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    mobile = _mobile(request)
    disputes = access.disputes_for_mobile(mobile).select_related("committee").order_by("-filed_at")
    rows = [(d, STATUS_COLOURS.get(d.status, "secondary")) for d in disputes[:100]]
    return render(request, "mediation/citizen/list.html", {"rows": rows, "masked": mask_mobile(mobile)})


@require_http_methods(["GET", "POST"])
@party_required
def dispute_new(request: HttpRequest) -> HttpResponse:
    mobile = _mobile(request)
    committees = Committee.objects.filter(is_active=True).order_by("name")
    form = DisputeForm(request.POST or None, request.FILES or None, committees=committees, mobile=mobile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = services.create_dispute(
                actor=None, mobile=mobile, committee=data["committee"], source="party", kind=data["kind"],
                amount=data["amount"], facts=data["facts"], claims=data["claims"], parties=form.parties(),
                files=data.get("evidence") or [],
            )  # fmt: skip
        except ValidationError as exc:
            from shanghui.ui.forms import attach_errors

            attach_errors(form, exc)
        else:
            messages.success(
                request, f"调解申请已提交，纠纷编号{dispute.number}。调委会将在3个工作日内决定是否受理。"
            )
            return redirect("mediation_citizen:detail", dispute_id=dispute.pk)
    return render(
        request, "mediation/citizen/new.html", form_context(form), status=422 if form.errors else 200
    )


def _context(request: HttpRequest, dispute: Dispute, **extra: Any) -> dict[str, Any]:
    mobile = _mobile(request)
    kinds = access.party_kinds(mobile, dispute)
    events = DisputeEvent.objects.filter(dispute=dispute, action__in=PARTY_EVENTS).order_by(
        "created_at", "pk"
    )
    allowed = [t for t in MACHINE.allowed(dispute, kinds) if t.action in PARTY_ACTIONS]
    return {
        "dispute": dispute, "kinds": kinds, "colour": STATUS_COLOURS.get(dispute.status, "secondary"),
        "parties": list(dispute.parties.all()),
        "assignments": list(dispute.assignments.filter(recused_at__isnull=True).select_related("mediator")),
        "sessions": list(dispute.sessions.all()), "files": list(services.visible_files(dispute, party=True)),
        "timeline": [(e, MACHINE.event_label(e.action)) for e in events],
        "actions": [(t, ACTION_FIELDS.get(t.action, [])) for t in allowed],
        "act_base": f"/my/disputes/{dispute.pk}/act/", "upload_form": UploadForm(),
        "has_agreement": documents.has_written_agreement(dispute), **extra,
    }  # fmt: skip


@require_GET
@party_required
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = access.get_dispute_for_party(_mobile(request), _id(dispute_id))
    return render(request, "mediation/citizen/detail.html", _context(request, dispute))


def _again(request: HttpRequest, dispute: Dispute, error: Any, status: int) -> HttpResponse:
    dispute = access.get_dispute_for_party(_mobile(request), dispute.pk)
    errors = error.messages if isinstance(error, ValidationError) else [str(error)]
    return render(
        request, "mediation/citizen/detail.html", _context(request, dispute, errors=errors), status=status
    )


@require_POST
@party_required
def act(request: HttpRequest, dispute_id: int, action: str) -> HttpResponse:
    mobile = _mobile(request)
    dispute = access.get_dispute_for_party(mobile, _id(dispute_id))
    if action not in PARTY_ACTIONS:
        raise Http404(gettext("未知的操作"))
    try:
        services.act(dispute_id=dispute.pk, action=action, actor=None, kinds=access.party_kinds(mobile, dispute),
                     expected_status=request.POST.get("status") or None, params=action_params(request, action))  # fmt: skip
    except PermissionDenied:
        raise
    except Conflict as exc:
        return _again(request, dispute, exc.message, 409)
    except (TransitionError, ValidationError) as exc:
        return _again(request, dispute, exc, 422)
    messages.success(request, f"已{MACHINE.spec(action).label}。")
    return redirect("mediation_citizen:detail", dispute_id=dispute.pk)


@require_POST
@party_required
def upload(request: HttpRequest, dispute_id: int) -> HttpResponse:
    mobile = _mobile(request)
    dispute = access.get_dispute_for_party(mobile, _id(dispute_id))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _again(request, dispute, ValidationError(_("请选择文件")), 422)
    try:
        services.add_evidence(actor=None, kinds=access.party_kinds(mobile, dispute), dispute_id=dispute.pk,
                              files=form.cleaned_data["attachments"])  # fmt: skip
    except ValidationError as exc:
        return _again(request, dispute, exc, 422)
    messages.success(request, gettext("材料已上传。"))
    return redirect("mediation_citizen:detail", dispute_id=dispute.pk)


@require_POST
@party_required
def recuse(request: HttpRequest, dispute_id: int, assignment_id: int) -> HttpResponse:
    mobile = _mobile(request)
    dispute = access.get_dispute_for_party(mobile, _id(dispute_id))
    try:
        services.recuse(actor=None, kinds=access.party_kinds(mobile, dispute), dispute_id=dispute.pk,
                        assignment_id=_id(assignment_id), reason=request.POST.get("reason", ""))  # fmt: skip
    except ValidationError as exc:
        return _again(request, dispute, exc, 422)
    messages.success(request, gettext("已申请该调解员回避，调委会将另行指派。"))
    return redirect("mediation_citizen:detail", dispute_id=dispute.pk)


@require_GET
@party_required
def dispute_file(request: HttpRequest, dispute_id: int, file_id: int) -> HttpResponseBase:
    dispute = access.get_dispute_for_party(_mobile(request), _id(dispute_id))
    stored = services.visible_files(dispute, party=True).filter(pk=_id(file_id)).first()
    if stored is None:
        raise Http404(gettext("文件不存在"))
    return audited_file_response(request, stored.file, actor=None, citizen=True,
                                 action=AuditAction.MEDIATION_FILE_DOWNLOAD, obj=dispute, object_repr=dispute.number,
                                 detail={"file": stored.pk}, content_type=stored.content_type,
                                 filename=f"{dispute.number}-{stored.pk}")  # fmt: skip


@require_GET
@party_required
def agreement_pdf(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = access.get_dispute_for_party(_mobile(request), _id(dispute_id))
    if not documents.has_written_agreement(dispute):
        raise Http404(documents.NOT_READY)
    return documents.pdf_response(documents.agreement_pdf(dispute), f"调解协议书-{dispute.number}.pdf")


@require_GET
@party_required
def confirmation_pdf(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = access.get_dispute_for_party(_mobile(request), _id(dispute_id))
    if not documents.has_written_agreement(dispute) or dispute.effective_at is None:
        raise Http404(gettext("调解协议尚未生效"))
    return documents.pdf_response(documents.confirmation_pdf(dispute), f"司法确认申请书-{dispute.number}.pdf")
