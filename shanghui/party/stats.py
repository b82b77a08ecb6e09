"""The party-building statistics: what the federation reports (donations in the epidemic, problems solved
for enterprises), the work register by kind, party organisations and members, the 三同时 register,
re-election candidates and the evaluation levels; the same tables as an Excel workbook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.lib.xlsx import Sheet, caption, xlsx_response
from shanghui.orgs.access import scope_label
from shanghui.party import register
from shanghui.party.access import (
    READER_ROLES,
    candidates_for_user,
    chambers_for_user,
    deeds_for_user,
    party_orgs_for_user,
)
from shanghui.party.models import Candidate, DeedKind, PartyOrgKind
from shanghui.scorecards.access import cards_for_user

YEARS = list(range(2020, 2031))
CENT = Decimal("0.01")


def year_of(raw: str | None) -> int | None:
    try:
        year = int(raw or "")
    except ValueError:
        return None
    return year if year in YEARS else None


@dataclass
class Figures:
    donations: Decimal = Decimal(0)
    problems: int = 0
    chambers: int = 0
    party_orgs: int = 0
    party_members: int = 0
    deeds: list[tuple[str, int, Decimal, int]] = field(
        default_factory=list
    )  # kind label, count, amount, people
    org_kinds: list[tuple[str, int]] = field(default_factory=list)
    register: list[tuple[str, int]] = field(default_factory=list)
    warnings: int = 0
    candidates: list[tuple[str, int]] = field(default_factory=list)
    levels: list[tuple[str, str, int]] = field(default_factory=list)  # rubric, level, cards


def figures(user: User, year: int | None, today: dt.date) -> Figures:
    f = Figures()
    deeds = deeds_for_user(user)
    if year:
        deeds = deeds.filter(happened_on__year=year)
    by_kind = {
        r["kind"]: r
        for r in deeds.values("kind")
        .annotate(n=Count("id"), amount=Sum("amount"), people=Sum("people"))
        .order_by()
    }
    for kind, label in DeedKind.choices:
        row = by_kind.get(kind, {})
        amount = Decimal(row.get("amount") or 0).quantize(CENT)
        f.deeds.append((str(label), row.get("n", 0), amount, row.get("people") or 0))
    f.donations = Decimal((by_kind.get(DeedKind.DONATION) or {}).get("amount") or 0).quantize(CENT)
    f.problems = (by_kind.get(DeedKind.PROBLEM) or {}).get("n", 0)
    chambers = list(chambers_for_user(user))
    f.chambers = len(chambers)
    orgs = party_orgs_for_user(user)
    f.party_orgs = orgs.count()
    f.party_members = orgs.aggregate(n=Sum("member_count"))["n"] or 0
    kinds = dict(orgs.values_list("kind").annotate(n=Count("id")).order_by())
    f.org_kinds = [(str(label), kinds.get(k, 0)) for k, label in PartyOrgKind.choices]
    rows = register.build(chambers, today)
    f.register = [
        (str(label), sum(1 for r in rows if r.status == key)) for key, label in register.LABELS.items()
    ]
    f.warnings = sum(1 for r in rows if r.warning)
    candidates = candidates_for_user(user)
    if year:
        candidates = candidates.filter(election__planned_on__year=year)
    counts = dict(candidates.values_list("status").annotate(n=Count("id")).order_by())
    f.candidates = [(str(label), counts.get(k, 0)) for k, label in Candidate.Status.choices]
    cards = cards_for_user(user).exclude(level="")
    if year:
        cards = cards.filter(round__period_end__year=year)
    f.levels = [
        (r["round__rubric__name"], r["level"], r["n"])
        for r in cards.values("round__rubric__name", "level")
        .annotate(n=Count("id"))
        .order_by("round__rubric__name", "level")
    ]
    return f


def export(request: HttpRequest, f: Figures, year: int | None, *, user: User) -> FileResponse:
    # The year filters the work register, the candidates and the evaluations; the organisations, the
    # members and the 三同时 register are as they stand today.
    title = caption(
        gettext("党建统计"),
        scope=scope_label(user, READER_ROLES),
        period=gettext("%(year)s年") % {"year": year} if year else gettext("全部年份"),
    )
    sheets = [
        Sheet(
            gettext("概况"),
            (gettext("指标"), gettext("数值")),
            [
                (gettext("疫情防控捐赠（元）"), f.donations),
                (gettext("帮企解难（件）"), f.problems),
                (gettext("商会（个）"), f.chambers),
                (gettext("党组织（个）"), f.party_orgs),
                (gettext("党员（人）"), f.party_members),
                (gettext("即将届满提醒（个）"), f.warnings),
            ],
            caption=title,
        ),  # fmt: skip
        Sheet(
            gettext("党建工作"),
            (gettext("类型"), gettext("次数（次）"), gettext("金额（元）"), gettext("参与人数（人）")),
            f.deeds,
            caption=title,
        ),
        Sheet(gettext("党组织类型"), (gettext("类型"), gettext("数量（个）")), f.org_kinds, caption=title),
        Sheet(gettext("三同时"), (gettext("结论"), gettext("商会数（个）")), f.register, caption=title),
        Sheet(gettext("换届候选人"), (gettext("状态"), gettext("人数（人）")), f.candidates, caption=title),
        Sheet(
            gettext("评价等次"),
            (gettext("评价细则"), gettext("等次"), gettext("数量（份）")),
            f.levels,
            caption=title,
        ),
    ]
    response = xlsx_response(filename=f"党建统计{year or ''}", sheets=sheets, ascii_name="party-stats")
    audit(
        actor=request.user,
        action=AuditAction.PARTY_EXPORT,
        object_type="party.stats",
        request=request,
        detail={"year": year or ""},
    )
    return response
