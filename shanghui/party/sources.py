"""What the platform knows for 五有 (and the 阵地/活动 parts of other rubrics): registered as scorecard
proposal sources in PartyConfig.ready(). Each answers for a chamber and a period, saying where from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shanghui.orgs.models import Organisation
from shanghui.party.models import Deed, DeedKind, PartyOrganisation

YES, NO = Decimal(1), Decimal(0)


def _orgs(chamber: Organisation) -> list[PartyOrganisation]:
    return list(PartyOrganisation.objects.filter(chambers=chamber))


def plaque(chamber: Organisation, start: dt.date, end: dt.date) -> tuple[Decimal, str] | None:
    orgs = _orgs(chamber)
    if not orgs:
        return None
    hung = [o.name for o in orgs if o.has_plaque]
    return (YES, f"{hung[0]}已登记挂牌") if hung else (NO, "党组织档案未登记挂牌")


def funds(chamber: Organisation, start: dt.date, end: dt.date) -> tuple[Decimal, str] | None:
    orgs = _orgs(chamber)
    if not orgs:
        return None
    total = sum((o.annual_funds for o in orgs), Decimal(0))
    return (YES, f"年度党建经费{total:,.2f}元") if total > 0 else (NO, "未登记党建经费")


def venue(chamber: Organisation, start: dt.date, end: dt.date) -> tuple[Decimal, str] | None:
    orgs = _orgs(chamber)
    if not orgs:
        return None
    venues = [o.venue for o in orgs if o.venue]
    return (YES, f"阵地：{venues[0]}") if venues else (NO, "未登记活动阵地")


def plan(chamber: Organisation, start: dt.date, end: dt.date) -> tuple[Decimal, str] | None:
    orgs = _orgs(chamber)
    if not orgs:
        return None
    years = [o.plan_year for o in orgs if o.plan_year]
    return (
        (YES, f"已登记{max(years)}年度计划")
        if years and max(years) >= start.year
        else (NO, "未登记本年度计划")
    )


def activity(chamber: Organisation, start: dt.date, end: dt.date) -> tuple[Decimal, str] | None:
    """An activity held in the last quarter of the period (the 五有 standard asks for one each quarter)."""
    since = end - dt.timedelta(days=91)
    deeds = Deed.objects.filter(
        chamber=chamber,
        kind__in=[DeedKind.STUDY, DeedKind.PARTY_DAY, DeedKind.POLICY],
        happened_on__range=(since, end),
    )
    latest = deeds.order_by("-happened_on").first()
    if latest is None:
        return NO, f"{since}至{end}无学习会、主题党日或送政策进会记录"
    return YES, f"党建工作台账：{latest.happened_on} {latest.title}"


def activity_count(chamber: Organisation, start: dt.date, end: dt.date) -> tuple[Decimal, str] | None:
    n = (
        Deed.objects.filter(chamber=chamber, happened_on__range=(start, end))
        .exclude(kind=DeedKind.DONATION)
        .count()
    )
    return Decimal(n), f"党建工作台账：评价期内{n}项工作"


SOURCES = (
    ("party.plaque", "党组织挂牌", plaque),
    ("party.funds", "党建经费", funds),
    ("party.venue", "活动阵地", venue),
    ("party.plan", "年度计划", plan),
    ("party.activity", "本季度党建活动", activity),
    ("party.activity_count", "党建工作次数", activity_count),
)
