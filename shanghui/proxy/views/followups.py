"""Bad-rating follow-ups (差评整改): the list and the moves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.proxy import queries, services
from shanghui.proxy.access import follow_up_moves, get_follow_up_for_user
from shanghui.proxy.display import MOVE_LABELS, move_buttons
from shanghui.proxy.forms import FollowUpMoveForm
from shanghui.proxy.models import FollowUp
from shanghui.proxy.services import FOLLOW_UP_MOVES
from shanghui.proxy.views.common import is_htmx, require_case_pages
from shanghui.ui.listing import paginate

FOLLOW_UP_STATES = [("", gettext_lazy("全部")), ("pending", gettext_lazy("未办结")), *FollowUp.State.choices]


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_case_pages(user)
    state = request.GET.get("state", "pending")
    # The federation's follow-ups are every follow-up: no filter (queries.follow_ups_in_scope).
    summary = queries.summary_for(user)
    follow_ups = queries.follow_ups_in_scope(user, summary).select_related(
        "rating", "rating__case", "rating__case__item", "responsible"
    )
    if state == "pending":
        follow_ups = follow_ups.filter(state__in=queries.OPEN_FOLLOW_UP)
    elif state in FollowUp.State.values:
        follow_ups = follow_ups.filter(state=state)
    page = paginate(request, follow_ups.order_by("due_at", "pk"))
    now = timezone.now()
    rows = [
        {
            "follow_up": f,
            "moves": move_buttons(f, follow_up_moves(user, f)),
            "overdue": f.state in queries.OPEN_FOLLOW_UP and f.due_at < now,
        }
        for f in page.object_list
    ]
    context = {"page": page, "rows": rows, "state": state, "states": FOLLOW_UP_STATES}
    return render(request, "proxy/followups.html", context)


@login_required
@require_POST
def followup_move(request: HttpRequest, follow_up_id: int, move: str) -> HttpResponse:
    user = _user(request)
    follow_up = get_follow_up_for_user(user, follow_up_id)
    if move not in FOLLOW_UP_MOVES:
        raise Http404(gettext("未知的操作"))
    if move not in follow_up_moves(user, follow_up):
        raise PermissionDenied(gettext("您不能对该整改执行此操作"))
    form = FollowUpMoveForm(request.POST)
    form.is_valid()
    try:
        services.move_follow_up(
            follow_up=follow_up, actor=user, move=move, text=form.cleaned_data.get("text") or ""
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        status = 409 if follow_up.state not in FOLLOW_UP_MOVES[move][0] else 422
        if is_htmx(request):
            return HttpResponse("；".join(exc.messages), status=status)
    else:
        messages.success(request, f"已{MOVE_LABELS[move]}")
    next_url = request.POST.get("next", "")
    case_url = reverse("proxy:detail", args=[follow_up.rating.case_id])
    return redirect(case_url if next_url == "case" else reverse("proxy:followups"))
