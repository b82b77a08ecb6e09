"""A candidate as the owner of its 五步审查 chain, and an election as the owner of its candidate list's
publicity (both registered in lib/owners.py from PartyConfig.ready())."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext

from shanghui.lib.owners import NO_ACCESS, Access, Viewer
from shanghui.orgs.models import Membership, Role

if TYPE_CHECKING:
    from shanghui.accounts.models import User
    from shanghui.publicity.models import Notice
    from shanghui.reviews.models import Chain


class CandidateOwner:
    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access:
        from shanghui.party.access import can_write_chamber, candidates_for_user

        if viewer.user is None:
            return NO_ACCESS
        candidate = (
            candidates_for_user(viewer.user).select_related("election__chamber").filter(pk=owner_id).first()
        )
        if candidate is None:
            return NO_ACCESS
        return Access(
            read=True, post=can_write_chamber(viewer.user, candidate.election.chamber), title=str(candidate)
        )

    def url(self, viewer: Viewer, owner_id: int) -> str:
        return f"/party/candidates/{owner_id}/"

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        """Decisions carry one attachment each (lib/uploads.py limits its size and kind)."""

    def reviewers(self, owner_id: int, slot: str) -> list[User]:
        from shanghui.accounts.models import User
        from shanghui.party.models import Candidate, PartyOrganisation

        candidate = Candidate.objects.select_related("election__chamber").get(pk=owner_id)
        chamber = candidate.election.chamber
        if slot == "branch_secretary":
            ids = set(
                PartyOrganisation.objects.filter(chambers=chamber)
                .exclude(secretary=None)
                .values_list("secretary_id", flat=True)
            )
            if not ids:
                ids = set(
                    Membership.objects.filter(organisation=chamber, role=Role.PARTY_OFFICER).values_list(
                        "user_id", flat=True
                    )
                )
        elif slot == "chamber_head":
            ids = set(
                Membership.objects.filter(organisation=chamber, role=Role.CHAMBER_ADMIN).values_list(
                    "user_id", flat=True
                )
            )
        elif slot == "party_committee":
            above = [a.pk for a in chamber.ancestors()]
            ids = set(
                Membership.objects.filter(organisation_id__in=above, role=Role.PARTY_OFFICER).values_list(
                    "user_id", flat=True
                )
            )
        else:  # "candidate": the self-check is the candidate's own, on their phone (party.services)
            ids = set()
        return list(User.objects.filter(pk__in=ids, is_active=True))

    def check(self, owner_id: int, name: str) -> list[str]:
        from shanghui.party import checks
        from shanghui.party.models import Candidate

        return checks.run(Candidate.objects.select_related("election").get(pk=owner_id), name)

    def chain_finished(self, owner_id: int, chain: Chain) -> None:
        from shanghui.party.workflow import MACHINE
        from shanghui.workflow.machine import SYSTEM

        action = {"approved": "pass_", "rejected": "fail", "withdrawn": "withdraw"}[chain.status]
        MACHINE.transition(pk=owner_id, action=action, actor=None, actor_kind=SYSTEM, note=chain.reason)

    def summary(self, owner_id: int) -> list[tuple[str, str]]:
        """What a reviewer sees of the candidate on the chain's page."""
        from shanghui.lib.masking import mask_mobile
        from shanghui.party.models import Candidate

        c = Candidate.objects.select_related("election__chamber").get(pk=owner_id)
        return [
            (gettext("姓名"), c.name), (gettext("商会"), c.election.chamber.name), (gettext("拟任职务"), str(c.get_position_display())),
            (gettext("出生日期"), c.birth_date.isoformat()), (gettext("已连任届数"), str(c.terms_served)),
            (gettext("所在企业及职务"), c.enterprise or "—"), (gettext("手机号"), mask_mobile(c.mobile)), (gettext("个人简历"), c.cv or "—"),
            (gettext("材料"), "、".join(d.name for d in c.documents.all()) or "—"),
        ]  # fmt: skip


class ElectionOwner:
    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access:
        from shanghui.party.access import elections_for_user, federation_covers

        if viewer.user is None:
            return NO_ACCESS
        election = elections_for_user(viewer.user).select_related("chamber").filter(pk=owner_id).first()
        if election is None:
            return NO_ACCESS
        return Access(read=True, post=federation_covers(viewer.user, election.chamber), title=str(election))

    def url(self, viewer: Viewer, owner_id: int) -> str:
        return f"/party/elections/{owner_id}/"

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        """No uploads on a notice."""

    def publicity_final(self, owner_id: int, notice: Notice) -> None:
        from shanghui.party.models import Candidate
        from shanghui.party.workflow import MACHINE
        from shanghui.publicity.services import upheld_keys
        from shanghui.workflow.machine import SYSTEM

        upheld = upheld_keys(notice)
        for pk in Candidate.objects.filter(
            election_id=owner_id, status=Candidate.Status.PUBLICITY
        ).values_list("pk", flat=True):
            action = "strike" if f"candidate:{pk}" in upheld else "confirm"
            MACHINE.transition(pk=pk, action=action, actor=None, actor_kind=SYSTEM)
