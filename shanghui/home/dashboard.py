"""What needs each user's attention, per role. Each module adds its cards here as it is built.

Every card costs a fixed number of queries, whatever the size of the user's scope: counts are
aggregates and lists are sliced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as When_
from django.db.models import Count, F, When
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanghui.orgs.access import can_view_members, members_for_user, organisations_for_user, scope_for
from shanghui.orgs.models import ADMIN_ROLES, Membership, Organisation, OrgKind, Role
from shanghui.proxy.access import can_use_case_pages, cases_for_user
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.periods import last_months
from shanghui.proxy.queries import (
    ScopeSummary,
    is_supervisor,
    local_day_start,
    open_follow_ups,
    queue_counts,
    queues_for,
    role_orgs,
    summary_for,
    todo_queue,
)
from shanghui.proxy.summaries import parse_status_key

LIST_LIMIT = 8
COLLEAGUE_LIMIT = 20


@dataclass
class CardItem:
    label: str
    url: str = ""
    note: str = ""


@dataclass
class Bar:
    label: str
    value: int
    percent: float  # of the largest bar of its card


@dataclass
class Card:
    title: str
    value: str = ""
    url: str = ""
    note: str = ""
    items: list[CardItem] = field(default_factory=list)
    # "action": a number that asks for action (shown first, larger, coloured by `tone` when not zero);
    # "stat": a number; "list": a short list with links; "trend": bars with their numbers as text;
    # "note": a notice without figures.
    kind: str = "stat"
    key: str = ""  # stable name for tests and browser tests (data-testid="card-<key>")
    empty: str = ""
    tone: str = ""  # "danger", "warning": the colour of an action card that is not zero
    bars: list[Bar] = field(default_factory=list)


# Roles that exist for a programme of their own. Until the programme is on the platform (its pages give
# the holder a navigation entry with this key), the person's work page says so and shows what they can do.
PROGRAMME_ROLES: dict[str, tuple[str, Any]] = {
    Role.MEDIATOR: ("mediation", gettext_lazy("纠纷调解")),
    Role.LECTURER: ("lectures", gettext_lazy("青年企业家宣讲团")),
    Role.PARTY_OFFICER: ("party", gettext_lazy("商会党建")),
}


def cards_for(user: Any) -> list[Card]:
    scope = scope_for(user)
    if not scope.grants and not scope.is_superuser:
        return []
    cards: list[Card] = _programmes_not_yet_here(user)
    cards += _case_queues(user)
    if can_view_members(user) or scope.is_superuser:
        cards += _scope_counts(user)
    if scope.is_superuser or scope.has_role(*ADMIN_ROLES):
        cards.append(_inactive_members(user))
    if scope.has_role(Role.MEDIATOR, Role.CHAMBER_STAFF, Role.CHAMBER_ADMIN):
        # Committees are staffed from chambers: nobody else pays the committee look-up.
        cards += _mediation(user)
    cards += _volunteering(user)
    cards += _my_organisations(user)
    if scope.has_role(Role.AGENT, Role.WINDOW_CLERK):
        cards.append(_colleagues(user))
    return cards


def _programmes_not_yet_here(user: Any) -> list[Card]:
    from shanghui.home.context_processors import nav_items, user_menu_items

    nav = nav_items(user)
    keys = {item.key for item in nav}
    cards = []
    for role in sorted({g.role for g in scope_for(user).grants}):
        programme = PROGRAMME_ROLES.get(role)
        if programme is None or programme[0] in keys:
            continue
        key, name = programme
        cards.append(
            Card(
                _("%(role)s的工作尚未上线") % {"role": Role(role).label},
                kind="list",
                key=f"pending-{key}",
                note=_("“%(programme)s”模块还没有在商会+上线，上线后您的工作会出现在这里。您现在可以：")
                % {"programme": name},
                items=[CardItem(i.label, i.url) for i in nav if i.key != "home"]
                + [CardItem(i.label, i.url) for i in user_menu_items(user)],
            )
        )
    return cards


def _mediation(user: Any) -> list[Card]:
    """The disputes of a committee member (mediation/queries.desk_for): open, to accept, overdue."""
    from shanghui.mediation.queries import desk_for

    desk = desk_for(user)
    if desk is None:
        return []
    note = _("待受理 %(to_accept)s 件，已超期 %(overdue)s 件") % {
        "to_accept": desk.to_accept,
        "overdue": desk.overdue,
    }
    return [
        Card(_("办理中的纠纷"), str(desk.open), url=reverse("mediation:list"), note=note, key="mediation")
    ]


# The queues that ask for action, shown first and coloured when not empty.
ACTION_QUEUES = {"overdue": "danger", "due_soon": "warning"}
TODAY_LIMIT = 8
TREND_WEEKS = 8
TREND_MONTHS = 6


def _case_queues(user: Any) -> list[Card]:
    """The proxy case queues of the user's role (links into the filtered case list) — 已超期 and 即将超期
    first, as action cards —, the bad-rating follow-ups still open, today's list (the cases whose clock
    runs out first) and the trends (new cases per week and per month). One query per queue through
    its index; the cases in progress and the months from the statistics summaries when they cover the
    user's scope; the weeks from the last eight weeks' cases only."""
    if not can_use_case_pages(user):
        return []
    now = timezone.now()
    all_queues = queues_for(user, now)
    queues = [q for q in all_queues if q.key != "all"]
    summary = summary_for(user)
    cases = cases_for_user(user)
    counts = queue_counts(cases, queues, None if summary is None else summary.statuses)
    url = reverse("proxy:list")
    cards = [
        Card(
            q.label,
            str(counts[q.key]),
            url=f"{url}?queue={q.key}",
            note=q.help,
            key=f"cases-{q.key}",
            kind="action" if q.key in ACTION_QUEUES else "stat",
            tone=ACTION_QUEUES.get(q.key, "") if counts[q.key] else "",
        )
        for q in queues
    ]
    cards.append(_today(cases, all_queues, now))
    cards += _trends(cases, summary, now)
    responsible = None
    if not is_supervisor(user):
        # Agents and clerks answer for their own point or window, not for every case they see.
        points, windows = role_orgs(user)
        responsible = [*points, *windows]
    follow_ups_open = open_follow_ups(user, timezone.now(), summary, responsible)
    cards.append(
        Card(
            _("差评待整改"),
            str(follow_ups_open),
            url=reverse("proxy:followups"),
            note=_("差评整改尚未办结"),
            key="cases-followups",
        )
    )
    return cards


def _today(cases: Any, queues: list[Any], now: dt.datetime) -> Card:
    """今日待办: the cases of the person's to-do queue and those due soon or overdue, the clock that runs
    out first on top (overdue ones first), each with what is left of it. One query, sliced."""
    by_key = {q.key: q for q in queues}
    wanted = by_key["due_soon"].q | by_key["overdue"].q
    todo = todo_queue(queues)
    if todo.key != "all":
        wanted |= todo.q
    due = When_(
        *[When(status=status, then=F(spec.due)) for spec in CLOCKS for status in sorted(spec.runs_in)],
        default=None,
    )
    rows = list(
        cases.filter(wanted, paused_at__isnull=True)
        .annotate(running_due=due)
        .select_related("item")
        .order_by(F("running_due").asc(nulls_last=True), "pk")[:TODAY_LIMIT]
    )
    items = []
    for case in rows:
        # The due time itself, not working days left: the calendar's periodic re-read would make the
        # page's query count depend on the moment.
        due_at = case.running_due
        when = ""
        if due_at is not None:
            local = timezone.localtime(due_at)
            shown = _("%(month)s月%(day)s日 %(time)s") % {
                "month": local.month,
                "day": local.day,
                "time": local.strftime("%H:%M"),
            }
            when = (_("已超期（时限 %(due)s）") if due_at < now else _("%(due)s 到期")) % {"due": shown}
        note = " · ".join(part for part in (str(case.get_status_display()), when) if part)
        items.append(
            CardItem(f"{case.number} {case.item.name}", reverse("proxy:detail", args=[case.pk]), note)
        )
    return Card(
        _("今日待办"),
        kind="list",
        key="cases-today",
        items=items,
        note=_("按剩余时限排列，最紧的在前") if items else "",
        url=f"{reverse('proxy:list')}?queue={todo.key}",
        empty=_("今天没有需要处理的办件"),
    )


def _trends(cases: Any, summary: ScopeSummary | None, now: dt.datetime) -> list[Card]:
    """New cases per week (the last TREND_WEEKS weeks, counted from those weeks' cases) and per month
    (the last TREND_MONTHS months, from the summaries when they cover the scope)."""
    today = timezone.localtime(now).date()
    monday = today - dt.timedelta(days=today.weekday())
    first_week = monday - dt.timedelta(weeks=TREND_WEEKS - 1)
    weekly: dict[dt.date, int] = {}
    for week, n in (
        cases.filter(created_at__gte=local_day_start(first_week))
        .annotate(week=TruncWeek("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        day = timezone.localtime(week).date() if isinstance(week, dt.datetime) else week
        weekly[day] = weekly.get(day, 0) + n
    weeks = [first_week + dt.timedelta(weeks=i) for i in range(TREND_WEEKS)]
    week_values = [
        (_("%(month)s月%(day)s日起") % {"month": w.month, "day": w.day}, weekly.get(w, 0)) for w in weeks
    ]

    months = last_months(now, TREND_MONTHS)
    monthly: dict[tuple[int, int], int] = {}
    if summary is not None:
        for key, n in summary.keys.items():
            if key.startswith("s|"):
                year, month = parse_status_key(key)[1].split("-")
                monthly[(int(year), int(month))] = monthly.get((int(year), int(month)), 0) + n
    else:
        since = local_day_start(dt.date(*months[0], 1))
        for created in cases.filter(created_at__gte=since).values_list("created_at", flat=True):
            local = timezone.localtime(created)
            monthly[(local.year, local.month)] = monthly.get((local.year, local.month), 0) + 1
    month_values = [(_("%(month)s月") % {"month": m}, monthly.get((y, m), 0)) for y, m in months]
    stats = reverse("proxy:stats")
    return [
        Card(_("近%(n)s周新建办件") % {"n": TREND_WEEKS}, kind="trend", key="cases-weekly",
             bars=_bars(week_values), url=stats, note=_("本周截至今天")),
        Card(_("近%(n)s个月新建办件") % {"n": TREND_MONTHS}, kind="trend", key="cases-monthly",
             bars=_bars(month_values), url=stats, note=_("本月截至今天")),
    ]  # fmt: skip


def _bars(values: list[tuple[str, int]]) -> list[Bar]:
    largest = max((n for _label, n in values), default=0)
    return [Bar(label, n, round(100 * n / largest, 1) if largest else 0) for label, n in values]


def _volunteering(user: Any) -> list[Card]:
    """This year's volunteering of the user's scope (federation and chamber home pages): person-times,
    distinct volunteers, approved hours, hours waiting for approval. Two aggregate queries."""
    from shanghui.activities.access import ORGANISER_ROLES, can_use_staff_pages
    from shanghui.activities.queries import year_figures

    if not can_use_staff_pages(user) or not scope_for(user).has_role(*ORGANISER_ROLES, Role.AUDITOR):
        return []
    figures = year_figures(user)
    stats, hours = reverse("activities:stats"), reverse("activities:hours")
    return [
        Card(_("志愿服务人次（本年）"), str(figures.person_times), url=stats,
             note=_("参与志愿者 %(n)s 人") % {"n": figures.volunteers}, key="volunteer-person-times"),
        Card(_("认定志愿服务时长（本年）"), str(figures.hours), url=stats, note=_("小时"), key="volunteer-hours"),
        Card(_("待审核时长"), str(figures.pending), url=f"{hours}?state=pending",
             note=_("活动结束后待组织者认定"), key="volunteer-pending"),
    ]  # fmt: skip


def _scope_counts(user: Any) -> list[Card]:
    rows = organisations_for_user(user).values("kind").annotate(n=Count("id")).order_by()
    counts = {row["kind"]: row["n"] for row in rows}
    cards = [
        Card(
            str(kind.label),
            str(counts[kind]),
            url=reverse("orgs:list") + f"?kind={kind.value}",
            note=_("在我的管辖范围内"),
            key=f"count-{kind.value}",
        )
        for kind in OrgKind
        if counts.get(kind)
    ]
    cards.append(
        Card(
            _("成员"),
            str(members_for_user(user).count()),
            url=reverse("orgs:member_list"),
            note=_("在我的管辖范围内担任角色的人员"),
            key="count-members",
        )
    )
    return cards


def _inactive_members(user: Any) -> Card:
    inactive = members_for_user(user).filter(is_active=False)
    total = inactive.count()
    people = list(inactive.order_by("name", "username")[:LIST_LIMIT])
    return Card(
        _("已停用的账号"),
        str(total),
        url=reverse("orgs:member_list") + "?active=0",
        kind="list",
        key="inactive-members",
        items=[CardItem(p.display_name, reverse("orgs:member_detail", args=[p.pk])) for p in people],
        empty=_("没有停用的账号"),
    )


# The card title for the organisations where someone holds each kind of role.
_GRANT_GROUPS = (
    ("my-proxy-points", gettext_lazy("我的代办点"), {Role.AGENT}),
    ("my-windows", gettext_lazy("我的受理窗口"), {Role.WINDOW_CLERK}),
)


def _my_organisations(user: Any) -> list[Card]:
    grants = scope_for(user).grants
    if not grants:
        return []
    orgs = Organisation.objects.in_bulk({g.org_id for g in grants})
    grouped: dict[str, list[CardItem]] = {}
    for grant in sorted(grants, key=lambda g: g.path):
        org = orgs.get(grant.org_id)
        if org is None:
            continue
        key = next((k for k, _title, roles in _GRANT_GROUPS if grant.role in roles), "my-orgs")
        grouped.setdefault(key, []).append(
            CardItem(org.name, reverse("orgs:detail", args=[org.pk]), str(Role(grant.role).label))
        )
    titles = {k: str(title) for k, title, _roles in _GRANT_GROUPS} | {"my-orgs": _("我的组织与角色")}
    return [
        Card(titles[key], kind="list", key=key, items=items)
        for key in ("my-proxy-points", "my-windows", "my-orgs")
        if (items := grouped.get(key))
    ]


def _colleagues(user: Any) -> Card:
    org_ids = [g.org_id for g in scope_for(user).grants if g.role in (Role.AGENT, Role.WINDOW_CLERK)]
    rows = (
        Membership.objects.filter(organisation_id__in=org_ids, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__name", "user__username", "role")[:COLLEAGUE_LIMIT]
    )
    seen: set[int] = set()
    items = []
    for m in rows:
        if m.user_id in seen:
            continue
        seen.add(m.user_id)
        items.append(CardItem(m.user.display_name, note=f"{m.get_role_display()} · {m.user.masked_mobile}"))
    return Card(_("同事"), kind="list", key="colleagues", items=items, empty=_("暂无其他同事"))
