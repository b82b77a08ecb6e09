"""What needs each user's attention, per role. Each module adds its cards here as it is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from shanghui.orgs.access import members_for_user, organisations_for_user, scope_for
from shanghui.orgs.models import ADMIN_ROLES, OrgKind


@dataclass
class Card:
    title: str
    value: str
    url: str = ""
    note: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)


def cards_for(user: Any) -> list[Card]:
    scope = scope_for(user)
    if not scope.grants and not scope.is_superuser:
        return []
    cards: list[Card] = []
    orgs = organisations_for_user(user)
    counts = {row["kind"]: row["n"] for row in _count_by_kind(orgs)}
    for kind, label in (
        (OrgKind.CHAMBER, "商会"),
        (OrgKind.PROXY_POINT, "代办点"),
        (OrgKind.WINDOW, "受理窗口"),
    ):
        if counts.get(kind):
            cards.append(
                Card(
                    label,
                    str(counts[kind]),
                    url=reverse("orgs:list") + f"?kind={kind}",
                    note="在我的管辖范围内",
                )
            )
    if scope.has_role(*ADMIN_ROLES):
        cards.append(Card("成员", str(members_for_user(user).count()), url=reverse("orgs:member_list")))
    return cards


def _count_by_kind(orgs: Any) -> Any:
    from django.db.models import Count

    return orgs.values("kind").annotate(n=Count("id")).order_by()
