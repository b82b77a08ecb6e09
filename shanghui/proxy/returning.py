"""A returning applicant: the name, ID number and county of a mobile number's latest case, to fill the
next application in (issue 13, item 3).

Who gets what:
- a citizen, on /my/apply/, for the number they proved with a one-time code in this session (never for a
  number merely typed: the apply page is behind citizen_required, and the number comes from the session);
- an agent, on /cases/new/, for a number typed in, from the cases of the points where they take cases in
  (the cases they handle: intake_points), nothing from other chambers' points.

The ID number never leaves the server in full: the form shows it masked (lib/masking) and `resolve_id` puts
the stored number back when the masked text comes back unchanged; anything else typed is taken as a new
number and checked as usual. (An agent who needs the full number reveals it on the case, audited, as
before: services.reveal_id_number.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shanghui.lib.masking import mask_id_number
from shanghui.lib.validators import normalize_mobile
from shanghui.proxy.models import Case


@dataclass(frozen=True)
class KnownApplicant:
    name: str
    id_number: str
    home_region_code: str
    current_city: str

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)


def known_applicant(mobile: str, *, point_ids: Iterable[int] | None = None) -> KnownApplicant | None:
    """What the latest case of `mobile` says about its applicant, or None. `point_ids`: only cases of
    these proxy points (an agent's); None: any case (the citizen who proved the number)."""
    mobile = normalize_mobile(mobile or "")
    if not mobile:
        return None
    cases = Case.objects.filter(applicant_mobile=mobile).exclude(applicant_id_number="")
    if point_ids is not None:
        cases = cases.filter(proxy_point_id__in=list(point_ids))
    latest = (
        cases.order_by("-created_at", "-pk")
        .only("applicant_name", "applicant_id_number", "home_region_code", "current_city")
        .first()
    )
    if latest is None:
        return None
    return KnownApplicant(
        name=latest.applicant_name,
        id_number=latest.applicant_id_number,
        home_region_code=latest.home_region_code,
        current_city=latest.current_city,
    )


def resolve_id(submitted: str, known: KnownApplicant | None) -> str:
    """The ID number to use: the stored one when the form sent back its masked text unchanged, else what
    was typed."""
    if known is not None and submitted.strip().upper() == known.masked_id.upper():
        return known.id_number
    return submitted
