"""Every write of the scorecards: rubrics (versioned), rounds, self-assessment, scoring, publicity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.orgs.models import Organisation
from shanghui.scorecards import sources
from shanghui.scorecards.access import ORG, REVIEWER, actor_kinds
from shanghui.scorecards.models import (
    Card,
    CardEvent,
    Dimension,
    Evidence,
    Indicator,
    Method,
    Round,
    Rubric,
    Score,
)
from shanghui.scorecards.workflow import MACHINE
from shanghui.workflow.machine import SYSTEM

ROUND_OWNER = "scorecards.round"
MAX_VALUE = Decimal(1000)


def latest(code: str) -> Rubric:
    rubric = Rubric.objects.filter(code=code).order_by("-version").first()
    if rubric is None:
        raise ValidationError(f"评价细则不存在：{code}")
    return rubric


@transaction.atomic
def save_rubric(
    *,
    code: str,
    name: str,
    dimensions: list[dict[str, Any]],
    levels: list[dict[str, Any]],
    actor: User | None,
    is_template: bool = False,
    description: str = "",
) -> Rubric:
    """A new version of the rubric `code` (version 1 when new). Rounds that use an older version keep it.

    dimensions: [{"name": "党建强", "indicators": [{"name", "method", "max_points", "unit", "evidence",
    "veto", "source"}]}]"""
    if not dimensions or not all(d.get("name") and d.get("indicators") for d in dimensions):
        raise ValidationError(_("评价细则至少需要一个维度，每个维度至少一个指标"))
    previous = Rubric.objects.filter(code=code).order_by("-version").first()
    rubric = Rubric.objects.create(
        code=code, name=name, version=(previous.version + 1) if previous else 1, is_template=is_template,
        description=description, levels=levels,
    )  # fmt: skip
    for d_order, dim in enumerate(dimensions):
        dimension = Dimension.objects.create(rubric=rubric, order=d_order, name=dim["name"])
        for i_order, ind in enumerate(dim["indicators"]):
            method = ind.get("method", Method.POINTS)
            if method not in Method.values:
                raise ValidationError(f"“{ind.get('name')}”的计分方式无效")
            Indicator.objects.create(
                rubric=rubric, dimension=dimension, order=i_order, name=ind["name"], method=method,
                max_points=Decimal(str(ind.get("max_points", 10))), unit=Decimal(str(ind.get("unit", 1))),
                evidence=ind.get("evidence", ""), veto=bool(ind.get("veto")), source=ind.get("source", ""),
            )  # fmt: skip
    audit(
        actor=actor, action=AuditAction.SCORECARD_RUBRIC_SAVE, obj=rubric, detail={"version": rubric.version}
    )
    return rubric


def rubric_as_data(rubric: Rubric) -> list[dict[str, Any]]:
    """The rubric's dimensions in the shape save_rubric takes (to revise it)."""
    return [
        {
            "name": d.name,
            "indicators": [
                {
                    "name": i.name,
                    "method": i.method,
                    "max_points": str(i.max_points),
                    "unit": str(i.unit),
                    "evidence": i.evidence,
                    "veto": i.veto,
                    "source": i.source,
                }  # fmt: skip
                for i in d.indicators.order_by("order")
            ],
        }
        for d in rubric.dimensions.order_by("order")
    ]


def propose(
    org: Organisation, indicator: Indicator, start: dt.date, end: dt.date
) -> tuple[Decimal | None, str]:
    found = sources.source(indicator.source) if indicator.source else None
    if found is None:
        return None, ""
    answer = found.answer(org, start, end)
    if answer is None:
        return None, f"{found.label}：平台暂无数据"
    return answer[0], f"{found.label}：{answer[1]}"


@transaction.atomic
def open_round(
    *,
    rubric: Rubric,
    name: str,
    organiser: Organisation,
    organisations: Iterable[Organisation],
    period_start: dt.date,
    period_end: dt.date,
    actor: User | None,
) -> Round:
    orgs = list(organisations)
    if not orgs:
        raise ValidationError({"organisations": "请选择参加评价的组织"})
    if period_end < period_start:
        raise ValidationError({"period_end": "评价期结束日期不能早于开始日期"})
    rnd = Round.objects.create(
        rubric=rubric,
        name=name,
        organiser=organiser,
        period_start=period_start,
        period_end=period_end,
        created_by=actor,
    )
    cards = Card.objects.bulk_create(Card(round=rnd, organisation=org) for org in orgs)
    indicators = list(rubric.indicators.all())
    scores = []
    for card in cards:
        for ind in indicators:
            value, where = propose(card.organisation, ind, period_start, period_end)
            scores.append(Score(card=card, indicator=ind, proposed_value=value, proposed_from=where))
    Score.objects.bulk_create(scores)
    now = timezone.now()
    CardEvent.objects.bulk_create(
        MACHINE.new_event(
            card, action="create", actor=actor, actor_kind=SYSTEM, to_status=card.status, created_at=now
        )
        for card in cards
    )
    audit(
        actor=actor,
        action=AuditAction.SCORECARD_ROUND_OPEN,
        obj=rnd,
        detail={"cards": len(cards), "rubric": rubric.pk},
    )
    return rnd


def _value(raw: Any, field: str, indicator: Indicator) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationError({field: f"“{indicator.name}”请填写数字"}) from None
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        raise ValidationError({field: f"“{indicator.name}”的取值无效"})
    if indicator.method in (Method.YESNO,) and value not in (0, 1):
        raise ValidationError({field: f"“{indicator.name}”请选择是或否"})
    if indicator.method == Method.POINTS and value > indicator.max_points:
        raise ValidationError({field: f"“{indicator.name}”不能超过满分{indicator.max_points}"})
    return value.quantize(Decimal("0.1"))


def _require(user: User, card: Card, kind: str) -> None:
    if kind not in actor_kinds(user, card):
        raise PermissionDenied("您不能自评该单位" if kind == ORG else "您不是该评价的评审人")


@transaction.atomic
def save_self_assessment(*, card: Card, actor: User, values: Mapping[int, tuple[Any, str]]) -> Card:
    """values: indicator id → (value, evidence). Only while the card is a draft or returned."""
    _require(actor, card, ORG)
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status not in (Card.Status.DRAFT, Card.Status.RETURNED):
        raise ValidationError(_("评价表已提交，不能修改自评"))
    scores = {s.indicator_id: s for s in card.scores.select_related("indicator")}
    for ind_id, (raw, evidence) in values.items():
        score = scores.get(int(ind_id))
        if score is None:
            raise ValidationError(_("指标不属于该评价表"))
        score.self_value = _value(raw, f"self_{ind_id}", score.indicator)
        score.evidence = (evidence or "").strip()[:2000]
        score.save(update_fields=["self_value", "evidence"])
    MACHINE.record_event(
        card,
        action="self_save",
        actor=actor,
        actor_kind=ORG,
        to_status=card.status,
        created_at=timezone.now(),
    )
    return card


@transaction.atomic
def save_review(*, card: Card, actor: User, values: Mapping[int, tuple[Any, str]]) -> Card:
    """values: indicator id → (value, comment). A comment is required where the value differs from the
    self-assessment (checked when scoring)."""
    _require(actor, card, REVIEWER)
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status != Card.Status.SUBMITTED:
        raise ValidationError(_("只有待评审的评价表可以评分"))
    scores = {s.indicator_id: s for s in card.scores.select_related("indicator")}
    errors: dict[str, str] = {}
    for ind_id, (raw, comment) in values.items():
        score = scores.get(int(ind_id))
        if score is None:
            raise ValidationError(_("指标不属于该评价表"))
        value = _value(raw, f"review_{ind_id}", score.indicator)
        if value is not None and value != score.self_value and not (comment or "").strip():
            errors[f"comment_{ind_id}"] = f"“{score.indicator.name}”评审分与自评分不同，请填写评审意见"
        score.review_value, score.comment = value, (comment or "").strip()[:2000]
        score.save(update_fields=["review_value", "comment"])
    if errors:
        raise ValidationError(errors)
    MACHINE.record_event(
        card,
        action="review_save",
        actor=actor,
        actor_kind=REVIEWER,
        to_status=card.status,
        created_at=timezone.now(),
    )
    return card


MAX_EVIDENCE = 50


@transaction.atomic
def add_evidence(*, card: Card, actor: User, indicator_id: int, upload: UploadedFile) -> Evidence:
    """A file of evidence for one indicator, while the card is being self-assessed."""
    from shanghui.lib.uploads import check_upload

    _require(actor, card, ORG)
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status not in (Card.Status.DRAFT, Card.Status.RETURNED):
        raise ValidationError({"file": "评价表已提交，不能再上传佐证材料"})
    score = card.scores.select_related("indicator").filter(indicator_id=indicator_id).first()
    if score is None:
        raise ValidationError({"indicator": "指标不属于该评价表"})
    if card.evidence_files.count() >= MAX_EVIDENCE:
        raise ValidationError({"file": f"每张评价表最多上传{MAX_EVIDENCE}份佐证材料"})
    try:
        content_type, _ext = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    evidence = Evidence.objects.create(
        card=card, indicator=score.indicator, file=upload, name=(upload.name or "佐证材料")[:200],
        size=upload.size or 0, content_type=content_type, uploaded_by=actor,
    )  # fmt: skip
    audit(
        actor=actor, action=AuditAction.SCORECARD_EVIDENCE_UPLOAD, obj=card, detail={"evidence": evidence.pk}
    )
    return evidence


def act(
    *, card: Card, actor: User, action: str, expected_status: str | None = None, reason: str = ""
) -> Card:
    """submit (the organisation), return_ / score (a reviewer)."""
    kind = ORG if action == "submit" else REVIEWER
    if action not in ("submit", "return_", "score"):
        raise ValidationError(f"未知的操作：{action}")
    _require(actor, card, kind)
    return MACHINE.transition(
        pk=card.pk, action=action, actor=actor, actor_kind=kind, expected_status=expected_status,
        params={"reason": reason, "by": actor.pk},
    )  # fmt: skip


def ranking(rnd: Round) -> list[Card]:
    cards = list(rnd.cards.select_related("organisation"))
    cards.sort(
        key=lambda c: (
            c.vetoed,
            -(c.review_total if c.review_total is not None else Decimal(-1)),
            c.organisation.name,
        )
    )
    return cards


@transaction.atomic
def publish_round(*, rnd: Round, actor: User, days: int = 5) -> Round:
    """Every scored card of the round goes to one publicity notice (levels and totals)."""
    from shanghui.publicity.services import open_notice
    from shanghui.scorecards.access import manages

    if not manages(actor, rnd.organiser):
        raise PermissionDenied("您不能管理该评价")
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if rnd.status != Round.Status.OPEN:
        raise ValidationError(_("该评价已公示"))
    scored = [c for c in ranking(rnd) if c.status == Card.Status.SCORED]
    if not scored:
        raise ValidationError(_("还没有已评分的评价表"))
    for card in scored:
        MACHINE.transition(pk=card.pk, action="publish", actor=actor, actor_kind=REVIEWER)
    items = [
        {
            "key": f"card:{c.pk}",
            "name": c.organisation.name,
            "detail": f"{c.level}（{c.review_total}分）" + ("，一票否决" if c.vetoed else ""),
        }  # fmt: skip
        for c in scored
    ]
    notice = open_notice(owner_type=ROUND_OWNER, owner_id=rnd.pk, title=f"{rnd.name}评价结果公示", items=items,
                         actor=actor, days=days, intro=f"依据《{rnd.rubric.name}》评价细则（第{rnd.rubric.version}版）。")  # fmt: skip
    rnd.status, rnd.notice_id = Round.Status.PUBLICITY, notice.pk
    rnd.save(update_fields=["status", "notice_id"])
    return rnd


def round_publicity_final(round_id: int, upheld: set[str]) -> None:
    """The notice ended: cards become final, except those an upheld objection reopens."""
    rnd = Round.objects.select_for_update().get(pk=round_id)
    for card in rnd.cards.filter(status=Card.Status.PUBLICITY):
        action = "reopen" if f"card:{card.pk}" in upheld else "finalise"
        MACHINE.transition(pk=card.pk, action=action, actor=None, actor_kind=SYSTEM)
    rnd.status = Round.Status.CLOSED
    rnd.save(update_fields=["status"])
