"""What needs each user's attention, per role. Each module adds its cards here as it is built.

Every card costs a fixed number of queries, whatever the size of the user's scope: counts are
aggregates and lists are sliced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanghui.orgs.access import can_view_members, members_for_user, organisations_for_user, scope_for
from shanghui.orgs.models import ADMIN_ROLES, Membership, Organisation, OrgKind, Role
from shanghui.proxy.access import can_use_case_pages, cases_for_user
from shanghui.proxy.queries import (
    is_supervisor,
    open_follow_ups,
    queue_counts,
    queues_for,
    role_orgs,
    summary_for,
)

LIST_LIMIT = 8
COLLEAGUE_LIMIT = 20


@dataclass
class CardItem:
    label: str
    url: str = ""
    note: str = ""


@dataclass
class Card:
    title: str
    value: str = ""
    url: str = ""
    note: str = ""
    items: list[CardItem] = field(default_factory=list)
    # "stat": a number; "list": a short list with links; "note": a notice without figures.
    kind: str = "stat"
    key: str = ""  # stable name for tests and browser tests (data-testid="card-<key>")
    empty: str = ""


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


def _case_queues(user: Any) -> list[Card]:
    """The proxy case queues of the user's role (links into the filtered case list), and the bad-rating
    follow-ups still open: one query per queue through its index, the cases in progress from the
    statistics summaries when they cover the user's scope."""
    if not can_use_case_pages(user):
        return []
    queues = [q for q in queues_for(user, timezone.now()) if q.key != "all"]
    summary = summary_for(user)
    counts = queue_counts(cases_for_user(user), queues, None if summary is None else summary.statuses)
    url = reverse("proxy:list")
    cards = [
        Card(q.label, str(counts[q.key]), url=f"{url}?queue={q.key}", note=q.help, key=f"cases-{q.key}")
        for q in queues
    ]
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
