"""The proxy case state machine: the transition table and the one function that moves a case.

Who acts (`actor_kind`):
  applicant  the citizen (after the one-time-code check), or an agent entering for them
  agent      a proxy agent of the case's proxy point
  clerk      a window clerk of the window the case was forwarded to
  system     a background task (deadlines, automatic delivery and closing)

docs/workflow.md draws the diagram; keep it in step with TRANSITIONS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.proxy.models import Case, CaseEvent, Status

APPLICANT, AGENT, CLERK, SYSTEM = "applicant", "agent", "clerk", "system"
ACTOR_LABELS = {APPLICANT: "申请人", AGENT: "代办员", CLERK: "窗口人员", SYSTEM: "系统"}


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    # The target status; None means "decided by the action" (resubmit returns where it came from).
    target: str | None
    actors: frozenset[str]
    # Fields the action must be given (checked before the row is locked).
    required: tuple[str, ...] = ()
    # Whether the action stays available after the status the user saw has changed (only `rate`).
    needs_expected: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _t(
    action: str, label: str, sources: set[str], target: str | None, actors: set[str], **kw: Any
) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(actors), **kw)


BEFORE_ACCEPTANCE: set[str] = {Status.DRAFT, Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.FORWARDED}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", "提交申请", {Status.DRAFT}, Status.SUBMITTED, {APPLICANT, AGENT}),
        _t(
            "request_correction",
            "要求补正",
            {Status.SUBMITTED},
            Status.NEEDS_CORRECTION,
            {AGENT},
            required=("correction_items",),
        ),  # fmt: skip
        _t("resubmit", "补正后重新提交", {Status.NEEDS_CORRECTION}, None, {APPLICANT, AGENT}),
        _t("forward", "预审通过并转递", {Status.SUBMITTED}, Status.FORWARDED, {AGENT}, required=("window",)),
        _t("accept", "受理", {Status.FORWARDED}, Status.ACCEPTED, {CLERK}, required=("acceptance_number",)),
        _t("refuse", "不予受理", {Status.FORWARDED}, Status.REFUSED, {CLERK}, required=("reason",)),
        _t(
            "window_correction",
            "窗口要求补正",
            {Status.FORWARDED, Status.ACCEPTED},
            Status.NEEDS_CORRECTION,
            {CLERK},
            required=("correction_items",),
        ),  # fmt: skip
        _t("suspend", "中止办理", {Status.ACCEPTED}, Status.SUSPENDED, {CLERK}, required=("reason",)),
        _t("resume", "恢复办理", {Status.SUSPENDED}, Status.ACCEPTED, {CLERK}),
        _t(
            "terminate",
            "终止办理",
            {Status.ACCEPTED, Status.SUSPENDED},
            Status.TERMINATED,
            {CLERK},
            required=("reason",),
        ),  # fmt: skip
        _t(
            "complete",
            "办结",
            {Status.ACCEPTED},
            Status.COMPLETED,
            {CLERK},
            required=("result", "delivery_method"),
        ),  # fmt: skip
        _t("deliver", "确认送达", {Status.COMPLETED}, Status.DELIVERED, {APPLICANT, AGENT, SYSTEM}),
        _t("close", "归档", {Status.DELIVERED}, Status.CLOSED, {AGENT, SYSTEM}),
        _t("withdraw", "撤回申请", BEFORE_ACCEPTANCE, Status.WITHDRAWN, {APPLICANT, AGENT}),
    ]
}


class TransitionError(ValidationError):
    """The action is not allowed for this actor, or its input is invalid (HTTP 400/403/422)."""


class Conflict(Exception):
    """Someone else changed the case first (HTTP 409). Nothing was changed by this request."""

    def __init__(self, case: Case, message: str) -> None:
        super().__init__(message)
        self.case = case
        self.message = message


def blocked(case: Case, spec: Transition) -> str:
    """Why `spec` is not possible although the case's status is one of its sources ("" when it is).
    The one rule the status alone cannot say: a case waiting for a correction the window asked for
    after accepting it is past acceptance, and the citizen may withdraw only before acceptance."""
    if spec.action == "withdraw" and case.accepted_at is not None:
        return "办件已受理，不能撤回申请"
    return ""


def allowed_actions(case: Case, actor_kinds: set[str]) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if case.status in t.sources and t.actors & actor_kinds and not blocked(case, t)
    ]


def transition(
    *,
    case_id: int,
    action: str,
    actor: User | None,
    actor_kind: str,
    expected_status: str | None = None,
    note: str = "",
    params: dict[str, Any] | None = None,
) -> Case:
    """Move a case by one action, or raise. Locks the case row for the whole transaction, so two
    people acting at once are serialised: the second sees the first one's result and gets Conflict.

    `expected_status` is the status the person saw when they chose the action (pages always send it):
    if it has changed, the action is refused even when it would still be possible from the new status.
    """
    from shanghui.proxy import effects, summaries

    params = dict(params or {})
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise TransitionError(f"未知的操作：{action}")
    if actor_kind not in spec.actors:
        raise TransitionError(
            f"{ACTOR_LABELS.get(actor_kind, actor_kind)}不能执行“{spec.label}”", code="forbidden"
        )
    missing = [name for name in spec.required if not params.get(name)]
    if missing:
        raise TransitionError({name: "此项为必填项" for name in missing}, code="required")

    with transaction.atomic():
        # select_for_update: the row stays locked until commit, so concurrent actions queue here
        # and each sees the status the previous one left. Only the case's row (of=self): without it
        # PostgreSQL locks every joined row too, the item version and the proxy point, and every
        # action on any case of the same point or item would wait for this one. The organisations
        # come along for the notifications and the statistics (their paths), without more queries.
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("item_version", "proxy_point", "department", "window")
            .get(pk=case_id)
        )
        if expected_status is not None and case.status != expected_status:
            raise Conflict(case, f"办件状态已变为“{case.get_status_display()}”，请刷新后再操作")
        if case.status not in spec.sources:
            raise Conflict(case, f"办件当前状态为“{case.get_status_display()}”，不能执行“{spec.label}”")
        if reason := blocked(case, spec):
            raise Conflict(case, reason)
        now = timezone.now()
        counted_as = summaries.facts_of(case)
        from_status = case.status
        # resubmit has no fixed target: it returns to where the correction was asked from.
        target = spec.target or case.return_status
        changed = effects.apply(case, spec, params, now)
        case.status = target
        case.save(update_fields=sorted({*changed, "status", "updated_at"}))
        event = CaseEvent.objects.create(
            case=case,
            action=action,
            from_status=from_status,
            to_status=case.status,
            actor=actor,
            actor_kind=actor_kind,
            note=note or params.get("reason", "") or "",
            data=effects.event_data(spec, params),
            created_at=now,
        )
        effects.after(case, spec, event)
        # Last in the transaction: the statistics rows it updates stay locked only until the commit.
        summaries.record_change(counted_as, case)
    return case
