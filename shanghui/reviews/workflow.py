"""A chain's states and decisions on the workflow kernel.

    running ──approve (a step; the chain moves on)──► running ──conclude (every step done)──► approved
       │  ├─send_back (to an earlier step)─► running
       │  ├─rerun (the subject changed: the steps after the change run again)─► running
       │  ├─ask_more (需补充)──► more ──supply──► running
       │  ├─object (有异议 / 不通过, reason)──► rejected
       └──┴─withdraw──► withdrawn

Actor kinds: the reviewer of the active step (for a parallel step: of a department that has not
answered), the subject's side (who submitted the record: supplies material, withdraws), the system.
Decisions carry their parameters: `by` (the deciding user's id), `department` (parallel steps),
`opinion`, `reason`, `to_step`, `from_step`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.reviews.models import PARALLEL, Chain, ChainStep, Opinion, ReviewEvent, StepAnswer
from shanghui.reviews.owner import review_owner
from shanghui.workflow.clocks import Period
from shanghui.workflow.machine import SYSTEM, Machine, Transition, TransitionError, action, table

REVIEWER, SUBJECT = "reviewer", "subject"
S = Chain.Status
FINAL = {S.APPROVED, S.REJECTED, S.WITHDRAWN}


def activate(chain: Chain, step: ChainStep, now: dt.datetime) -> None:
    """Start a step: its due time on the working-day calendar, its hard-rule checks, its departments."""
    step.state = ChainStep.State.ACTIVE
    step.started_at = now
    step.due_at = Period(step.days).due(now)
    step.done_at = None
    step.decided_by = None
    step.opinion = ""
    step.overdue_flagged = False
    owner = review_owner(chain.owner_type)
    step.check_failures = [f for name in step.checks for f in owner.check(chain.owner_id, name)]
    step.save()
    if step.kind == PARALLEL:
        step.answers.update(opinion="", note="", answered_by=None, answered_at=None)
    _schedule_reminder(step)


def _schedule_reminder(step: ChainStep) -> None:
    from shanghui.reviews.tasks import check_step

    assert step.due_at is not None
    check_step.using(run_after=step.due_at).enqueue(step.pk, step.due_at.isoformat())


def _step(chain: Chain) -> ChainStep:
    step = chain.steps.filter(index=chain.current).first()
    if step is None:
        raise TransitionError(gettext("审查已没有待办步骤"))
    return step


def _answer(step: ChainStep, params: dict[str, Any]) -> StepAnswer:
    raw = params.get("department")
    answer = step.answers.filter(department_id=raw, opinion="").first() if raw else None
    if answer is None:
        raise TransitionError({"department": gettext("请选择尚未答复的联审部门")})
    return answer


def _finish_step(chain: Chain, step: ChainStep, by: int | None, opinion: str, now: dt.datetime) -> None:
    step.state = ChainStep.State.DONE
    step.done_at = now
    step.decided_by_id = by
    step.opinion = opinion
    step.approved_version = chain.subject_version
    step.save()


def _advance(chain: Chain, by: int | None, now: dt.datetime, params: dict[str, Any]) -> None:
    """Move to the next step; a reviewer who also sits on the next step is asked once, recorded for both."""
    from shanghui.reviews.reviewers import slot_people

    steps = {s.index: s for s in chain.steps.all()}
    chain.current += 1
    while chain.current in steps:
        step = steps[chain.current]
        activate(chain, step, now)
        if by is None or step.kind == PARALLEL or step.check_failures or by not in slot_people(chain, step):
            return
        _finish_step(chain, step, by, gettext("同一审查人已在上一步审查，一并记录"), now)
        params.setdefault("also", []).append(step.label)
        chain.current += 1


def _approve(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    step = _step(chain)
    by = params.get("by")
    params["step"] = step.label
    if step.kind == PARALLEL:
        answer = _answer(step, params)
        answer.opinion, answer.note = Opinion.AGREE, str(params.get("opinion") or "")
        answer.answered_by_id, answer.answered_at = by, now
        answer.save()
        params["department_name"] = answer.department.name
        if step.answers.exclude(opinion=Opinion.AGREE).exists():
            return []  # the step completes only when every department has answered 无异议
        _finish_step(chain, step, None, gettext("各部门均无异议"), now)
    else:
        _finish_step(chain, step, by, str(params.get("opinion") or ""), now)
    _advance(chain, by, now, params)
    return ["current"]


def _object(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    step = _step(chain)
    params["step"] = step.label
    if step.kind == PARALLEL:
        answer = _answer(step, params)
        answer.opinion, answer.note = Opinion.OBJECT, str(params["reason"])
        answer.answered_by_id, answer.answered_at = params.get("by"), now
        answer.save()
        params["department_name"] = answer.department.name
    chain.reason = str(params["reason"])
    chain.finished_at = now
    return ["reason", "finished_at"]


def _ask_more(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    step = _step(chain)
    params["step"] = step.label
    if step.kind == PARALLEL:
        answer = _answer(step, params)
        answer.opinion, answer.note = Opinion.MORE, str(params["reason"])
        answer.answered_by_id, answer.answered_at = params.get("by"), now
        answer.save()
        params["department_name"] = answer.department.name
    chain.reason = str(params["reason"])
    return ["reason"]


def _supply(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    step = _step(chain)
    # The departments that asked answer again; those that agreed keep their answer. The time restarts.
    step.answers.filter(opinion=Opinion.MORE).update(opinion="", note="", answered_by=None, answered_at=None)
    step.due_at = Period(step.days).due(now)
    step.overdue_flagged = False
    step.save(update_fields=["due_at", "overdue_flagged"])
    _schedule_reminder(step)
    chain.reason = ""
    return ["reason"]


def _to_index(chain: Chain, params: dict[str, Any], name: str, default: int) -> int:
    raw = params.get(name)
    try:
        index = default if raw in (None, "") else int(str(raw))
    except (TypeError, ValueError):
        raise TransitionError({name: gettext("步骤无效")}) from None
    if not 0 <= index < chain.steps.count():
        raise TransitionError({name: gettext("步骤无效")})
    return index


def _restart_from(chain: Chain, index: int, now: dt.datetime) -> None:
    chain.steps.filter(index__gte=index).update(
        state=ChainStep.State.PENDING, done_at=None, decided_by=None, approved_version=None
    )
    chain.current = index
    activate(chain, chain.steps.get(index=index), now)


def _send_back(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    index = _to_index(chain, params, "to_step", chain.current - 1)
    if index >= chain.current:
        raise TransitionError({"to_step": gettext("只能退回到之前的步骤")})
    _restart_from(chain, index, now)
    params["to"] = chain.steps.get(index=index).label
    return ["current"]


def _rerun(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    """The subject changed: every step from the one the change concerns runs again (the steps after it
    approved an older version), or only the active one when the change concerns a later step."""
    index = min(_to_index(chain, params, "from_step", 0), chain.current)
    chain.subject_version += 1
    _restart_from(chain, index, now)
    params["to"] = chain.steps.get(index=index).label
    return ["current", "subject_version"]


def _end(chain: Chain, params: dict[str, Any], now: dt.datetime) -> list[str]:
    chain.finished_at = now
    return ["finished_at"]


def _blocked(chain: Chain, spec: Transition) -> str:
    steps = chain.steps.count()
    if spec.action == "conclude":
        return "" if chain.current >= steps else gettext("还有审查步骤未完成")
    if spec.action in {"approve", "object", "ask_more", "send_back"}:
        if chain.current >= steps:
            return gettext("各步骤均已完成，等待审查结论")
        if spec.action == "send_back" and chain.current == 0:
            return gettext("第一步不能退回")
        if spec.action == "approve":
            failures = (
                chain.steps.filter(index=chain.current).values_list("check_failures", flat=True).first()
            )
            if failures:
                return "硬性条件未通过：" + "；".join(failures)
    return ""


def _event_data(spec: Transition, params: dict[str, Any]) -> dict[str, Any]:
    keep = ("step", "department", "department_name", "to", "also", "opinion")
    return {k: params[k] for k in keep if params.get(k) not in (None, "", [])}


def _audit(chain: Chain, spec: Transition, event: ReviewEvent, before: Any) -> None:
    audit(
        actor=event.actor,
        action=AuditAction.REVIEW_DECIDE,
        obj=chain,
        object_repr=chain.title,
        detail={"action": spec.action, "step": event.data.get("step", ""), "status": chain.status},
    )


def _finished(chain: Chain, spec: Transition, event: ReviewEvent, before: Any) -> None:
    if chain.status in FINAL:
        review_owner(chain.owner_type).chain_finished(chain.owner_id, chain)


MACHINE: Machine[Chain] = Machine(
    model=Chain,
    events=ReviewEvent,
    event_fk="chain",
    noun=gettext_noop("审查"),
    actor_labels={
        REVIEWER: gettext_noop("审查人"),
        SUBJECT: gettext_noop("申报方"),
        SYSTEM: gettext_noop("系统"),
    },
    table=table(
        action("approve", gettext_noop("审查通过"), {S.RUNNING}, S.RUNNING, {REVIEWER}),
        action("ask_more", gettext_noop("需补充材料"), {S.RUNNING}, S.MORE, {REVIEWER}, required=("reason",)),
        action(
            "send_back", gettext_noop("退回重审"), {S.RUNNING}, S.RUNNING, {REVIEWER}, required=("reason",)
        ),
        action(
            "object",
            gettext_noop("有异议（不通过）"),
            {S.RUNNING},
            S.REJECTED,
            {REVIEWER},
            required=("reason",),
        ),
        action("supply", gettext_noop("补充材料"), {S.MORE}, S.RUNNING, {SUBJECT}),
        action(
            "rerun", gettext_noop("内容变更，重新审查"), {S.RUNNING, S.MORE}, S.RUNNING, {SUBJECT, SYSTEM}
        ),
        action("withdraw", gettext_noop("撤回"), {S.RUNNING, S.MORE}, S.WITHDRAWN, {SUBJECT}),
        action("conclude", gettext_noop("审查完成"), {S.RUNNING}, S.APPROVED, {SYSTEM}),
    ),
    effects={
        "approve": _approve,
        "object": _object,
        "ask_more": _ask_more,
        "supply": _supply,
        "send_back": _send_back,
        "rerun": _rerun,
        "withdraw": _end,
        "conclude": _end,
    },
    blocked=_blocked,
    event_data=_event_data,
    after=[_audit, _finished],
    other_events={"start": gettext_noop("发起审查"), "overdue": gettext_noop("审查超时提醒")},
)


def now() -> dt.datetime:
    return timezone.now()
