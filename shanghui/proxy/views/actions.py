"""The workflow action buttons of the case page (the guard: proxy/actions.act)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.proxy import actions
from shanghui.proxy.views.common import back_to_case
from shanghui.proxy.views.detail import conflict, invalid
from shanghui.proxy.workflow import TRANSITIONS, Conflict


@login_required
@require_POST
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    try:
        case = actions.act(
            actor=_user(request), case_id=case_id, action=action, data=request.POST, files=request.FILES
        )
    except Conflict as exc:
        return conflict(request, exc.record, exc.message, action)
    except actions.Refused as exc:
        assert exc.form is not None  # the page's inputs are all the form's
        return invalid(request, exc.case, exc.form, TRANSITIONS[action])
    messages.success(request, f"已{TRANSITIONS[action].label}")
    return back_to_case(request, case.pk)
