"""A candidate's states on the workflow kernel.

    draft ──start (五步审查 begins)──► vetting ──pass_ (chain approved)──► approved ──publish──► publicity
      │                                 ├─fail (有异议 / 不通过)──► rejected             ├─confirm──► final
      └──────withdraw───────────────────┴─withdraw──► withdrawn                        └─strike (异议成立)──► rejected

The chain itself (reviews engine) decides pass_ and fail; publicity (publicity engine) decides confirm
and strike. Staff of the chamber or the federation start vetting and withdraw.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext, gettext_noop

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.party.models import Candidate, CandidateEvent
from shanghui.workflow.machine import SYSTEM, Machine, Transition, action, table

STAFF = "staff"
S = Candidate.Status
CANDIDATE_OWNER = "party.candidate"
ELECTION_OWNER = "party.election"
TEMPLATE_CODE = "five-step"


def _start(candidate: Candidate, params: dict[str, Any], now: dt.datetime) -> list[str]:
    from shanghui.reviews.models import ChainTemplate
    from shanghui.reviews.services import start_chain

    template = ChainTemplate.objects.filter(code=TEMPLATE_CODE).first()
    if template is None:
        from shanghui.workflow.machine import TransitionError

        raise TransitionError(gettext("五步审查模板尚未配置"))
    start_chain(
        owner_type=CANDIDATE_OWNER, owner_id=candidate.pk, template=template,
        title=f"{candidate.election.chamber.name} {candidate.get_position_display()}候选人 {candidate.name}",
        actor=params.get("actor"),
    )  # fmt: skip
    return []


def _audit(candidate: Candidate, spec: Transition, event: CandidateEvent, before: Any) -> None:
    audit(actor=event.actor, action=AuditAction.PARTY_CANDIDATE_SAVE, obj=candidate,
          detail={"action": spec.action, "status": candidate.status})  # fmt: skip


MACHINE: Machine[Candidate] = Machine(
    model=Candidate,
    events=CandidateEvent,
    event_fk="candidate",
    noun=gettext_noop("候选人"),
    actor_labels={STAFF: gettext_noop("党务工作人员"), SYSTEM: gettext_noop("系统")},
    select_related=("election__chamber",),
    table=table(
        action("start", gettext_noop("发起五步审查"), {S.DRAFT}, S.VETTING, {STAFF}),
        action("pass_", gettext_noop("五步审查通过"), {S.VETTING}, S.APPROVED, {SYSTEM}),
        action("fail", gettext_noop("审查未通过"), {S.VETTING}, S.REJECTED, {SYSTEM}),
        action("withdraw", gettext_noop("撤回"), {S.DRAFT, S.VETTING}, S.WITHDRAWN, {STAFF, SYSTEM}),
        action("publish", gettext_noop("列入公示名单"), {S.APPROVED}, S.PUBLICITY, {STAFF, SYSTEM}),
        action("confirm", gettext_noop("公示无异议，确定人选"), {S.PUBLICITY}, S.FINAL, {SYSTEM}),
        action("strike", gettext_noop("公示异议成立"), {S.PUBLICITY}, S.REJECTED, {SYSTEM}),
    ),
    effects={"start": _start},
    after=[_audit],
    other_events={
        "create": gettext_noop("登记候选人"),
        "self_check": gettext_noop("候选人自荐自查"),
        "update": gettext_noop("修改候选人信息"),
    },
)
