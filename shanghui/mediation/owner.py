"""A dispute as the owner of its conversation (shanghui/lib/owners.py), registered in
MediationConfig.ready(): its mediators and the committee's admins take part and write internal notes
(which never reach the parties); the parties take part on the phone while the dispute is open."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from shanghui.lib.masking import mask_name
from shanghui.lib.owners import NO_ACCESS, Access, Viewer

DISPUTE = "mediation.dispute"
# What one dispute's conversation may hold, and one person may upload to it per day.
MAX_FILES_PER_DISPUTE = 60


class DisputeOwner:
    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access:
        from shanghui.mediation import access as rules
        from shanghui.mediation.models import FINAL_STATUSES, Party
        from shanghui.mediation.workflow import MEDIATOR

        if viewer.user is None:
            if not viewer.mobile:
                return NO_ACCESS
            party = (
                Party.objects.filter(dispute_id=owner_id, mobile=viewer.mobile)
                .select_related("dispute")
                .first()
            )
            if party is None:
                return NO_ACCESS
            return Access(
                read=True, post=party.dispute.status not in FINAL_STATUSES, files=True,
                name=f"{party.get_side_display()} {mask_name(party.name)}", title=f"纠纷{party.dispute.number}",
            )  # fmt: skip
        user = viewer.user
        dispute = (
            rules.disputes_for_user(user).filter(pk=owner_id).only("pk", "number", "committee_id").first()
        )
        if dispute is None:
            return NO_ACCESS
        kinds = rules.actor_kinds(user, dispute)
        if not kinds:
            return Access(
                read=True, internal=True, name=f"查看 {user.display_name}", title=f"纠纷{dispute.number}"
            )
        label = gettext("调解员") if MEDIATOR in kinds else gettext("调委会")
        return Access(
            read=True, post=True, internal=True, files=True, name=f"{label} {user.display_name}",
            title=f"纠纷{dispute.number}",
        )  # fmt: skip

    def url(self, viewer: Viewer, owner_id: int) -> str:
        if viewer.user is None:
            return reverse("mediation_citizen:detail", args=[owner_id])
        return reverse("mediation:detail", args=[owner_id])

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        from django.core.exceptions import ValidationError

        from shanghui.conversations.models import Message

        files = Message.objects.filter(
            conversation__owner_type=DISPUTE, conversation__owner_id=owner_id
        ).exclude(file="")
        if files.count() >= MAX_FILES_PER_DISPUTE:
            raise ValidationError(f"该纠纷的会话文件已达 {MAX_FILES_PER_DISPUTE} 个，不能再上传")
