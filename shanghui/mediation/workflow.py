"""The dispute's state machine, declared with the workflow kernel (shanghui/workflow/machine.py).

Who acts (`actor_kind`, access.actor_kinds says who holds which on a dispute):
  applicant   a party on the applicant side (on the phone, with the proved mobile)
  respondent  a party on the respondent side (on the phone): agrees to mediation or refuses (art. 17)
  committee   an admin of the dispute's committee (acceptance, assignment, extension, records for parties)
  mediator    a mediator assigned to the dispute (sessions, the outcome, confirmation, follow-up)
  system      a background task (deadline checks only write events, never move a dispute)

docs/mediation.md draws the diagram; keep it in step with TRANSITIONS.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from shanghui.mediation import clocks
from shanghui.mediation.clocks import CLOCKS, DEADLINES
from shanghui.mediation.models import (
    CourtDecision,
    Dispute,
    DisputeEvent,
    Outcome,
    Party,
    Side,
    Status,
)
from shanghui.notify.services import notify_mobile, notify_users, schedule_delivery
from shanghui.workflow.machine import SYSTEM, Conflict, Machine, Transition, TransitionError, action, table

__all__ = [
    "ACTOR_LABELS", "APPLICANT", "COMMITTEE", "MACHINE", "MEDIATOR", "RESPONDENT", "SYSTEM", "TRANSITIONS",
    "Conflict", "Transition", "TransitionError",
]  # fmt: skip

APPLICANT, RESPONDENT, COMMITTEE, MEDIATOR = "applicant", "respondent", "committee", "mediator"
ACTOR_LABELS = {
    APPLICANT: gettext_noop("申请人"),
    RESPONDENT: gettext_noop("被申请人"),
    COMMITTEE: gettext_noop("调委会"),
    MEDIATOR: gettext_noop("调解员"),
    SYSTEM: gettext_noop("系统"),
}
PARTIES = {APPLICANT, RESPONDENT}
S = Status

# The advice every party is owed when mediation does not happen or fails (人民调解法 art. 26).
OTHER_CHANNELS = gettext_noop("可依法通过仲裁、行政途径或者向人民法院提起诉讼等方式解决纠纷。")

TRANSITIONS = table(
    action("accept", gettext_noop("受理"), {S.FILED}, S.AWAITING_CONSENT, {COMMITTEE}),
    action("decline", gettext_noop("不予受理"), {S.FILED}, S.DECLINED, {COMMITTEE}, required=("reason",)),
    action("consent", gettext_noop("同意调解"), {S.AWAITING_CONSENT}, S.MEDIATING, {RESPONDENT, COMMITTEE}),
    action("refuse", gettext_noop("拒绝调解"), {S.AWAITING_CONSENT}, S.REFUSED, {RESPONDENT, COMMITTEE}),
    action("extend", gettext_noop("延长调解期限"), {S.MEDIATING}, S.MEDIATING, {COMMITTEE, MEDIATOR}, required=("reason",)),
    action("record_agreement", gettext_noop("达成书面调解协议"), {S.MEDIATING}, S.AGREEMENT_DRAFTED, {MEDIATOR},
           required=("issues", "terms", "performance_method")),
    action("revise_agreement", gettext_noop("退回修改协议"), {S.AGREEMENT_DRAFTED}, S.MEDIATING, {MEDIATOR}),
    action("sign", gettext_noop("协议签章生效"), {S.AGREEMENT_DRAFTED}, S.IN_EFFECT, {MEDIATOR, COMMITTEE},
           required=("signed_scan",)),
    action("oral_agreement", gettext_noop("记录口头协议"), {S.MEDIATING}, S.PERFORMING, {MEDIATOR}, required=("terms",)),
    action("no_agreement", gettext_noop("调解不成"), {S.MEDIATING}, S.FAILED, {MEDIATOR}, required=("advice",)),
    action("apply_confirmation", gettext_noop("申请司法确认"), {S.IN_EFFECT}, S.CONFIRMING, {MEDIATOR, COMMITTEE},
           required=("court",)),
    action("skip_confirmation", gettext_noop("不申请司法确认"), {S.IN_EFFECT}, S.PERFORMING, {MEDIATOR, COMMITTEE}),
    action("confirmation_granted", gettext_noop("法院裁定确认有效"), {S.CONFIRMING}, S.PERFORMING, {MEDIATOR, COMMITTEE},
           required=("ruling_number",)),
    action("confirmation_rejected", gettext_noop("法院驳回确认申请"), {S.CONFIRMING}, S.FAILED, {MEDIATOR, COMMITTEE},
           required=("reason",)),
    action("record_performance", gettext_noop("回访并结案"), {S.PERFORMING}, S.CLOSED, {MEDIATOR, COMMITTEE},
           required=("performance",)),
    action("withdraw", gettext_noop("撤回申请"), {S.FILED, S.AWAITING_CONSENT, S.MEDIATING}, S.WITHDRAWN, {APPLICANT, COMMITTEE}),
)  # fmt: skip

OUTCOME_ACTIONS = frozenset({"record_agreement", "oral_agreement", "no_agreement"})


def blocked(dispute: Dispute, spec: Transition) -> str:
    """The rules the status alone cannot say ("" when the action is possible)."""
    if spec.action == "extend" and dispute.extended:
        return gettext("调解期限只能延长一次")
    if spec.action in OUTCOME_ACTIONS:
        active = dispute.assignments.filter(recused_at__isnull=True)
        if not active.exists():
            return gettext("请先指派调解员")
        if active.filter(declared_at__isnull=True).exists():
            return gettext("调解员尚未全部作出无利害关系声明")
        if spec.action != "no_agreement" and not dispute.sessions.filter(held_at__isnull=False).exists():
            return gettext("尚未举行调解会并记录笔录")
    return ""


# --- Effects: what each action changes besides the status ------------------------------------------


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if amount < 0:
        raise TransitionError({"settled_amount": gettext("金额不能为负数")})
    return amount


def _day(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise TransitionError({"performance_due": gettext("请输入有效日期，如 2026-12-31")}) from None


def _accept(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    return [*CLOCKS.stop(d, "acceptance", now), *CLOCKS.start(d, "mediation", now, clocks.mediation_period())]


def _decline(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    d.decline_reason = str(p["reason"])
    d.advice = OTHER_CHANNELS
    d.closed_at = now
    return ["decline_reason", "advice", "closed_at"]


def _consent(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    Party.objects.filter(dispute=d, side=Side.RESPONDENT).update(consent=True)
    return []


def _refuse(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    # Art. 17: no mediation when a party refuses. The dispute ends, with the other ways out.
    Party.objects.filter(dispute=d, side=Side.RESPONDENT).update(consent=False)
    d.advice = OTHER_CHANNELS
    d.outcome_at = d.closed_at = now
    return ["advice", "outcome_at", "closed_at"]


def _extend(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    assert d.mediation_due_at is not None  # running while mediating
    d.mediation_due_at = clocks.mediation_period().due(d.mediation_due_at)
    d.extended = True
    return ["mediation_due_at", "extended"]


def _agreement_fields(d: Dispute, p: dict[str, Any]) -> list[str]:
    d.terms = str(p.get("terms") or "").strip()
    d.issues = str(p.get("issues") or "").strip()
    d.performance_method = str(p.get("performance_method") or "").strip()
    d.performance_due = _day(p.get("performance_due"))
    d.settled_amount = _money(p.get("settled_amount"))
    return ["terms", "issues", "performance_method", "performance_due", "settled_amount"]


def _record_agreement(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    changed = _agreement_fields(d, p)
    d.outcome = Outcome.WRITTEN
    return [*changed, "outcome", *CLOCKS.stop(d, "mediation", now)]


def _revise(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    # Back to mediation: the mediation clock runs on to its due time.
    d.outcome, d.outcome_at = Outcome.NONE, None
    return ["outcome", "outcome_at"]


def _sign(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    scan = p["signed_scan"]
    d.signed_scan.save(f"agreement-{d.pk}{getattr(scan, 'extension', '.pdf')}", scan, save=False)
    return ["signed_scan", *CLOCKS.start(d, "confirmation", now, clocks.confirmation_period())]


def _oral(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    changed = _agreement_fields(d, p)
    d.outcome = Outcome.ORAL
    return [*changed, "outcome", *CLOCKS.stop(d, "mediation", now), *clocks.start_follow_up(d, now)]


def _no_agreement(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    d.outcome = Outcome.NO_AGREEMENT
    d.advice = str(p["advice"]).strip()
    d.handed_to_court = bool(p.get("handed_to_court"))
    d.closed_at = now
    return ["outcome", "advice", "handed_to_court", "closed_at", *CLOCKS.stop(d, "mediation", now)]


def _apply_confirmation(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    d.court = str(p["court"]).strip()[:100]
    return ["court", *CLOCKS.stop(d, "confirmation", now)]


def _skip_confirmation(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    return clocks.start_follow_up(d, now)


def _granted(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    d.court_decision = CourtDecision.GRANTED
    d.ruling_number = str(p["ruling_number"]).strip()[:60]
    return ["court_decision", "ruling_number", *clocks.start_follow_up(d, now)]


def _rejected(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    d.court_decision = CourtDecision.REJECTED
    d.advice = gettext("当事人可以通过调解方式变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼。")
    d.closed_at = now
    return ["court_decision", "advice", "closed_at"]


def _record_performance(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    from shanghui.mediation.models import Performance

    value = str(p["performance"])
    if value not in {Performance.PERFORMED, Performance.PARTLY, Performance.NOT_PERFORMED}:
        raise TransitionError({"performance": gettext("请选择履行情况")})
    d.performance = value
    d.closed_at = now
    return ["performance", "closed_at"]


def _withdraw(d: Dispute, p: dict[str, Any], now: dt.datetime) -> list[str]:
    d.closed_at = now
    fields = ["closed_at"]
    if d.accepted_at:
        fields += CLOCKS.stop(d, "mediation", now)
    return fields


EFFECTS = {
    "accept": _accept, "decline": _decline, "consent": _consent, "refuse": _refuse, "extend": _extend,
    "record_agreement": _record_agreement, "revise_agreement": _revise, "sign": _sign, "oral_agreement": _oral,
    "no_agreement": _no_agreement, "apply_confirmation": _apply_confirmation,
    "skip_confirmation": _skip_confirmation, "confirmation_granted": _granted, "confirmation_rejected": _rejected,
    "record_performance": _record_performance, "withdraw": _withdraw,
}  # fmt: skip


def event_data(spec: Transition, params: dict[str, Any]) -> dict[str, Any]:
    """What the timeline keeps of an action's inputs: choices, never names or amounts."""
    keep = {"performance", "handed_to_court"}
    return {k: params[k] for k in keep if k in params and not hasattr(params[k], "read")}


# Actions the parties hear of by SMS (the dispute's number and its new status).
PARTIES_TOLD = frozenset({
    "accept", "decline", "consent", "refuse", "record_agreement", "sign", "oral_agreement", "no_agreement",
    "confirmation_granted", "confirmation_rejected", "record_performance",
})  # fmt: skip


def _after(dispute: Dispute, spec: Transition, event: DisputeEvent, before: Any) -> None:
    """In the transaction: the deadline checks of the clock the action started, the parties told by SMS,
    and the mediators and committee admins told in the app (keyed by the event: written once)."""
    DEADLINES.schedule(dispute)
    status = dispute.get_status_display()
    if spec.action in PARTIES_TOLD:
        for mobile in sorted(set(dispute.parties.values_list("mobile", flat=True))):
            notify_mobile(
                mobile=mobile, event="mediation.update", key=f"dispute:{dispute.pk}:event:{event.pk}:{mobile}",
                template="dispute_update", params={"number": dispute.number, "status": str(status)[:20]},
                title=f"纠纷{dispute.number}{status}", subject=f"mediation.dispute:{dispute.pk}",
                organisation=dispute.committee.chamber_id, deliver=False,
            )  # fmt: skip
        schedule_delivery()
    staff = [u for u in {*clocks.mediators_of(dispute), *clocks.admins_of(dispute)} if u.pk != event.actor_id]
    notify_users(users=staff, event="mediation.update", key=f"dispute:{dispute.pk}:event:{event.pk}",
                 title=f"纠纷{dispute.number}：{spec.label}", body=f"当前状态：{status}",
                 url=reverse("mediation:detail", args=[dispute.pk]), subject=f"mediation.dispute:{dispute.pk}")  # fmt: skip


MACHINE: Machine[Dispute] = Machine(
    model=Dispute,
    events=DisputeEvent,
    event_fk="dispute",
    table=TRANSITIONS,
    actor_labels=ACTOR_LABELS,
    noun=gettext_noop("纠纷"),
    select_related=("committee",),
    effects=EFFECTS,
    blocked=blocked,
    event_data=event_data,
    after=[_after],
    other_events={
        "create": gettext_noop("登记纠纷"), "assign": gettext_noop("指派调解员"), "declare": gettext_noop("调解员声明无利害关系"), "recuse": gettext_noop("调解员回避"),
        "schedule": gettext_noop("安排调解会"), "minutes": gettext_noop("记录调解笔录"), "upload": gettext_noop("上传材料"), "overdue": gettext_noop("超期提醒"),
        "share": gettext_noop("向当事人公开笔录"),
    },
)  # fmt: skip


def allowed_actions(dispute: Dispute, actor_kinds: set[str]) -> list[Transition]:
    return MACHINE.allowed(dispute, actor_kinds)
