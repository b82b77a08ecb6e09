"""What the ledger's pages and the API read: a fund's totals, its entries with the running balance, the
statistics. Money stays in fen (integers) until a template or a file shows it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from shanghui.donations.models import Category, Disbursement, Entry, Fund, Gift, Pledge

OUT = (Disbursement.Status.APPROVED, Disbursement.Status.PAID)


@dataclass
class Totals:
    """One fund's (or a group's) figures. `given_fen` = money + goods value (what was given, valued);
    services are counted in hours, never in money."""

    money_fen: int = 0
    goods_fen: int = 0
    service_hours: Decimal = field(default_factory=Decimal)
    gifts: int = 0
    held_fen: int = 0  # money received on the fund's own or its partner charity's account
    disbursed_fen: int = 0
    balance_fen: int = 0
    pledged_fen: int = 0

    @property
    def given_fen(self) -> int:
        return self.money_fen + self.goods_fen

    def add(self, other: Totals) -> None:
        for name in (
            "money_fen",
            "goods_fen",
            "service_hours",
            "gifts",
            "held_fen",
            "disbursed_fen",
            "balance_fen",
            "pledged_fen",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def totals_by_fund(fund_ids: Iterable[int]) -> dict[int, Totals]:
    ids = list(fund_ids)
    out: dict[int, Totals] = {pk: Totals() for pk in ids}
    gifts = (
        Gift.objects.filter(fund_id__in=ids, status=Gift.Status.RECORDED)
        .values("fund_id")
        .annotate(
            money=Sum("amount_fen"),
            goods=Sum("value_fen"),
            hours=Sum("hours"),
            n=Count("pk"),
            held=Sum("amount_fen", filter=~Q(channel=Gift.Channel.DIRECT)),
        )  # fmt: skip
        .order_by()
    )
    for row in gifts:
        t = out[row["fund_id"]]
        t.money_fen, t.goods_fen = int(row["money"] or 0), int(row["goods"] or 0)
        t.service_hours, t.gifts, t.held_fen = Decimal(row["hours"] or 0), row["n"], int(row["held"] or 0)
    for row in (
        Disbursement.objects.filter(fund_id__in=ids, status__in=OUT)
        .values("fund_id")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    ):
        out[row["fund_id"]].disbursed_fen = int(row["s"] or 0)
    for row in (
        Entry.objects.filter(fund_id__in=ids).values("fund_id").annotate(s=Sum("balance_fen")).order_by()
    ):
        out[row["fund_id"]].balance_fen = int(row["s"] or 0)
    pledges = Pledge.objects.filter(fund_id__in=ids).exclude(status=Pledge.Status.CANCELLED)
    for row in pledges.values("fund_id").annotate(s=Sum("amount_fen")).order_by():
        out[row["fund_id"]].pledged_fen = int(row["s"] or 0)
    return out


@dataclass(frozen=True)
class EntryRow:
    entry: Entry
    running_fen: int


def entries_with_balance(fund: Fund, *, limit: int = 200) -> list[EntryRow]:
    """The fund's latest entries, newest first, each with the balance after it."""
    rows = list(
        Entry.objects.filter(fund=fund)
        .select_related("gift", "gift__donor", "disbursement", "actor")
        .order_by("-seq")[:limit]
    )
    if not rows:
        return []
    running = int(
        Entry.objects.filter(fund=fund, seq__lte=rows[0].seq).aggregate(s=Sum("balance_fen"))["s"] or 0
    )
    out: list[EntryRow] = []
    for entry in rows:
        out.append(EntryRow(entry, running))
        running -= entry.balance_fen
    return out


@dataclass
class Stats:
    total: Totals
    by_category: list[tuple[str, Totals]]
    by_channel: list[tuple[str, int, int]]  # label, gifts, value (fen)
    by_month: list[tuple[str, int]]  # YYYY-MM, money + goods value (fen)
    by_recipient: list[tuple[str, int, int]]  # label, count, fen
    funds: int


def stats(funds: QuerySet[Fund], *, today: dt.date) -> Stats:
    fund_rows = list(funds.values_list("pk", "category"))
    per_fund = totals_by_fund(pk for pk, _c in fund_rows)
    total = Totals()
    cats: dict[str, Totals] = defaultdict(Totals)
    for pk, category in fund_rows:
        total.add(per_fund[pk])
        cats[category].add(per_fund[pk])
    labels = dict(Category.choices)
    by_category = [(str(labels[c]), cats[c]) for c in Category.values if c in cats]
    gifts = Gift.objects.filter(fund__in=funds, status=Gift.Status.RECORDED)
    channel_labels = dict(Gift.Channel.choices)
    by_channel = [
        (str(channel_labels[r["channel"]]), r["n"], int(r["a"] or 0) + int(r["v"] or 0))
        for r in gifts.values("channel")
        .annotate(n=Count("pk"), a=Sum("amount_fen"), v=Sum("value_fen"))
        .order_by("channel")
    ]
    start = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    months: dict[str, int] = {}
    cursor = start
    while cursor <= today:
        months[f"{cursor:%Y-%m}"] = 0
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    for r in (
        gifts.filter(received_on__gte=start).annotate(m=TruncMonth("received_on")).values("m")
        .annotate(a=Sum("amount_fen"), v=Sum("value_fen")).order_by("m")
    ):  # fmt: skip
        key = f"{r['m']:%Y-%m}"
        if key in months:
            months[key] = int(r["a"] or 0) + int(r["v"] or 0)
    kinds = dict(Disbursement.RecipientKind.choices)
    by_recipient = [
        (str(kinds[r["recipient_kind"]]), r["n"], int(r["s"] or 0))
        for r in Disbursement.objects.filter(fund__in=funds, status__in=OUT)
        .values("recipient_kind").annotate(n=Count("pk"), s=Sum("amount_fen")).order_by("recipient_kind")
    ]  # fmt: skip
    return Stats(total, by_category, by_channel, list(months.items()), by_recipient, len(fund_rows))


def public_funds() -> QuerySet[Fund]:
    """Campaigns with a disclosure page: public appeals that have opened."""
    return Fund.objects.filter(is_public=True).exclude(status=Fund.Status.DRAFT)


def gift_rows_for_disclosure(fund: Fund) -> list[dict[str, Any]]:
    rows = []
    for g in (
        Gift.objects.filter(fund=fund, status=Gift.Status.RECORDED)
        .select_related("donor")
        .order_by("-received_on", "-pk")[:500]
    ):
        rows.append(
            {
                "name": g.donor.name if g.publish_name and g.donor.kind != g.donor.Kind.ANONYMOUS else g.donor.public_name,
                "kind": g.get_kind_display(), "gift": g, "received_on": g.received_on,
            }
        )  # fmt: skip
    return rows
