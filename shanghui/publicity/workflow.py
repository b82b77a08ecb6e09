"""A notice's states: open ──finalise (period over, every objection answered)──► final; open ──withdraw──►
withdrawn. Objections and answers are events of the timeline that are not transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, cast

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.lib import owners
from shanghui.lib.owners import Owner
from shanghui.publicity.models import Notice, NoticeEvent
from shanghui.workflow.machine import SYSTEM, Machine, Transition, action, table

MANAGER = "manager"
S = Notice.Status


class PublicityOwner(Owner, Protocol):
    def publicity_final(self, owner_id: int, notice: Notice) -> None: ...


def publicity_owner(owner_type: str) -> PublicityOwner:
    owner = owners.owner_for(owner_type)
    if owner is None or not hasattr(owner, "publicity_final"):
        raise LookupError(f"no publicity owner registered for {owner_type!r}")
    return cast(PublicityOwner, owner)


def _blocked(notice: Notice, spec: Transition) -> str:
    if spec.action != "finalise":
        return ""
    if timezone.now() < notice.ends_at:
        return gettext("公示期尚未结束")
    if notice.objections.filter(answered_at__isnull=True).exists():
        return gettext("还有异议未答复")
    return ""


def _finalise(notice: Notice, params: dict[str, Any], now: dt.datetime) -> list[str]:
    notice.finalised_at = now
    return ["finalised_at"]


def _after(notice: Notice, spec: Transition, event: NoticeEvent, before: Any) -> None:
    audit(
        actor=event.actor,
        action=AuditAction.PUBLICITY_FINALISE
        if spec.action == "finalise"
        else AuditAction.PUBLICITY_WITHDRAW,
        obj=notice,
    )
    if spec.action == "finalise":
        publicity_owner(notice.owner_type).publicity_final(notice.owner_id, notice)


MACHINE: Machine[Notice] = Machine(
    model=Notice,
    events=NoticeEvent,
    event_fk="notice",
    noun=gettext_noop("公示"),
    actor_labels={MANAGER: gettext_noop("公示管理人"), SYSTEM: gettext_noop("系统")},
    table=table(
        action("finalise", gettext_noop("公示结束，结果生效"), {S.OPEN}, S.FINAL, {MANAGER, SYSTEM}),
        action("withdraw", gettext_noop("撤销公示"), {S.OPEN}, S.WITHDRAWN, {MANAGER}, required=("reason",)),
    ),
    effects={"finalise": _finalise},
    blocked=_blocked,
    after=[_after],
    other_events={
        "open": gettext_noop("发布公示"),
        "objection": gettext_noop("收到异议"),
        "answer": gettext_noop("答复异议"),
    },
)
