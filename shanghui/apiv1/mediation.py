"""/api/v1/mediation/: dispute mediation for other systems (a court's or the city's dispute platform) and
the pages' scripts. The same access rules as the pages (shanghui/mediation/access.py: a dispute is
visible only to its committee's admins and its mediators — 404 for anyone else, chamber and federation
staff included; they get the statistics), the same services and the same workflow: 403 for an action
that is not yours, 409 when the dispute moved on, 422 for bad input, nothing changed in each case.
Opening a dispute as someone who is not its mediator is audited, as on the pages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja import Status as WithStatus
from pydantic import ConfigDict

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import with_errors
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.bounds import Day, Int, Moment
from shanghui.mediation import access, services
from shanghui.mediation.clocks import CLOCKS
from shanghui.mediation.models import (
    Committee,
    Dispute,
    Kind,
    Party,
    PartyKind,
    Performance,
    Side,
    Source,
    Status,
)
from shanghui.mediation.queries import figures
from shanghui.mediation.workflow import MACHINE, TRANSITIONS
from shanghui.orgs.access import scope_for

router = Router(tags=["纠纷调解"])

# Signing needs the signed scan (a file): on the dispute page. Every other action is here.
ActionName = Enum("ActionName", {name: name for name in TRANSITIONS if name != "sign"}, type=str)  # type: ignore[misc]


class PartyOut(Schema):
    side: Side
    kind: PartyKind
    name: str
    credit_code: str
    representative: str
    mobile: str
    consent: bool | None


class MediatorOut(Schema):
    assignment_id: int
    mediator_id: int
    name: str
    chosen_by_parties: bool
    conflicts: list[str] = Field(description="利害关系检查发现的情形（指派时）")
    override_reason: str
    declared_at: dt.datetime | None
    recused_at: dt.datetime | None


class SessionOut(Schema):
    id: int
    scheduled_at: dt.datetime
    place: str
    online: bool
    public: bool
    held_at: dt.datetime | None
    minutes: str
    shared_with_parties: bool


class ClockOut(Schema):
    key: str
    label: str
    due: dt.datetime | None
    state: str


class ActionOut(Schema):
    action: str
    label: str


class DisputeSummary(Schema):
    id: int
    number: str
    committee_id: int
    committee: str
    status: Status
    status_label: str
    source: Source
    kind: Kind
    amount: Decimal
    external_number: str
    filed_at: dt.datetime
    mediation_due_at: dt.datetime | None


class DisputeOut(DisputeSummary):
    delegated_by: str
    facts: str
    claims: str
    outcome: str
    issues: str
    terms: str
    performance_method: str
    performance_due: dt.date | None
    settled_amount: Decimal | None
    advice: str
    court: str
    court_decision: str
    ruling_number: str
    performance: str
    extended: bool
    parties: list[PartyOut]
    mediators: list[MediatorOut]
    sessions: list[SessionOut]
    clocks: list[ClockOut]
    allowed_actions: list[ActionOut] = Field(description="您现在可以执行的操作")


class DisputePage(Schema):
    items: list[DisputeSummary]
    next_cursor: str | None


class DisputeFilters(PageParams):
    q: str = Field("", max_length=100, description="纠纷编号、委派案号或当事人名称包含")
    status: Status | None = None
    kind: Kind | None = None
    source: Source | None = None
    committee: Int | None = Field(None, description="调解委员会 id")


def summary_json(d: Dispute) -> dict[str, Any]:
    return {
        "id": d.pk, "number": d.number, "committee_id": d.committee_id, "committee": d.committee.name,
        "status": d.status, "status_label": str(d.get_status_display()), "source": d.source, "kind": d.kind,
        "amount": d.amount, "external_number": d.external_number, "filed_at": d.filed_at,
        "mediation_due_at": d.mediation_due_at,
    }  # fmt: skip


def dispute_json(d: Dispute, kinds: set[str]) -> dict[str, Any]:
    now = timezone.now()
    return {
        **summary_json(d),
        **{f: getattr(d, f) for f in ("delegated_by", "facts", "claims", "outcome", "issues", "terms",
                                      "performance_method", "performance_due", "settled_amount", "advice", "court",
                                      "court_decision", "ruling_number", "performance", "extended")},
        "parties": [{"side": p.side, "kind": p.kind, "name": p.name, "credit_code": p.credit_code,
                     "representative": p.representative, "mobile": p.mobile, "consent": p.consent}
                    for p in d.parties.all()],
        "mediators": [{"assignment_id": a.pk, "mediator_id": a.mediator_id, "name": a.mediator.display_name,
                       "chosen_by_parties": a.chosen_by_parties, "conflicts": [c.get("label", "") for c in a.conflicts],
                       "override_reason": a.override_reason, "declared_at": a.declared_at, "recused_at": a.recused_at}
                      for a in d.assignments.select_related("mediator")],
        "sessions": [{"id": s.pk, "scheduled_at": s.scheduled_at, "place": s.place, "online": s.online,
                      "public": s.public, "held_at": s.held_at, "minutes": s.minutes,
                      "shared_with_parties": s.shared_with_parties} for s in d.sessions.all()],
        "clocks": [{"key": c.key, "label": c.label, "due": c.due, "state": c.state} for c in CLOCKS.states(d, now)],
        "allowed_actions": [{"action": t.action, "label": t.label} for t in MACHINE.allowed(d, kinds)],
    }  # fmt: skip


def _require_pages(request: HttpRequest) -> Any:
    user = user_of(request)
    if not access.can_use_dispute_pages(user):
        raise PermissionDenied("纠纷只对调委会管理员和调解员开放；统计见 /api/v1/mediation/stats")
    return user


@router.get("/disputes", response=with_errors({200: DisputePage}), summary="纠纷列表（新登记的在前）")
def list_disputes(request: HttpRequest, filters: Query[DisputeFilters]) -> dict[str, Any]:
    user = _require_pages(request)
    rows = access.disputes_for_user(user).select_related("committee")
    if q := filters.q.strip():
        rows = rows.filter(Q(number__icontains=q) | Q(external_number__icontains=q)
                           | Q(pk__in=Party.objects.filter(name__icontains=q).values("dispute_id")))  # fmt: skip
    for name in ("status", "kind", "source"):
        if (value := getattr(filters, name)) is not None:
            rows = rows.filter(**{name: value})
    if filters.committee is not None:
        rows = rows.filter(committee_id=filters.committee)
    page, cursor = keyset_page(rows, filters, keys=[("id", int)], descending=True)
    return page_of(page, cursor, summary_json)


@router.get("/disputes/{dispute_id}", response=with_errors({200: DisputeOut}), summary="纠纷详情")
def get_dispute(request: HttpRequest, dispute_id: Int) -> dict[str, Any]:
    user = user_of(request)
    dispute = access.get_dispute_for_user(user, dispute_id)
    kinds = access.actor_kinds(user, dispute)
    if access.opening_is_audited(kinds):
        record(actor=user, action=AuditAction.MEDIATION_OPEN, obj=dispute, request=request,
               detail={"as": sorted(kinds) or ["read"], "via": "api"})  # fmt: skip
    return dispute_json(dispute, kinds)


class PartyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    side: Side
    kind: PartyKind
    name: str = Field(..., max_length=100)
    mobile: str = Field(..., max_length=20)
    credit_code: str = Field("", max_length=30, description="企业必填")
    representative: str = Field("", max_length=50)
    address: str = Field("", max_length=200)


class DisputeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    committee: Int
    source: Source = Source.STAFF
    kind: Kind
    amount: Decimal = Field(Decimal("0"), ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    facts: str = Field(..., max_length=5000)
    claims: str = Field(..., max_length=2000)
    delegated_by: str = Field("", max_length=100, description="委派机关（法院委派、其他机关委托时必填）")
    external_number: str = Field("", max_length=60, description="委派机关的案号（保留，不复制对方系统）")
    parties: list[PartyIn] = Field(..., min_length=2, max_length=20)


@router.post("/disputes", response=with_errors({201: DisputeOut}), summary="登记纠纷（调委会管理员）")
def create_dispute(request: HttpRequest, payload: DisputeIn) -> Any:
    user = user_of(request)
    committee = access.intake_committees(user).filter(pk=payload.committee).first()
    if committee is None:
        if Committee.objects.filter(pk=payload.committee).exists():
            raise PermissionDenied("只有该调委会的管理员可以登记纠纷")
        raise PermissionDenied("调解委员会不存在或您不是其管理员")
    dispute = services.create_dispute(
        actor=user, committee=committee, source=payload.source, kind=payload.kind, amount=payload.amount,
        facts=payload.facts, claims=payload.claims, delegated_by=payload.delegated_by,
        external_number=payload.external_number,
        parties=[services.PartyInput(**p.model_dump()) for p in payload.parties],
    )  # fmt: skip
    return WithStatus(201, dispute_json(dispute, access.actor_kinds(user, dispute)))


class ActionParams(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        None, max_length=1000, description="decline、extend、confirmation_rejected、refuse、withdraw"
    )
    issues: str | None = Field(None, max_length=5000, description="record_agreement：争议事项")
    terms: str | None = Field(None, max_length=5000, description="record_agreement、oral_agreement：协议内容")
    performance_method: str | None = Field(None, max_length=1000, description="record_agreement：履行方式")
    performance_due: Day | None = Field(None, description="履行期限")
    settled_amount: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    advice: str | None = Field(None, max_length=2000, description="no_agreement：告知的其他途径")
    handed_to_court: bool | None = Field(None, description="no_agreement：移交法院诉调对接")
    court: str | None = Field(None, max_length=100, description="apply_confirmation：受理法院")
    ruling_number: str | None = Field(None, max_length=60, description="confirmation_granted：裁定书文号")
    performance: Performance | None = Field(None, description="record_performance：履行情况")


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_status: Status = Field(..., description="您看到的纠纷状态；纠纷已变为其他状态时返回 409")
    params: ActionParams = Field(default_factory=lambda: ActionParams.model_validate({}))


@router.post("/disputes/{dispute_id}/actions/{action}", response=with_errors({200: DisputeOut}),
             summary="办理操作（受理、同意调解、达成协议、司法确认、回访……）",
             description="与纠纷页面的操作按钮相同（签章生效须在页面上传扫描件）。")  # fmt: skip
def act(request: HttpRequest, dispute_id: Int, action: ActionName, payload: ActionIn) -> dict[str, Any]:
    user = user_of(request)
    dispute = access.get_dispute_for_user(user, dispute_id, write=True)
    kinds = access.actor_kinds(user, dispute)
    params = payload.params.model_dump(exclude_none=True)
    if "performance_due" in params:
        params["performance_due"] = params["performance_due"].isoformat()
    moved = services.act(dispute_id=dispute.pk, action=str(action.value), actor=user, kinds=kinds,
                         expected_status=str(payload.expected_status), params=params)  # fmt: skip
    return dispute_json(moved, kinds)


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    mediator: Int
    chosen_by_parties: bool = False
    override_reason: str = Field("", max_length=500, description="存在利害关系仍指派的理由")


def _kinds(request: HttpRequest, dispute_id: int) -> tuple[Any, Dispute, set[str]]:
    user = user_of(request)
    dispute = access.get_dispute_for_user(user, dispute_id, write=True)
    return user, dispute, access.actor_kinds(user, dispute)


@router.post("/disputes/{dispute_id}/mediators", response=with_errors({200: DisputeOut}),
             summary="指派调解员（自动检查利害关系）")  # fmt: skip
def assign(request: HttpRequest, dispute_id: Int, payload: AssignIn) -> dict[str, Any]:
    user, dispute, kinds = _kinds(request, dispute_id)
    mediator = access.roster(dispute.committee).filter(pk=payload.mediator).first()
    if mediator is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"mediator": "只能从本调委会的调解员名册中指派"})
    services.assign_mediator(actor=user, kinds=kinds, dispute_id=dispute.pk, mediator=mediator,
                             chosen_by_parties=payload.chosen_by_parties, override_reason=payload.override_reason)  # fmt: skip
    return dispute_json(dispute, kinds)


@router.post("/disputes/{dispute_id}/declaration", response=with_errors({200: DisputeOut}),
             summary="调解员声明无利害关系")  # fmt: skip
def declare(request: HttpRequest, dispute_id: Int) -> dict[str, Any]:
    user, dispute, kinds = _kinds(request, dispute_id)
    services.declare_no_conflict(actor=user, dispute_id=dispute.pk)
    return dispute_json(dispute, kinds)


class RecuseIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post("/disputes/{dispute_id}/mediators/{assignment_id}/recusal", response=with_errors({200: DisputeOut}),
             summary="调解员回避")  # fmt: skip
def recuse(request: HttpRequest, dispute_id: Int, assignment_id: Int, payload: RecuseIn) -> dict[str, Any]:
    user, dispute, kinds = _kinds(request, dispute_id)
    services.recuse(
        actor=user, kinds=kinds, dispute_id=dispute.pk, assignment_id=assignment_id, reason=payload.reason
    )
    return dispute_json(dispute, kinds)


class SessionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scheduled_at: Moment
    place: str = Field(..., max_length=200)
    online: bool = False
    public: bool = Field(False, description="当事人选择公开进行时为 true")


@router.post("/disputes/{dispute_id}/sessions", response=with_errors({200: DisputeOut}), summary="安排调解会")
def schedule(request: HttpRequest, dispute_id: Int, payload: SessionIn) -> dict[str, Any]:
    user, dispute, kinds = _kinds(request, dispute_id)
    services.schedule_session(actor=user, kinds=kinds, dispute_id=dispute.pk, scheduled_at=payload.scheduled_at,
                              place=payload.place, online=payload.online, public=payload.public)  # fmt: skip
    return dispute_json(dispute, kinds)


class MinutesIn(Schema):
    minutes: str = Field(..., max_length=20000)
    shared: bool = Field(False, description="向当事人公开笔录")


@router.post("/disputes/{dispute_id}/sessions/{session_id}/minutes", response=with_errors({200: DisputeOut}),
             summary="记录调解笔录")  # fmt: skip
def minutes(request: HttpRequest, dispute_id: Int, session_id: Int, payload: MinutesIn) -> dict[str, Any]:
    user, dispute, kinds = _kinds(request, dispute_id)
    if not dispute.sessions.filter(pk=session_id).exists():
        from django.http import Http404

        raise Http404("调解会不存在")
    services.record_minutes(actor=user, kinds=kinds, session_id=session_id, minutes=payload.minutes,
                            shared=payload.shared)  # fmt: skip
    return dispute_json(dispute, kinds)


class Row(Schema):
    label: str
    disputes: int
    agreements: int


class StatsOut(Schema):
    total: int
    mediated: int
    agreements: int
    success_rate: float | None = Field(description="达成协议占有结果的调解的百分比")
    median_days: float | None = Field(description="登记至调解结果的天数中位数")
    settled: Decimal = Field(description="协议金额合计（元）")
    confirmations_applied: int
    confirmations_granted: int
    follow_ups: int
    performance_rate: float | None
    by_kind: list[Row]
    by_source: list[Row]
    by_committee: list[Row]
    by_month: list[Row]


class StatsFilters(Schema):
    committee: Int | None = None
    since: Day | None = None
    until: Day | None = None


@router.get("/stats", response=with_errors({200: StatsOut}), summary="调解统计（只有汇总数字，不含当事人）")
def stats(request: HttpRequest, filters: Query[StatsFilters]) -> dict[str, Any]:
    user = user_of(request)
    committees = access.stats_committees(user)
    if not committees.exists() and not scope_for(user).is_superuser:
        raise PermissionDenied("您的角色不能查看调解统计")
    if filters.committee is not None:
        committees = committees.filter(pk=filters.committee)
    f = figures(committees, since=filters.since, until=filters.until)

    def rows(items: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
        return [{"label": label, "disputes": n, "agreements": ok} for label, n, ok in items]

    return {
        "total": f.total, "mediated": f.mediated, "agreements": f.agreements, "success_rate": f.success_rate,
        "median_days": f.median_days, "settled": f.settled, "confirmations_applied": f.confirmations_applied,
        "confirmations_granted": f.confirmations_granted, "follow_ups": f.follow_ups,
        "performance_rate": f.performance_rate, "by_kind": rows(f.by_kind), "by_source": rows(f.by_source),
        "by_committee": rows(f.by_committee), "by_month": rows(f.by_month),
    }  # fmt: skip
