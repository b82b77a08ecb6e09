"""A card's states on the workflow kernel.

    draft ──submit──► submitted ──score──► scored ──publish──► publicity ──finalise──► final
                         │  ▲                                    │
                  return_ ▼  │ submit                    reopen (an upheld objection) ──► submitted
                       returned

Actor kinds: the evaluated organisation (self-assessment), the reviewer (round managers), the system
(publicity ending).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_noop

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.scorecards.access import ORG, REVIEWER
from shanghui.scorecards.models import Card, CardEvent
from shanghui.workflow.machine import SYSTEM, Machine, Transition, action, table

S = Card.Status


def totals(card: Card) -> tuple[Decimal, Decimal | None, bool]:
    """(self total, review total or None while unscored, vetoed by the review)."""
    self_total, review_total, vetoed, complete = Decimal(0), Decimal(0), False, True
    for score in card.scores.select_related("indicator"):
        ind = score.indicator
        self_total += ind.points(score.self_value)
        if score.review_value is None:
            complete = False
        else:
            review_total += ind.points(score.review_value)
            vetoed = vetoed or (ind.veto and bool(score.review_value))
    return self_total, (review_total if complete else None), vetoed


def level_of(card: Card, total: Decimal, vetoed: bool) -> str:
    levels = card.round.rubric.levels or []
    if not levels:
        return ""
    if vetoed:
        return str(levels[-1]["name"])
    for level in levels:
        if total >= Decimal(str(level["min"])):
            return str(level["name"])
    return str(levels[-1]["name"])


def _blocked(card: Card, spec: Transition) -> str:
    if spec.action == "submit" and card.scores.filter(self_value__isnull=True).exists():
        return gettext("还有指标未自评")
    if spec.action == "score":
        if card.scores.filter(review_value__isnull=True).exists():
            return gettext("还有指标未评分")
        for score in card.scores.select_related("indicator"):
            if score.review_value != score.self_value and not score.comment.strip():
                return f"“{score.indicator.name}”评审分与自评分不同，请填写评审意见"
    return ""


def _submit(card: Card, params: dict[str, Any], now: dt.datetime) -> list[str]:
    card.submitted_at = now
    card.self_total = totals(card)[0]
    return ["submitted_at", "self_total"]


def _score(card: Card, params: dict[str, Any], now: dt.datetime) -> list[str]:
    _self, review, vetoed = totals(card)
    card.review_total = review
    card.vetoed = vetoed
    card.level = level_of(card, review or Decimal(0), vetoed)
    card.scored_at = now
    card.scored_by_id = params.get("by")
    return ["review_total", "vetoed", "level", "scored_at", "scored_by"]


def _reopen(card: Card, params: dict[str, Any], now: dt.datetime) -> list[str]:
    card.level = ""
    return ["level"]


def _audit(card: Card, spec: Transition, event: CardEvent, before: Any) -> None:
    audit(
        actor=event.actor,
        action=AuditAction.SCORECARD_CARD,
        obj=card,
        detail={"action": spec.action, "status": card.status},
    )


MACHINE: Machine[Card] = Machine(
    model=Card,
    events=CardEvent,
    event_fk="card",
    noun=gettext_noop("评价表"),
    actor_labels={
        ORG: gettext_noop("被评价单位"),
        REVIEWER: gettext_noop("评审人"),
        SYSTEM: gettext_noop("系统"),
    },
    table=table(
        action("submit", gettext_noop("提交自评"), {S.DRAFT, S.RETURNED}, S.SUBMITTED, {ORG}),
        action(
            "return_", gettext_noop("退回修改"), {S.SUBMITTED}, S.RETURNED, {REVIEWER}, required=("reason",)
        ),
        action("score", gettext_noop("评审打分"), {S.SUBMITTED}, S.SCORED, {REVIEWER}),
        action("publish", gettext_noop("结果公示"), {S.SCORED}, S.PUBLICITY, {REVIEWER, SYSTEM}),
        action("finalise", gettext_noop("结果认定"), {S.PUBLICITY}, S.FINAL, {SYSTEM}),
        action("reopen", gettext_noop("异议成立，重新评审"), {S.PUBLICITY}, S.SUBMITTED, {SYSTEM}),
    ),
    effects={"submit": _submit, "score": _score, "reopen": _reopen},
    blocked=_blocked,
    after=[_audit],
    other_events={
        "create": gettext_noop("发起评价"),
        "self_save": gettext_noop("保存自评"),
        "review_save": gettext_noop("保存评分"),
    },
)
