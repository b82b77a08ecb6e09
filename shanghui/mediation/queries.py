"""The read side: the figures of the statistics page (and its Excel export, and the API), counted over the
committees a user sees figures of (access.stats_committees). Counts and sums only: no party and no amount
of a single dispute ever reaches chamber or federation staff outside the committee.

  mediated          disputes the committee accepted (the federation's "disputes mediated")
  success rate      agreements (written or oral) among the disputes mediated to an outcome (agreement or not)
  median days       from filing to the outcome, over the disputes that reached one
  amounts settled   the agreed amounts of written and oral agreements
  confirmations     applied for, and granted by the court
  performance rate  performed in full among the follow-ups recorded
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from shanghui.mediation.models import (
    Committee,
    CourtDecision,
    Dispute,
    Kind,
    Outcome,
    Performance,
    Source,
    Status,
)

AGREED = {Outcome.WRITTEN, Outcome.ORAL}
RESULT_LABELS = {
    "agreement": gettext_lazy("达成协议"), "no_agreement": gettext_lazy("调解不成"), "refused": gettext_lazy("被申请人拒绝"), "declined": gettext_lazy("不予受理"),
    "withdrawn": gettext_lazy("撤回"), "open": gettext_lazy("办理中"),
}  # fmt: skip


def result_of(status: str, outcome: str) -> str:
    if outcome in AGREED:
        return "agreement"
    if outcome == Outcome.NO_AGREEMENT:
        return "no_agreement"
    return {Status.REFUSED: "refused", Status.DECLINED: "declined", Status.WITHDRAWN: "withdrawn"}.get(
        Status(status), "open"
    )


@dataclass
class Figures:
    total: int = 0
    mediated: int = 0
    agreements: int = 0
    with_outcome: int = 0
    median_days: float | None = None
    settled: Decimal = Decimal("0.00")
    confirmations_applied: int = 0
    confirmations_granted: int = 0
    follow_ups: int = 0
    performed: int = 0
    by_kind: list[tuple[str, int, int]] = field(default_factory=list)  # label, disputes, agreements
    by_source: list[tuple[str, int, int]] = field(default_factory=list)
    by_committee: list[tuple[str, int, int]] = field(default_factory=list)
    by_month: list[tuple[str, int, int]] = field(default_factory=list)
    by_result: list[tuple[str, int]] = field(default_factory=list)

    @property
    def success_rate(self) -> float | None:
        return round(100 * self.agreements / self.with_outcome, 1) if self.with_outcome else None

    @property
    def performance_rate(self) -> float | None:
        return round(100 * self.performed / self.follow_ups, 1) if self.follow_ups else None

    def summary_rows(self) -> list[tuple[str, Any]]:
        return [
            (gettext("纠纷总数"), self.total), (gettext("受理调解"), self.mediated), (gettext("达成协议"), self.agreements),
            (gettext("调解成功率（%）"), self.success_rate if self.success_rate is not None else "—"),
            (gettext("登记至结果的天数（中位数）"), self.median_days if self.median_days is not None else "—"),
            (gettext("协议金额合计（元）"), self.settled), (gettext("申请司法确认"), self.confirmations_applied),
            (gettext("司法确认有效"), self.confirmations_granted), (gettext("已回访"), self.follow_ups),
            (gettext("履行率（%）"), self.performance_rate if self.performance_rate is not None else "—"),
        ]  # fmt: skip

    def summary_rows_with_units(self) -> list[tuple[str, Any]]:
        """The summary for the Excel file, each count with its unit (the page's cards need none)."""
        units = [gettext("（件）"), gettext("（件）"), gettext("（件）"), "", gettext("（天）"), "",
                 gettext("（件）"), gettext("（件）"), gettext("（件）"), ""]  # fmt: skip
        rows = self.summary_rows()
        return [(label + unit, value) for (label, value), unit in zip(rows, units, strict=True)]


def disputes_counted(
    committees: QuerySet[Committee], since: dt.date | None, until: dt.date | None
) -> QuerySet[Dispute]:
    rows = Dispute.objects.filter(committee__in=committees)
    if since:
        rows = rows.filter(filed_at__date__gte=since)
    if until:
        rows = rows.filter(filed_at__date__lte=until)
    return rows


def figures(
    committees: QuerySet[Committee], *, since: dt.date | None = None, until: dt.date | None = None
) -> Figures:
    """One query over the disputes' columns (no text, no parties)."""
    f = Figures()
    names = dict(committees.values_list("pk", "name"))
    kinds: Counter[str] = Counter()
    kinds_ok: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    sources_ok: Counter[str] = Counter()
    per_committee: Counter[int] = Counter()
    per_committee_ok: Counter[int] = Counter()
    months: Counter[str] = Counter()
    months_ok: Counter[str] = Counter()
    results: Counter[str] = Counter()
    days: list[float] = []
    settled: dict[str, Decimal] = defaultdict(Decimal)
    columns = ("committee_id", "kind", "source", "status", "outcome", "filed_at", "accepted_at", "outcome_at",
               "settled_amount", "confirmation_applied_at", "court_decision", "performance")  # fmt: skip
    for row in disputes_counted(committees, since, until).values_list(*columns).iterator(chunk_size=2000):
        (
            committee,
            kind,
            source,
            status,
            outcome,
            filed,
            accepted,
            ended,
            amount,
            applied,
            decision,
            performance,
        ) = row
        ok = outcome in AGREED
        month = f"{timezone.localtime(filed):%Y-%m}"
        f.total += 1
        f.mediated += accepted is not None
        kinds[kind] += 1
        kinds_ok[kind] += ok
        sources[source] += 1
        sources_ok[source] += ok
        per_committee[committee] += 1
        per_committee_ok[committee] += ok
        months[month] += 1
        months_ok[month] += ok
        results[result_of(status, outcome)] += 1
        if outcome:
            f.with_outcome += 1
            f.agreements += ok
            if ended is not None:
                days.append((ended - filed).total_seconds() / 86400)
        if ok and amount is not None:
            settled["all"] += amount
        f.confirmations_applied += applied is not None
        f.confirmations_granted += decision == CourtDecision.GRANTED
        if performance:
            f.follow_ups += 1
            f.performed += performance == Performance.PERFORMED
    f.median_days = round(statistics.median(days), 1) if days else None
    f.settled = settled["all"].quantize(Decimal("0.01")) if settled else Decimal("0.00")
    f.by_kind = [(str(label), kinds[value], kinds_ok[value]) for value, label in Kind.choices if kinds[value]]
    f.by_source = [(str(label), sources[v], sources_ok[v]) for v, label in Source.choices if sources[v]]
    f.by_committee = sorted(((names.get(pk, str(pk)), n, per_committee_ok[pk]) for pk, n in per_committee.items()),
                            key=lambda r: (-r[1], r[0]))  # fmt: skip
    f.by_month = [(m, months[m], months_ok[m]) for m in sorted(months)]
    f.by_result = [(str(RESULT_LABELS[k]), results[k]) for k in RESULT_LABELS if results[k]]
    return f


@dataclass(frozen=True)
class Desk:
    """What the home page's card says to a committee member: disputes open, awaiting acceptance, overdue."""

    open: int
    to_accept: int
    overdue: int


def desk_for(user: Any) -> Desk | None:
    """None for someone on no committee; otherwise three counts in one query (plus the access checks)."""
    from django.db.models import Count, Q

    from shanghui.mediation import access
    from shanghui.mediation.clocks import CLOCKS
    from shanghui.mediation.models import OPEN_STATUSES

    if not access.can_use_dispute_pages(user):
        return None
    counts = access.disputes_for_user(user).aggregate(
        open=Count("pk", filter=Q(status__in=sorted(OPEN_STATUSES))),
        to_accept=Count("pk", filter=Q(status=Status.FILED)),
        overdue=Count("pk", filter=CLOCKS.overdue_q(timezone.now())),
    )
    return Desk(counts["open"], counts["to_accept"], counts["overdue"])
