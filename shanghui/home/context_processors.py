"""The navigation shown to each user: only what their roles may use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from shanghui.activities.access import can_use_staff_pages as can_use_activity_pages
from shanghui.audit.access import can_view_audit_log
from shanghui.catalog.access import can_read_catalogue
from shanghui.donations.access import can_use_ledger
from shanghui.notify.access import can_manage_notifications
from shanghui.notify.services import unread_count
from shanghui.orgs.access import can_view_members, scope_for
from shanghui.orgs.models import Role
from shanghui.party.access import can_use as can_use_party
from shanghui.proxy.access import can_use_case_pages


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    key: str


STAFF_ROLES = frozenset(Role)
# Who may find the dispute pages (committee admins are chamber staff; mediators) or their statistics.
MEDIATION_DESK_ROLES = (Role.MEDIATOR, Role.CHAMBER_STAFF)
MEDIATION_ROLES = (*MEDIATION_DESK_ROLES, Role.CHAMBER_ADMIN, Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF)


def nav_items(user: Any) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    items = [NavItem(_("工作台"), reverse("home:index"), "home")]
    if can_use_case_pages(user):
        items.append(NavItem(_("代办件"), reverse("proxy:list"), "proxy"))
    if scope.has_role(*MEDIATION_ROLES):
        # Roles only (no query): the pages themselves decide on committees (mediation/access.py).
        items.append(
            NavItem(
                _("纠纷调解"),
                reverse("mediation:stats" if not scope.has_role(*MEDIATION_DESK_ROLES) else "mediation:list"),
                "mediation",
            )
        )
    if can_use_activity_pages(user):
        items.append(NavItem(_("活动与志愿服务"), reverse("activities:list"), "activities"))
    if can_read_catalogue(user):
        items.append(NavItem(_("事项目录"), reverse("catalog:item_list"), "catalog"))
    if can_use_party(user):
        items.append(NavItem(_("商会党建"), reverse("party:index"), "party"))
    if scope.has_role(Role.DEPARTMENT_ADMIN, Role.PARTY_OFFICER, Role.CHAMBER_ADMIN):
        items.append(NavItem(_("待我审查"), reverse("reviews:inbox"), "reviews"))
    if scope.has_role(*STAFF_ROLES):
        items.append(NavItem(_("组织机构"), reverse("orgs:list"), "orgs"))
    if can_view_members(user):
        items.append(NavItem(_("成员管理"), reverse("orgs:member_list"), "members"))
    if can_use_ledger(user):
        items.append(NavItem(_("捐赠台账"), reverse("donations:funds"), "donations"))
        items.append(NavItem(_("结对帮扶"), reverse("pairing:list"), "pairing"))
    if can_manage_notifications(user):
        # Not "notify": that namespace is also the inbox, which this entry must not light up.
        items.append(NavItem(_("通知渠道"), reverse("notify:channel_list"), "notify-channels"))
    if can_view_audit_log(user):
        items.append(NavItem(_("审计日志"), reverse("audit:list"), "audit"))
    if user.is_staff:
        items.append(NavItem(_("后台配置"), reverse("admin:index"), "admin"))
    return items


def user_menu_items(user: Any) -> list[NavItem]:
    """The user menu (top right): the person's own settings."""
    if not user.is_authenticated:
        return []
    return [
        NavItem(_("通知设置"), reverse("notify:preferences"), "notify-preferences"),
        NavItem(_("API 令牌"), reverse("accounts:tokens"), "tokens"),
    ]


def active_item(items: list[NavItem], path: str) -> str:
    """The key of the entry the page belongs to: the one whose address is the longest start of the page's
    (成员管理 for /orgs/members/3/, not 组织机构; the work page only for itself)."""
    matching = [i for i in items if (path == i.url if i.url == "/" else path.startswith(i.url))]
    return max(matching, key=lambda i: len(i.url)).key if matching else ""


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    items = nav_items(user)
    memberships = (
        user.memberships.select_related("organisation").order_by("organisation__path")
        if user.is_authenticated
        else []
    )
    return {
        "nav_items": items,
        "user_menu": user_menu_items(user),
        "nav_active": active_item(items, request.path),
        "my_memberships": memberships,
        # Called by the template only where the bell is drawn: one COUNT on an indexed column.
        "unread_notifications": partial(unread_count, user) if user.is_authenticated else 0,
    }
