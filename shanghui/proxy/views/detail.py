"""The case page: the case, its clocks, materials, actions and timeline; the answers that show it again
(a conflict, refused inputs); the audited ID-number reveal and the file download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.proxy import services
from shanghui.proxy.access import (
    actor_kinds,
    can_open_case_files,
    follow_up_moves,
    get_case_files_for_user,
    get_case_for_user,
)
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.display import county_name, material_slots, move_buttons, timeline
from shanghui.proxy.downloads import material_response
from shanghui.proxy.forms import ACTION_FORMS, ActionForm, ReviewForm, UploadForm
from shanghui.proxy.models import Case, Rating, Status
from shanghui.proxy.views.common import is_htmx
from shanghui.proxy.workflow import ACTOR_LABELS, AGENT, allowed_actions
from shanghui.ui.forms import BootstrapForm


def _detail_context(
    request: HttpRequest,
    case: Case,
    *,
    bound: ActionForm | None = None,
    conflict: str = "",
    upload_error: tuple[int | None, str] | None = None,
    review_error: tuple[int, str, str, str] | None = None,
    id_number: str = "",
) -> dict[str, Any]:
    user = _user(request)
    kinds = actor_kinds(user, case)
    now = timezone.now()
    materials = list(case.materials.order_by("slot", "-uploaded_at"))
    slots, extra, results = material_slots(case, materials)
    actions = []
    for spec in sorted(allowed_actions(case, kinds), key=_action_order):
        if bound is not None and bound.action == spec.action:
            form = bound
        else:
            form = ACTION_FORMS[spec.action](case=case, action=spec.action)
        actions.append({"spec": spec, "form": form})
    is_agent = AGENT in kinds
    rating = Rating.objects.filter(case=case).select_related("follow_up", "follow_up__responsible").first()
    follow_up = getattr(rating, "follow_up", None) if rating else None
    return {
        "case": case,
        "snapshot": case.item_version.snapshot,
        "kinds": kinds,
        "kind_labels": [gettext(ACTOR_LABELS[k]) for k in sorted(kinds)],
        "county_name": county_name(case.home_region_code),
        "clocks": CLOCKS.states(case, now),
        "slots": slots,
        "extra": extra,
        "results": results,
        "missing": services.missing_required(case) if case.status in services.UPLOAD_STATUSES else [],
        "can_upload": is_agent and case.status in services.UPLOAD_STATUSES,
        "can_review": is_agent and case.status == Status.SUBMITTED,
        "can_download": can_open_case_files(user, case),
        "review_error": review_error,
        "review_choices": ReviewForm.base_fields["review"].choices,  # type: ignore[attr-defined]
        # No verdict is chosen for a material nobody reviewed yet: approving takes a choice.
        "review_values": [value for value, _label in ReviewForm.base_fields["review"].choices],  # type: ignore[attr-defined]
        "upload_error": upload_error,
        "max_upload_mb": UploadForm.max_mb,
        "actions": actions,
        "conflict": conflict,
        "events": timeline(case),
        "rating": rating,
        "follow_up": follow_up,
        "follow_up_moves": move_buttons(follow_up, follow_up_moves(user, follow_up)) if follow_up else [],
        "can_reveal": bool(kinds),
        "id_number": id_number,
    }


# The step forward comes first on the page, then a correction request or suspension, then the actions
# that end the case.
FORWARD_STEPS = frozenset(
    {"submit", "resubmit", "forward", "accept", "complete", "resume", "deliver", "close"}
)


def _action_order(spec: Any) -> int:
    form = ACTION_FORMS[spec.action]
    return 0 if spec.action in FORWARD_STEPS else 2 if form.danger or form.confirm else 1


def show_case(request: HttpRequest, case: Case, *, status: int = 200, **kw: Any) -> HttpResponse:
    return render(request, "proxy/case_detail.html", _detail_context(request, case, **kw), status=status)


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(_user(request), case_id)
    return show_case(request, case)


@never_cache
@login_required
@require_POST
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """The applicant's full ID number, for the agents and clerks of the case; every reveal is audited."""
    user = _user(request)
    case = get_case_for_user(user, case_id, write=True)
    id_number = services.reveal_id_number(actor=user, case=case, request=request)
    if is_htmx(request):
        return render(
            request, "proxy/_applicant_id.html", {"case": case, "id_number": id_number, "can_reveal": True}
        )
    return show_case(request, case, id_number=id_number)


@login_required
def case_file(request: HttpRequest, case_id: int, material_id: int) -> FileResponse:
    """A material or result document, streamed from storage after the access check (never a public
    media URL) and audited. Files carry personal data (ID card scans): access.can_open_case_files."""
    user = _user(request)
    case = get_case_files_for_user(user, case_id)
    return material_response(request, case, material_id, actor=user, via="staff")


def conflict(request: HttpRequest, case: Case, message: str, action: str) -> HttpResponse:
    if is_htmx(request):
        return render(
            request, "proxy/_conflict.html", {"case": case, "message": message, "action": action}, status=409
        )
    case.refresh_from_db()
    return show_case(request, case, status=409, conflict=message)


def invalid(request: HttpRequest, case: Case, form: BootstrapForm, spec: Any) -> HttpResponse:
    if is_htmx(request):
        return render(
            request, "proxy/_action.html", {"case": case, "action": {"spec": spec, "form": form}}, status=422
        )
    return show_case(request, case, bound=form)
