"""/api/v1/party/, /api/v1/reviews/, /api/v1/scorecards/: party building as the pages show it — the
same access checks (party/access.py, reviews/access.py, scorecards/access.py) and the same services.
A refused action answers 403 (404 when the record is not visible), bad input 422, a stale status 409."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as WithStatus

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import with_errors
from shanghui.lib.bounds import Int
from shanghui.lib.masking import mask_mobile
from shanghui.lib.workdays import local_date
from shanghui.party import register, services, stats
from shanghui.party.access import (
    candidates_for_user,
    chambers_for_user,
    deeds_for_user,
    get_candidate_for_user,
    party_orgs_for_user,
    require_use,
)
from shanghui.party.models import Candidate, Deed, DeedKind, Position
from shanghui.party.workflow import CANDIDATE_OWNER
from shanghui.reviews import services as reviews
from shanghui.reviews.access import get_chain_for_user, inbox
from shanghui.reviews.models import Chain
from shanghui.reviews.workflow import MACHINE as CHAINS
from shanghui.scorecards import services as scorecards
from shanghui.scorecards.access import actor_kinds as card_kinds
from shanghui.scorecards.access import can_use as can_use_scorecards
from shanghui.scorecards.access import get_card_for_user, rounds_for_user
from shanghui.scorecards.models import Card

router = Router(tags=["商会党建"])


# --- Candidates ---------------------------------------------------------------------------------------


class CandidateOut(Schema):
    id: int
    name: str
    mobile: str = Field(description="手机号（脱敏）")
    chamber_id: int
    chamber: str
    election_id: int
    election: str
    position: Position
    position_label: str
    status: Candidate.Status
    status_label: str
    birth_date: dt.date
    terms_served: int
    enterprise: str
    self_checked_at: dt.datetime | None
    chain_id: int | None


class CandidatePage(Schema):
    items: list[CandidateOut]
    next_cursor: str | None


class CandidateFilters(PageParams):
    q: str = Field("", max_length=100, description="姓名或商会名称包含")
    position: Position | None = None
    status: Candidate.Status | None = None


def candidate_json(c: Candidate) -> dict[str, Any]:
    chain = (
        Chain.objects.filter(owner_type=CANDIDATE_OWNER, owner_id=c.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "id": c.pk, "name": c.name, "mobile": mask_mobile(c.mobile), "chamber_id": c.election.chamber_id,
        "chamber": c.election.chamber.name, "election_id": c.election_id, "election": c.election.name,
        "position": c.position, "position_label": c.get_position_display(), "status": c.status,
        "status_label": c.get_status_display(), "birth_date": c.birth_date, "terms_served": c.terms_served,
        "enterprise": c.enterprise, "self_checked_at": c.self_checked_at, "chain_id": chain,
    }  # fmt: skip


@router.get("/party/candidates", response=with_errors({200: CandidatePage}), summary="换届候选人列表")
def list_candidates(request: HttpRequest, filters: Query[CandidateFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_use(user)
    rows = candidates_for_user(user).select_related("election__chamber")
    if q := filters.q.strip():
        rows = rows.filter(Q(name__icontains=q) | Q(election__chamber__name__icontains=q))
    if filters.position:
        rows = rows.filter(position=filters.position)
    if filters.status:
        rows = rows.filter(status=filters.status)
    items, cursor = keyset_page(rows, filters, keys=[("pk", int)], descending=True)
    return page_of(items, cursor, candidate_json)


@router.get(
    "/party/candidates/{candidate_id}", response=with_errors({200: CandidateOut}), summary="候选人详情"
)
def get_candidate(request: HttpRequest, candidate_id: Int) -> dict[str, Any]:
    return candidate_json(get_candidate_for_user(user_of(request), candidate_id))


class StartIn(Schema):
    expected_status: Candidate.Status | None = Field(None, description="您看到的状态（不一致时返回 409）")


@router.post(
    "/party/candidates/{candidate_id}/start",
    response=with_errors({200: CandidateOut}),
    summary="发起五步审查",
)
def start_vetting(request: HttpRequest, candidate_id: Int, payload: StartIn) -> dict[str, Any]:
    user = user_of(request)
    candidate = get_candidate_for_user(user, candidate_id, write=True)
    candidate = services.start_vetting(
        actor=user, candidate=candidate, expected_status=payload.expected_status
    )
    return candidate_json(Candidate.objects.select_related("election__chamber").get(pk=candidate.pk))


# --- Party organisations and the work register ------------------------------------------------------------


class PartyOrgOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    chambers: list[str]
    secretary_name: str
    member_count: int
    founded_on: dt.date
    term_ends_on: dt.date | None
    has_plaque: bool
    annual_funds: Decimal
    venue: str
    plan_year: int | None


@router.get("/party/orgs", response=with_errors({200: list[PartyOrgOut]}), summary="党组织列表")
def list_party_orgs(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_of(request)
    require_use(user)
    rows = party_orgs_for_user(user).prefetch_related("chambers").order_by("name")[:500]
    return [
        {
            "id": o.pk,
            "name": o.name,
            "kind": o.kind,
            "kind_label": o.get_kind_display(),
            "chambers": [c.name for c in o.chambers.all()],
            "secretary_name": o.secretary_name,
            "member_count": o.member_count,
            "founded_on": o.founded_on,
            "term_ends_on": o.term_ends_on,
            "has_plaque": o.has_plaque,
            "annual_funds": o.annual_funds,
            "venue": o.venue,
            "plan_year": o.plan_year,
        }  # fmt: skip
        for o in rows
    ]


class DeedOut(Schema):
    id: int
    chamber_id: int
    chamber: str
    kind: DeedKind
    kind_label: str
    title: str
    happened_on: dt.date
    amount: Decimal | None
    people: int | None


class DeedPage(Schema):
    items: list[DeedOut]
    next_cursor: str | None


class DeedFilters(PageParams):
    kind: DeedKind | None = None
    chamber: Int | None = Field(None, description="商会 id")
    year: int | None = Field(None, ge=2000, le=2100)


def deed_json(d: Deed) -> dict[str, Any]:
    return {
        "id": d.pk, "chamber_id": d.chamber_id, "chamber": d.chamber.name, "kind": d.kind,
        "kind_label": d.get_kind_display(), "title": d.title, "happened_on": d.happened_on, "amount": d.amount,
        "people": d.people,
    }  # fmt: skip


@router.get("/party/deeds", response=with_errors({200: DeedPage}), summary="党建工作台账")
def list_deeds(request: HttpRequest, filters: Query[DeedFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_use(user)
    rows = deeds_for_user(user).select_related("chamber")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.chamber is not None:
        rows = rows.filter(chamber_id=filters.chamber)
    if filters.year:
        rows = rows.filter(happened_on__year=filters.year)
    items, cursor = keyset_page(rows, filters, keys=[("pk", int)], descending=True)
    return page_of(items, cursor, deed_json)


class DeedIn(Schema):
    chamber: Int
    kind: DeedKind
    title: str = Field(..., min_length=1, max_length=200)
    happened_on: dt.date
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    people: int | None = Field(None, ge=0, le=1000000)


@router.post("/party/deeds", response=with_errors({201: DeedOut}), summary="登记党建工作")
def create_deed(request: HttpRequest, payload: DeedIn) -> Any:
    user = user_of(request)
    require_use(user)
    chamber = chambers_for_user(user).filter(pk=payload.chamber).first()
    if chamber is None:
        from django.http import Http404

        raise Http404("商会不存在或无权查看")
    deed = services.record_deed(actor=user, chamber=chamber, kind=payload.kind, title=payload.title,
                                happened_on=payload.happened_on, amount=payload.amount, people=payload.people)  # fmt: skip
    return WithStatus(201, deed_json(deed))


# --- The 三同时 register and the statistics ----------------------------------------------------------------


class RegisterRowOut(Schema):
    chamber_id: int
    chamber: str
    founded: str
    vetted: str
    reelected: str
    status: Literal["in_step", "out_of_step", "no_members", "unknown"]
    status_label: str
    problems: list[str]
    term_ends_on: dt.date | None
    warning: str


@router.get(
    "/party/register", response=with_errors({200: list[RegisterRowOut]}), summary="三同时登记（每个商会）"
)
def get_register(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_of(request)
    require_use(user)
    rows = register.build(chambers_for_user(user).order_by("name"), local_date(timezone.now()))
    return [
        {
            "chamber_id": r.chamber.pk,
            "chamber": r.chamber.name,
            "founded": r.founded,
            "vetted": r.vetted,
            "reelected": r.reelected,
            "status": r.status,
            "status_label": r.status_label,
            "problems": r.problems,
            "term_ends_on": r.term_ends_on,
            "warning": r.warning,
        }  # fmt: skip
        for r in rows
    ]


class CountOut(Schema):
    label: str
    count: int


class DeedStatOut(Schema):
    kind: str
    count: int
    amount: Decimal
    people: int


class StatsOut(Schema):
    year: int | None
    donations: Decimal = Field(description="疫情防控捐赠（元）")
    problems: int = Field(description="帮企解难（件）")
    chambers: int
    party_orgs: int
    party_members: int
    warnings: int
    deeds: list[DeedStatOut]
    three_together: list[CountOut] = Field(description="三同时结论及商会数")
    candidates: list[CountOut]


class StatsFilters(Schema):
    year: int | None = Field(None, ge=2020, le=2030)


@router.get("/party/stats", response=with_errors({200: StatsOut}), summary="党建统计")
def get_stats(request: HttpRequest, filters: Query[StatsFilters]) -> dict[str, Any]:
    user = user_of(request)
    require_use(user)
    f = stats.figures(user, filters.year, local_date(timezone.now()))
    return {
        "year": filters.year, "donations": f.donations, "problems": f.problems, "chambers": f.chambers,
        "party_orgs": f.party_orgs, "party_members": f.party_members, "warnings": f.warnings,
        "deeds": [{"kind": k, "count": n, "amount": a, "people": p} for k, n, a, p in f.deeds],
        "three_together": [{"label": label, "count": n} for label, n in f.register],
        "candidates": [{"label": label, "count": n} for label, n in f.candidates],
    }  # fmt: skip


# --- Review chains ---------------------------------------------------------------------------------------


class AnswerOut(Schema):
    department_id: int
    department: str
    opinion: str
    note: str
    answered_at: dt.datetime | None


class StepOut(Schema):
    index: int
    label: str
    kind: str
    state: str
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    opinion: str
    check_failures: list[str]
    answers: list[AnswerOut]


class EventOut(Schema):
    action: str
    label: str
    actor: str
    note: str
    data: dict[str, Any]
    created_at: dt.datetime


class ChainOut(Schema):
    id: int
    title: str
    template: str
    status: Chain.Status
    status_label: str
    current: int
    reason: str
    steps: list[StepOut]
    events: list[EventOut]
    allowed_actions: list[str] = Field(description="您现在可以作出的决定")


def chain_json(chain: Chain, user: Any) -> dict[str, Any]:
    steps = chain.steps.prefetch_related("answers__department")
    return {
        "id": chain.pk, "title": chain.title, "template": chain.template.name, "status": chain.status,
        "status_label": chain.get_status_display(), "current": chain.current, "reason": chain.reason,
        "steps": [
            {"index": s.index, "label": s.label, "kind": s.kind, "state": s.state, "due_at": s.due_at, "done_at": s.done_at,
             "opinion": s.opinion, "check_failures": s.check_failures,
             "answers": [{"department_id": a.department_id, "department": a.department.name, "opinion": a.opinion,
                          "note": a.note, "answered_at": a.answered_at} for a in s.answers.all()]}
            for s in steps
        ],
        "events": [
            {"action": e.action, "label": CHAINS.event_label(e.action), "actor": e.actor.display_name if e.actor else "",
             "note": e.note, "data": e.data, "created_at": e.created_at}
            for e in chain.events.select_related("actor")
        ],
        "allowed_actions": [a for a in reviews.allowed_actions(user, chain) if a != "conclude"],
    }  # fmt: skip


class InboxItemOut(Schema):
    id: int
    title: str
    template: str
    status: str


@router.get("/reviews/inbox", response=with_errors({200: list[InboxItemOut]}), summary="待我审查")
def review_inbox(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_of(request)
    return [
        {"id": c.pk, "title": c.title, "template": c.template.name, "status": c.status} for c in inbox(user)
    ]


@router.get(
    "/reviews/{chain_id}", response=with_errors({200: ChainOut}), summary="审查详情（步骤、答复、记录）"
)
def get_chain(request: HttpRequest, chain_id: Int) -> dict[str, Any]:
    user = user_of(request)
    return chain_json(get_chain_for_user(user, chain_id), user)


class DecisionIn(Schema):
    action: Literal["approve", "ask_more", "send_back", "object", "supply", "withdraw"] = Field(
        description="approve 通过/无异议；ask_more 需补充；send_back 退回；object 有异议（不通过）；supply 补充材料；withdraw 撤回"
    )
    opinion: str = Field("", max_length=2000)
    reason: str = Field("", max_length=2000, description="有异议、需补充、退回时必填")
    department: Int | None = Field(None, description="部门联审时代表的部门（不填为您的第一个待答复部门）")
    to_step: int | None = Field(None, ge=0, le=50, description="退回到的步骤序号（从 0 开始）")
    expected_status: Chain.Status | None = None


@router.post("/reviews/{chain_id}/decisions", response=with_errors({200: ChainOut}), summary="作出审查决定")
def decide(request: HttpRequest, chain_id: Int, payload: DecisionIn) -> dict[str, Any]:
    user = user_of(request)
    chain = get_chain_for_user(user, chain_id)
    chain = reviews.decide(
        chain=chain, actor=user, action=payload.action, expected_status=payload.expected_status,
        opinion=payload.opinion, reason=payload.reason, department=payload.department, to_step=payload.to_step,
    )  # fmt: skip
    return chain_json(Chain.objects.select_related("template").get(pk=chain.pk), user)


# --- Scorecards ----------------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    name: str
    rubric: str
    rubric_version: int
    organiser: str
    period_start: dt.date
    period_end: dt.date
    status: str


@router.get("/scorecards/rounds", response=with_errors({200: list[RoundOut]}), summary="评价轮次")
def list_rounds(request: HttpRequest) -> list[dict[str, Any]]:
    user = user_of(request)
    if not can_use_scorecards(user):
        raise PermissionDenied("您的角色不能使用评价模块")
    rows = rounds_for_user(user).select_related("rubric", "organiser").order_by("-period_end", "-pk")[:200]
    return [
        {
            "id": r.pk,
            "name": r.name,
            "rubric": r.rubric.name,
            "rubric_version": r.rubric.version,
            "organiser": r.organiser.name,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "status": r.status,
        }  # fmt: skip
        for r in rows
    ]


class ScoreOut(Schema):
    indicator_id: int
    dimension: str
    indicator: str
    method: str
    max_points: Decimal
    veto: bool
    self_value: Decimal | None
    evidence: str
    review_value: Decimal | None
    comment: str
    proposed_value: Decimal | None
    proposed_from: str


class CardOut(Schema):
    id: int
    round_id: int
    organisation: str
    status: Card.Status
    status_label: str
    self_total: Decimal | None
    review_total: Decimal | None
    level: str
    vetoed: bool
    scores: list[ScoreOut]


def card_json(card: Card) -> dict[str, Any]:
    return {
        "id": card.pk, "round_id": card.round_id, "organisation": card.organisation.name, "status": card.status,
        "status_label": card.get_status_display(), "self_total": card.self_total, "review_total": card.review_total,
        "level": card.level, "vetoed": card.vetoed,
        "scores": [
            {"indicator_id": s.indicator_id, "dimension": s.indicator.dimension.name, "indicator": s.indicator.name,
             "method": s.indicator.method, "max_points": s.indicator.max_points, "veto": s.indicator.veto,
             "self_value": s.self_value, "evidence": s.evidence, "review_value": s.review_value, "comment": s.comment,
             "proposed_value": s.proposed_value, "proposed_from": s.proposed_from}
            for s in card.scores.select_related("indicator__dimension")
        ],
    }  # fmt: skip


@router.get("/scorecards/cards/{card_id}", response=with_errors({200: CardOut}), summary="评价表")
def get_card(request: HttpRequest, card_id: Int) -> dict[str, Any]:
    return card_json(get_card_for_user(user_of(request), card_id))


class ValueIn(Schema):
    indicator_id: Int
    value: Decimal | None = Field(None, ge=0, le=1000)
    text: str = Field("", max_length=2000, description="自评时为佐证材料，评审时为评审意见")


class ValuesIn(Schema):
    values: list[ValueIn] = Field(max_length=200)
    then: Literal["", "submit", "score"] = Field(
        "", description="保存后提交自评（submit）或完成评分（score）"
    )


@router.post("/scorecards/cards/{card_id}/self", response=with_errors({200: CardOut}), summary="保存自评")
def save_self(request: HttpRequest, card_id: Int, payload: ValuesIn) -> dict[str, Any]:
    user = user_of(request)
    card = get_card_for_user(user, card_id)
    values = {v.indicator_id: (v.value, v.text) for v in payload.values}
    card = scorecards.save_self_assessment(card=card, actor=user, values=values)
    if payload.then == "submit":
        card = scorecards.act(card=card, actor=user, action="submit")
    return card_json(get_card_for_user(user, card.pk))


@router.post("/scorecards/cards/{card_id}/review", response=with_errors({200: CardOut}), summary="保存评分")
def save_review(request: HttpRequest, card_id: Int, payload: ValuesIn) -> dict[str, Any]:
    user = user_of(request)
    card = get_card_for_user(user, card_id)
    values = {v.indicator_id: (v.value, v.text) for v in payload.values}
    card = scorecards.save_review(card=card, actor=user, values=values)
    if payload.then == "score":
        card = scorecards.act(card=card, actor=user, action="score")
    return card_json(get_card_for_user(user, card.pk))


class CardActionIn(Schema):
    action: Literal["submit", "return_", "score"]
    reason: str = Field("", max_length=500)
    expected_status: Card.Status | None = None


@router.post(
    "/scorecards/cards/{card_id}/actions",
    response=with_errors({200: CardOut}),
    summary="提交自评、退回或完成评分",
)
def card_action(request: HttpRequest, card_id: Int, payload: CardActionIn) -> dict[str, Any]:
    user = user_of(request)
    card = get_card_for_user(user, card_id)
    if not card_kinds(user, card):
        raise PermissionDenied("您不能处理该评价表")
    card = scorecards.act(
        card=card,
        actor=user,
        action=payload.action,
        expected_status=payload.expected_status,
        reason=payload.reason,
    )
    return card_json(get_card_for_user(user, card.pk))
