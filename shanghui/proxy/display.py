"""How proxy cases read on the staff pages and in the API: material slots, the timeline, county names,
the follow-up moves offered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from shanghui.orgs.models import Organisation, OrgKind
from shanghui.proxy.effects import describe_event_data
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, FollowUp, Status
from shanghui.proxy.services import FOLLOW_UP_MOVES
from shanghui.proxy.workflow import ACTOR_LABELS, MACHINE

# A status's colour by its meaning, the same on staff and citizen pages (Bootstrap colours, read through
# the `status_colour` filter of proxy_display): waiting on staff blue, waiting on the applicant or
# stopped amber, at the window light blue, done green, refused or ended red, grey for neither.
STATUS_COLOURS = {
    Status.DRAFT: "secondary", Status.SUBMITTED: "primary", Status.NEEDS_CORRECTION: "warning",
    Status.FORWARDED: "info", Status.ACCEPTED: "primary", Status.SUSPENDED: "warning", Status.REFUSED: "danger",
    Status.COMPLETED: "success", Status.DELIVERED: "success", Status.CLOSED: "dark", Status.WITHDRAWN: "secondary",
    Status.TERMINATED: "danger",
}  # fmt: skip


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(Status(status), "secondary") if status in Status.values else "secondary"


@dataclass
class Slot:
    index: int | None
    name: str
    spec: dict[str, Any]
    current: list[CaseMaterial] = field(default_factory=list)
    history: list[CaseMaterial] = field(default_factory=list)


def material_slots(case: Case, materials: list[CaseMaterial]) -> tuple[list[Slot], Slot, list[CaseMaterial]]:
    """(one slot per material of the pinned version, the extra files, the result documents)."""
    specs = case.item_version.snapshot.get("materials", [])
    slots = [Slot(i, spec.get("name", ""), spec) for i, spec in enumerate(specs)]
    extra = Slot(None, gettext("其他材料"), {})
    results = []
    for material in materials:
        if material.is_result:
            results.append(material)
            continue
        slot = slots[material.slot] if material.slot is not None and material.slot < len(slots) else extra
        (slot.current if material.is_current else slot.history).append(material)
    return slots, extra, results


def event_actor(event: CaseEvent) -> str:
    """Who acted, as the timeline reads: 李四（代办员）, or the kind alone (系统, 申请人)."""
    kind = gettext(ACTOR_LABELS.get(event.actor_kind, event.actor_kind))
    return (
        gettext("%(name)s（%(kind)s）") % {"name": event.actor.display_name, "kind": kind}
        if event.actor
        else kind
    )


def timeline(case: Case) -> list[dict[str, Any]]:
    rows = []
    for event in CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "id"):
        rows.append(
            {
                "event": event,
                "label": MACHINE.event_label(event.action),
                "actor": event_actor(event),
                "to_status": Status(event.to_status).label if event.to_status in Status.values else "",
                "details": describe_event_data(event.data or {}),
            }
        )
    return rows


def county_name(code: str) -> str:
    row = (
        Organisation.objects.filter(kind=OrgKind.FEDERATION, region_code=code)
        .order_by("depth")
        .values_list("name", flat=True)
        .first()
    )
    return row.removesuffix("工商联") if row else ""


MOVE_LABELS = {
    "answer": "提交整改答复",
    "appeal": "申诉",
    "close": "审核通过，办结",
    "reopen": "退回重新整改",
    "uphold_appeal": "申诉成立",
    "reject_appeal": "驳回申诉",
}
TEXT_MOVES = {"answer": "整改答复", "appeal": "申诉理由"}


def move_buttons(follow_up: FollowUp, allowed: frozenset[str]) -> list[dict[str, str]]:
    """The moves this user may make now: allowed for them and possible from the current state."""
    return [
        {"move": move, "label": label, "text_label": TEXT_MOVES.get(move, gettext("意见（可选）"))}
        for move, label in MOVE_LABELS.items()
        if move in allowed and follow_up.state in FOLLOW_UP_MOVES[move][0]
    ]
