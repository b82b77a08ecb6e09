"""The 三同时 register: each chamber checked against the rule, from what is recorded.

三同时: 商会组建与商会党组织组建同时实施，商会会长人选与商会党组织书记人选同时考察，商会换届与商会党组织换届同时实施.

* founded together: the party organisation founded within SAME_TIME_DAYS of the chamber — or the chamber
  has fewer party members than a branch needs (3) and no party organisation yet (not out of step);
* vetted together: in the latest re-election, a 会长 candidate and a 党组织书记 candidate were both put
  through 五步审查 (or neither);
* re-elected together: the latest re-election held the chamber's and the party organisation's elections
  within SAME_TIME_DAYS;
* a warning WARN_DAYS before the chamber's or the party organisation's term ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy, ngettext

from shanghui.orgs.models import Organisation
from shanghui.party.models import Candidate, ChamberProfile, Election, PartyOrganisation, Position

SAME_TIME_DAYS = 90
WARN_DAYS = 90
BRANCH_MIN_MEMBERS = 3

IN_STEP, OUT_OF_STEP, NO_MEMBERS, UNKNOWN = "in_step", "out_of_step", "no_members", "unknown"
LABELS = {
    IN_STEP: gettext_lazy("同步"),
    OUT_OF_STEP: gettext_lazy("不同步"),
    NO_MEMBERS: gettext_lazy("暂无党员"),
    UNKNOWN: gettext_lazy("待登记"),
}


@dataclass
class Row:
    chamber: Organisation
    founded: str = UNKNOWN
    vetted: str = UNKNOWN
    reelected: str = UNKNOWN
    problems: list[str] = field(default_factory=list)
    warning: str = ""
    term_ends_on: dt.date | None = None

    @property
    def status(self) -> str:
        parts = {self.founded, self.vetted, self.reelected}
        if OUT_OF_STEP in parts:
            return OUT_OF_STEP
        if self.founded == NO_MEMBERS:
            return NO_MEMBERS
        if self.founded == UNKNOWN:
            return UNKNOWN
        return IN_STEP

    @property
    def status_label(self) -> str:
        return str(LABELS[self.status])

    def label(self, part: str) -> str:
        return str(LABELS[getattr(self, part)])


def _apart(a: dt.date, b: dt.date) -> int:
    return abs((a - b).days)


def build(chambers: Iterable[Organisation], today: dt.date) -> list[Row]:
    chambers = list(chambers)
    ids = [c.pk for c in chambers]
    profiles = {p.chamber_id: p for p in ChamberProfile.objects.filter(chamber_id__in=ids)}
    party: dict[int, list[PartyOrganisation]] = {}
    for org in PartyOrganisation.objects.filter(chambers__in=ids).prefetch_related("chambers").distinct():
        for c in org.chambers.all():
            party.setdefault(c.pk, []).append(org)
    latest: dict[int, Election] = {}
    for e in Election.objects.filter(chamber_id__in=ids).order_by("chamber_id", "-planned_on", "-pk"):
        latest.setdefault(e.chamber_id, e)
    vetted: dict[int, set[str]] = {}
    for election_id, position in (
        Candidate.objects.filter(
            election_id__in=[e.pk for e in latest.values()],
            position__in=[Position.PRESIDENT, Position.PARTY_SECRETARY],
        )
        .exclude(status__in=[Candidate.Status.DRAFT, Candidate.Status.WITHDRAWN])
        .values_list("election_id", "position")
    ):
        vetted.setdefault(election_id, set()).add(position)

    rows = []
    for chamber in chambers:
        row = Row(chamber)
        profile = profiles.get(chamber.pk)
        orgs = party.get(chamber.pk, [])
        first = min(orgs, key=lambda o: o.founded_on) if orgs else None
        if profile is not None:
            if first is None:
                if profile.party_members < BRANCH_MIN_MEMBERS:
                    row.founded = NO_MEMBERS
                else:
                    row.founded = OUT_OF_STEP
                    row.problems.append(
                        ngettext(
                            "有党员%(count)d人，尚未建立党组织",
                            "有党员%(count)d人，尚未建立党组织",
                            profile.party_members,
                        )
                        % {"count": profile.party_members}
                    )
            elif _apart(first.founded_on, profile.founded_on) <= SAME_TIME_DAYS:
                row.founded = IN_STEP
            else:
                row.founded = OUT_OF_STEP
                row.problems.append(
                    gettext("党组织成立（%(party)s）与商会成立（%(chamber)s）不同时")
                    % {"party": first.founded_on, "chamber": profile.founded_on}
                )
        election = latest.get(chamber.pk)
        if election is not None and first is not None:
            positions = vetted.get(election.pk, set())
            if len(positions) == 2:
                row.vetted = IN_STEP
            elif positions:
                row.vetted = OUT_OF_STEP
                missing = gettext("党组织书记") if Position.PRESIDENT in positions else gettext("会长")
                row.problems.append(
                    gettext("%(election)s未同时考察%(missing)s人选")
                    % {"election": election.name, "missing": missing}
                )
            if election.chamber_held_on:
                if (
                    election.party_held_on
                    and _apart(election.chamber_held_on, election.party_held_on) <= SAME_TIME_DAYS
                ):
                    row.reelected = IN_STEP
                else:
                    row.reelected = OUT_OF_STEP
                    row.problems.append(
                        gettext("%(election)s：商会已换届，党组织未同时换届") % {"election": election.name}
                    )
        ends = [d for d in [profile.term_ends_on if profile else None, *(o.term_ends_on for o in orgs)] if d]
        if ends:
            row.term_ends_on = min(ends)
            days = (row.term_ends_on - today).days
            if 0 <= days <= WARN_DAYS:
                row.warning = ngettext(
                    "%(days)d天后任期届满，请同步筹备商会与党组织换届",
                    "%(days)d天后任期届满，请同步筹备商会与党组织换届",
                    days,
                ) % {"days": days}
            elif days < 0:
                row.warning = gettext("任期已于%(date)s届满，尚未换届") % {"date": row.term_ends_on}
        rows.append(row)
    return rows
