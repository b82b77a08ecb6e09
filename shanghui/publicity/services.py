"""Every write of a notice: open, an objection from the public, the answer, finalise, withdraw."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.publicity.models import DEFAULT_DAYS, Notice, Objection
from shanghui.publicity.workflow import MACHINE, MANAGER, publicity_owner
from shanghui.workflow.clocks import Period
from shanghui.workflow.machine import SYSTEM

MAX_TEXT = 2000


@transaction.atomic
def open_notice(
    *,
    owner_type: str,
    owner_id: int,
    title: str,
    items: list[dict[str, Any]],
    actor: User | None,
    intro: str = "",
    days: int = DEFAULT_DAYS,
    starts_at: dt.datetime | None = None,
) -> Notice:
    publicity_owner(owner_type)
    if not items:
        raise ValidationError(_("公示内容不能为空"))
    if not 1 <= days <= 30:
        raise ValidationError({"days": "公示期为1–30个工作日"})
    start = starts_at or timezone.now()
    notice = Notice.objects.create(
        owner_type=owner_type, owner_id=owner_id, title=title, intro=intro, items=items,
        starts_at=start, ends_at=Period(days).due(start), created_by=actor,
    )  # fmt: skip
    MACHINE.record_event(notice, action="open", actor=actor, actor_kind=MANAGER if actor else SYSTEM,
                         to_status=notice.status, created_at=start, data={"items": len(items)})  # fmt: skip
    audit(
        actor=actor, action=AuditAction.PUBLICITY_OPEN, obj=notice, detail={"items": len(items), "days": days}
    )
    from shanghui.publicity.tasks import finalise_when_due

    # The result becomes final by itself at the end of the period if every objection has an answer.
    finalise_when_due.using(run_after=notice.ends_at).enqueue(notice.pk)
    return notice


@transaction.atomic
def file_objection(*, notice_id: int, name: str, contact: str, text: str, item_key: str = "") -> Objection:
    """An objection from anyone, while the notice is open. Name and contact are required."""
    notice = Notice.objects.select_for_update().get(pk=notice_id)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写真实姓名（仅工作人员可见，予以保密）"
    if not contact.strip():
        errors["contact"] = "请填写联系方式（仅工作人员可见，予以保密）"
    if not text.strip():
        errors["text"] = "请填写异议内容"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"异议内容不能超过{MAX_TEXT}字"
    if item_key and item_key not in {str(i.get("key")) for i in notice.items}:
        errors["item_key"] = "请选择公示名单中的对象"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if notice.status != Notice.Status.OPEN or now > notice.ends_at:
        raise ValidationError(_("公示期已结束，不再受理异议"))
    objection = Objection.objects.create(
        notice=notice, item_key=item_key, name=name.strip(), contact=contact.strip(), text=text.strip()
    )
    MACHINE.record_event(notice, action="objection", actor=None, actor_kind=SYSTEM, to_status=notice.status,
                         created_at=now, data={"objection": objection.pk, "item": item_key})  # fmt: skip
    audit(
        actor=None,
        citizen=True,
        action=AuditAction.PUBLICITY_OBJECTION,
        obj=notice,
        detail={"objection": objection.pk},
    )
    return objection


@transaction.atomic
def answer_objection(*, objection_id: int, actor: User, answer: str, upheld: bool) -> Objection:
    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection_id)
    if not answer.strip():
        raise ValidationError({"answer": "请填写答复内容"})
    if objection.notice.status != Notice.Status.OPEN:
        raise ValidationError(_("公示已结束，不能再答复"))
    now = timezone.now()
    objection.answer, objection.upheld = answer.strip(), upheld
    objection.answered_by, objection.answered_at = actor, now
    objection.save(update_fields=["answer", "upheld", "answered_by", "answered_at"])
    MACHINE.record_event(objection.notice, action="answer", actor=actor, actor_kind=MANAGER,
                         to_status=objection.notice.status, created_at=now,
                         data={"objection": objection.pk, "upheld": upheld})  # fmt: skip
    audit(
        actor=actor,
        action=AuditAction.PUBLICITY_ANSWER,
        obj=objection.notice,
        detail={"objection": objection.pk, "upheld": upheld},
    )
    return objection


def finalise(*, notice: Notice, actor: User | None, expected_status: str | None = None) -> Notice:
    return MACHINE.transition(pk=notice.pk, action="finalise", actor=actor, actor_kind=MANAGER if actor else SYSTEM,
                              expected_status=expected_status)  # fmt: skip


def withdraw(*, notice: Notice, actor: User, reason: str) -> Notice:
    return MACHINE.transition(
        pk=notice.pk, action="withdraw", actor=actor, actor_kind=MANAGER, params={"reason": reason}
    )


def upheld_keys(notice: Notice) -> set[str]:
    """The items an upheld objection was about (they do not become final)."""
    return set(notice.objections.filter(upheld=True).exclude(item_key="").values_list("item_key", flat=True))


def finalise_due(now: dt.datetime | None = None) -> int:
    """The periodic task's work: finalise every open notice whose period is over and whose objections
    are all answered."""
    from shanghui.workflow.machine import Conflict

    now = now or timezone.now()
    done = 0
    for notice in Notice.objects.filter(status=Notice.Status.OPEN, ends_at__lt=now):
        try:
            finalise(notice=notice, actor=None)
            done += 1
        except Conflict:
            continue
    return done
