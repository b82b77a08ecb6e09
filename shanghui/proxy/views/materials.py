"""Uploading and pre-reviewing a case's materials (the review guard: proxy/actions.review_material)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.proxy import actions, services
from shanghui.proxy.access import actor_kinds, get_case_for_user
from shanghui.proxy.views.common import back_to_case, int_or_none
from shanghui.proxy.views.detail import conflict, show_case
from shanghui.proxy.workflow import AGENT, Conflict


@login_required
@require_POST
def material_upload(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = get_case_for_user(user, case_id, write=True)
    if AGENT not in actor_kinds(user, case):
        raise PermissionDenied(gettext("只有本代办点的代办员可以上传材料"))
    raw_slot = request.POST.get("slot", "")
    slot = int_or_none(raw_slot)
    try:
        if raw_slot and slot is None:
            raise ValidationError(gettext("没有这一项材料"))
        outcome = services.add_materials(
            case=case, actor=user, uploads=request.FILES.getlist("file"), slot=slot
        )
    except ValidationError as exc:
        error = "；".join(exc.messages)
    else:
        if not outcome.refused:
            n = len(outcome.stored)
            messages.success(
                request, ngettext("材料已上传（%(n)d 个文件）", "材料已上传（%(n)d 个文件）", n) % {"n": n}
            )
            return redirect(reverse("proxy:detail", args=[case.pk]) + "#materials")
        n = len(outcome.stored)
        kept = ngettext("已上传 %(n)d 个文件；", "已上传 %(n)d 个文件；", n) % {"n": n} if n else ""
        several = len(outcome.stored) + len(outcome.refused) > 1
        error = (
            gettext("%(kept)s以下文件未上传：%(files)s") % {"kept": kept, "files": outcome.message()}
            if several
            else outcome.message()
        )
    # The page again, the reason under the material that was refused (type, size, a quota).
    return show_case(request, case, upload_error=(slot, error), status=422)


@login_required
@require_POST
def material_review(request: HttpRequest, case_id: int, material_id: int) -> HttpResponse:
    try:
        material = actions.review_material(
            actor=_user(request), case_id=case_id, material_id=material_id, data=request.POST
        )
    except Conflict as exc:
        return conflict(request, exc.record, exc.message, "review")
    except actions.Refused as exc:
        error = "；".join(m for messages in exc.fields.values() for m in messages)
        # The page again with what the agent chose and wrote, the reason under that material.
        chosen = (request.POST.get("review", ""), request.POST.get("note", ""))
        return show_case(request, exc.case, review_error=(material_id, error, *chosen))
    return back_to_case(request, material.case_id, "materials")
