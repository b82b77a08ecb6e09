"""The proxy case state machine, declared with the workflow kernel (shanghui/workflow/machine.py):
the transition table, and the machine that moves a case with this programme's effects.

Who acts (`actor_kind`):
  applicant  the citizen (after the one-time-code check), or an agent entering for them
  agent      a proxy agent of the case's proxy point
  clerk      a window clerk of the window the case was forwarded to
  system     a background task (deadlines, automatic delivery and closing)

docs/workflow.md draws the diagram; keep it in step with TRANSITIONS.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from shanghui.accounts.models import User
from shanghui.proxy import effects, summaries
from shanghui.proxy.models import Case, CaseEvent, Status
from shanghui.workflow.machine import SYSTEM, Conflict, Machine, Transition, TransitionError, action, table

__all__ = [
    "ACTOR_LABELS", "AGENT", "APPLICANT", "BEFORE_ACCEPTANCE", "CLERK", "MACHINE", "SYSTEM", "TRANSITIONS",
    "Conflict", "Transition", "TransitionError", "allowed_actions", "blocked", "transition",
]  # fmt: skip

APPLICANT, AGENT, CLERK = "applicant", "agent", "clerk"
ACTOR_LABELS = {
    APPLICANT: gettext_noop("申请人"),
    AGENT: gettext_noop("代办员"),
    CLERK: gettext_noop("窗口人员"),
    SYSTEM: gettext_noop("系统"),
}

BEFORE_ACCEPTANCE: set[str] = {Status.DRAFT, Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.FORWARDED}

TRANSITIONS = table(
    action("submit", gettext_noop("提交申请"), {Status.DRAFT}, Status.SUBMITTED, {APPLICANT, AGENT}),
    action("request_correction", gettext_noop("要求补正"), {Status.SUBMITTED}, Status.NEEDS_CORRECTION, {AGENT},
           required=("correction_items",)),
    # No fixed target: a resubmission returns to where the correction was asked from.
    action("resubmit", gettext_noop("补正后重新提交"), {Status.NEEDS_CORRECTION}, None, {APPLICANT, AGENT}),
    action("forward", gettext_noop("预审通过并转递"), {Status.SUBMITTED}, Status.FORWARDED, {AGENT}, required=("window",)),
    action("accept", gettext_noop("受理"), {Status.FORWARDED}, Status.ACCEPTED, {CLERK}, required=("acceptance_number",)),
    action("refuse", gettext_noop("不予受理"), {Status.FORWARDED}, Status.REFUSED, {CLERK}, required=("reason",)),
    action("window_correction", gettext_noop("窗口要求补正"), {Status.FORWARDED, Status.ACCEPTED}, Status.NEEDS_CORRECTION,
           {CLERK}, required=("correction_items",)),
    action("suspend", gettext_noop("中止办理"), {Status.ACCEPTED}, Status.SUSPENDED, {CLERK}, required=("reason",)),
    action("resume", gettext_noop("恢复办理"), {Status.SUSPENDED}, Status.ACCEPTED, {CLERK}),
    action("terminate", gettext_noop("终止办理"), {Status.ACCEPTED, Status.SUSPENDED}, Status.TERMINATED, {CLERK},
           required=("reason",)),
    action("complete", gettext_noop("办结"), {Status.ACCEPTED}, Status.COMPLETED, {CLERK}, required=("result", "delivery_method")),
    action("deliver", gettext_noop("确认送达"), {Status.COMPLETED}, Status.DELIVERED, {APPLICANT, AGENT, SYSTEM}),
    action("close", gettext_noop("归档"), {Status.DELIVERED}, Status.CLOSED, {AGENT, SYSTEM}),
    action("withdraw", gettext_noop("撤回申请"), BEFORE_ACCEPTANCE, Status.WITHDRAWN, {APPLICANT, AGENT}),
)  # fmt: skip


def blocked(case: Case, spec: Transition) -> str:
    """Why `spec` is not possible although the case's status is one of its sources ("" when it is).
    The one rule the status alone cannot say: a case waiting for a correction the window asked for
    after accepting it is past acceptance, and the citizen may withdraw only before acceptance."""
    if spec.action == "withdraw" and case.accepted_at is not None:
        return gettext("办件已受理，不能撤回申请")
    return ""


def _return_status(case: Case, spec: Transition) -> str:
    return case.return_status


def _record_statistics(case: Case, spec: Transition, event: CaseEvent, counted_as: Any) -> None:
    # Last in the transaction: the statistics rows it updates stay locked only until the commit.
    summaries.record_change(counted_as, case)


MACHINE: Machine[Case] = Machine(
    model=Case,
    events=CaseEvent,
    event_fk="case",
    table=TRANSITIONS,
    actor_labels=ACTOR_LABELS,
    noun=gettext_noop("办件"),
    # The organisations come along for the notifications and the statistics (their paths).
    select_related=("item_version", "proxy_point", "department", "window"),
    effects=effects.EFFECTS,
    blocked=blocked,
    target_of=_return_status,
    event_data=effects.event_data,
    snapshot=summaries.facts_of,
    after=[effects.after, _record_statistics],
    # Besides the actions above, the timeline shows these (written with MACHINE.record_event).
    other_events={
        "create": gettext_noop("创建办件"),
        "rate": gettext_noop("评价"),
        "overdue": gettext_noop("超期提醒"),
    },
)


def allowed_actions(case: Case, actor_kinds: set[str]) -> list[Transition]:
    return MACHINE.allowed(case, actor_kinds)


def transition(
    *,
    case_id: int,
    action: str,
    actor: User | None,
    actor_kind: str,
    expected_status: str | None = None,
    note: str = "",
    params: dict[str, Any] | None = None,
    locked: Case | None = None,
) -> Case:
    """Move a case by one action, or raise TransitionError / Conflict having changed nothing
    (workflow.machine.Machine.transition; `locked`: the case already read under its row lock in the
    caller's transaction, with the machine's select_related)."""
    return MACHINE.transition(
        pk=case_id, action=action, actor=actor, actor_kind=actor_kind, expected_status=expected_status,
        note=note, params=params, locked=locked,
    )  # fmt: skip
