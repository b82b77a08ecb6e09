"""The demo's donations and pairing reproduce the federation's figures (DESIGN.md): ¥65,608,600 given in
the epidemic in money and goods; grassroots donations over ¥1M; 103 enterprises paired with 100 villages
in Sichuan, ¥10M+ raised, investment agreements near ¥10bn, kept apart. Its ledgers are whole: each
fund's chain verifies and its balance is what it received minus what it paid, never below zero."""

from __future__ import annotations

import io

import pytest
from django.core.management.base import OutputWrapper
from django.db.models import Sum

from shanghui.demo import quzhou
from shanghui.demo.loader import Demo
from shanghui.donations import demo as donations_demo
from shanghui.donations import ledger, queries
from shanghui.donations.models import Category, Disbursement, Entry, Fund, Gift
from shanghui.orgs.models import OrgKind
from shanghui.pairing import queries as pairing_queries
from shanghui.pairing.models import Pair, Project, VillageProfile

pytestmark = pytest.mark.django_db


def _load() -> Demo:
    demo = Demo(stdout=OutputWrapper(io.StringIO()), password="Quzhou#Demo2026", reset_passwords=False)
    quzhou.load(demo)
    donations_demo.load(demo)
    return demo


def test_the_demo_reproduces_the_reported_figures() -> None:
    _load()

    epidemic = Fund.objects.get(name=donations_demo.EPIDEMIC_NAME)
    t = queries.totals_by_fund([epidemic.pk])[epidemic.pk]
    assert t.given_fen == 6_560_860_000  # ¥65,608,600.00 in money and goods
    assert t.money_fen > 0 and t.goods_fen > 0
    assert epidemic.is_public and epidemic.partner_charity
    assert set(Gift.objects.filter(fund=epidemic).values_list("channel", flat=True)) == set(
        Gift.Channel.values
    )
    assert set(Gift.objects.filter(fund=epidemic).values_list("donor__kind", flat=True)) == {
        "chamber",
        "enterprise",
    }

    grassroots = Fund.objects.filter(category=Category.GRASSROOTS)
    given = sum(x.given_fen for x in queries.totals_by_fund(grassroots.values_list("pk", flat=True)).values())
    assert given > 100_000_000  # over ¥1M

    pairs = Pair.objects.all()
    assert pairs.count() == 103
    assert pairs.values("partner").distinct().count() == 103
    assert pairs.values("village").distinct().count() == 100
    assert set(pairs.values_list("partner__kind", flat=True)) == {OrgKind.ENTERPRISE}
    assert set(
        VillageProfile.objects.filter(village__in=pairs.values("village")).values_list("province", flat=True)
    ) == {"四川省"}
    _rows, total = pairing_queries.by_place(pairs)
    assert total.figures is not None
    assert total.figures.donated_fen >= 1_000_000_000  # ¥10M+
    assert 950_000_000_000 <= total.figures.invested_fen < 1_000_000_000_000  # near ¥10bn
    assert total.figures.invested_fen == Project.objects.aggregate(s=Sum("invested_fen"))["s"]
    # Charity projects carry donations only; investment sits on the others.
    assert not Project.objects.filter(kind=Project.Kind.CHARITY, invested_fen__gt=0).exists()


def test_every_demo_ledger_is_whole() -> None:
    _load()
    for fund in Fund.objects.all():
        assert ledger.verify_fund(fund) == [], fund.name
        held = Gift.objects.filter(fund=fund, status="recorded", kind="money").exclude(channel="direct")
        paid = Disbursement.objects.filter(fund=fund, status__in=["approved", "paid"])
        balance = ledger.balance_fen(fund)
        assert balance == (held.aggregate(s=Sum("amount_fen"))["s"] or 0) - (
            paid.aggregate(s=Sum("amount_fen"))["s"] or 0
        )
        assert balance >= 0
        running = 0
        for change in Entry.objects.filter(fund=fund).order_by("seq").values_list("balance_fen", flat=True):
            running += change
            assert running >= 0, fund.name


def test_the_demo_part_runs_once() -> None:
    _load()
    before = (Fund.objects.count(), Gift.objects.count(), Pair.objects.count())
    demo = _load()
    assert (Fund.objects.count(), Gift.objects.count(), Pair.objects.count()) == before
    assert demo.existing[donations_demo.LABEL] == 1
