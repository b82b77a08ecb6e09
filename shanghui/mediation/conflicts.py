"""The conflict check (回避): whether a mediator is tied to a party, read from the member registry (the
mediator's memberships in a party's enterprise, with the office they hold there) and the register of ties
(models.Tie: employment, office, relatives, declared or recorded). A mediator with a conflict cannot be
assigned without an override and its reason (services.assign_mediator)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from shanghui.accounts.models import User
from shanghui.mediation.models import Dispute, Party, Tie, TieKind
from shanghui.orgs.models import Membership, OrgKind


@dataclass(frozen=True)
class Conflict:
    kind: str  # "party", "member", "office", or a TieKind
    party: str  # the party's name
    label: str  # what the page shows

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def conflicts_of(mediator: User, parties: list[Party]) -> list[Conflict]:
    found: list[Conflict] = []
    codes = {p.credit_code: p for p in parties if p.credit_code}
    for party in parties:
        if mediator.mobile and party.mobile == mediator.mobile:
            found.append(Conflict("party", party.name, f"调解员本人是当事人“{party.name}”的联系人"))
    memberships = Membership.objects.filter(
        user=mediator, organisation__kind=OrgKind.ENTERPRISE, organisation__credit_code__in=list(codes)
    ).values_list("organisation__credit_code", "title", "role")
    for code, title, _role in memberships:
        name = codes[code].name
        if title:
            found.append(Conflict("office", name, f"在当事企业“{name}”担任{title}（会员登记）"))
        else:
            found.append(Conflict("member", name, f"在当事企业“{name}”任职（会员登记）"))
    for code, kind, note in Tie.objects.filter(user=mediator, credit_code__in=list(codes)).values_list(
        "credit_code", "kind", "note"
    ):
        name = codes[code].name
        label = f"{TieKind(kind).label}：{name}" + (f"（{note}）" if note else "")
        found.append(Conflict(kind, name, label))
    return found


def check(mediator: User, dispute: Dispute) -> list[Conflict]:
    return conflicts_of(mediator, list(dispute.parties.all()))
