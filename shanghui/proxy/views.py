from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shanghui.proxy.access import actor_kinds, get_case_for_user


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id)  # type: ignore[arg-type]
    return render(
        request, "proxy/case_detail.html", {"case": case, "actor_kinds": actor_kinds(request.user, case)}
    )  # type: ignore[arg-type]
