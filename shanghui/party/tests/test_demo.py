"""The demo reproduces what the federation reports for party building, and holds a re-election round,
a 双强六好 round with every chamber and a 三同时 register with some chambers out of step."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from shanghui.orgs.models import Organisation, OrgKind
from shanghui.party import register
from shanghui.party.demo import DONATIONS, FEW_MEMBERS, FOUNDED_LATE, NO_BRANCH, PROBLEMS, REELECTED_ALONE
from shanghui.party.models import Candidate, Deed
from shanghui.party.stats import figures
from shanghui.proxy import demo as proxy_demo
from shanghui.reviews.models import Chain
from shanghui.scorecards.models import Card, Round

pytestmark = pytest.mark.django_db


def test_the_demo_reports_the_federations_party_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proxy_demo, "CASES", 60)
    call_command("demo", stdout=io.StringIO(), password="Quzhou#Demo2026")
    from shanghui.accounts.models import User

    fed = User.objects.get(username="fed_admin")
    f = figures(fed, 2026, dt.date(2026, 11, 20))
    assert f.donations == DONATIONS == Decimal("65608600.00")
    assert f.problems == PROBLEMS == 218
    assert Deed.objects.filter(kind="problem").count() == 218

    # A re-election round: president and party secretary final after publicity; vice presidents at the
    # joint review, stopped by 有异议, and waiting for the self-check.
    statuses = sorted(Candidate.objects.values_list("position", "status"))
    assert statuses == [("party_secretary", "final"), ("president", "final"), ("vice_president", "rejected"),
                        ("vice_president", "vetting"), ("vice_president", "vetting")]  # fmt: skip
    assert Chain.objects.filter(status="running", current=4).count() == 1

    chambers = Organisation.objects.filter(kind=OrgKind.CHAMBER)
    rnd = Round.objects.get(rubric__code="shuangqiang-liuhao", name="2025年度")
    assert rnd.cards.count() == chambers.count() == 22
    assert set(rnd.cards.values_list("status", flat=True)) == {Card.Status.FINAL}
    assert (
        Round.objects.get(rubric__code="wuyou").cards.exclude(scores__proposed_from="").distinct().count()
        == 22
    )

    rows = {r.chamber.name: r for r in register.build(chambers, dt.date(2026, 11, 20))}
    out = {name for name, r in rows.items() if r.status == "out_of_step"}
    assert out == {*FOUNDED_LATE, NO_BRANCH, *REELECTED_ALONE}
    assert {name for name, r in rows.items() if r.status == "no_members"} == set(FEW_MEMBERS)
    assert sum(1 for r in rows.values() if r.warning) == 3

    # Idempotent: a second run creates nothing of party building.
    out2 = io.StringIO()
    call_command("demo", stdout=out2)
    assert "党建演示数据已存在" in out2.getvalue()
    assert Deed.objects.filter(kind="problem").count() == 218
