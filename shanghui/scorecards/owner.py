"""A round as the owner of its results' publicity notice (registered in lib/owners.py)."""

from __future__ import annotations

from shanghui.lib.owners import NO_ACCESS, Access, Viewer
from shanghui.publicity.models import Notice


class RoundOwner:
    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access:
        from shanghui.scorecards.access import manages, rounds_for_user

        if viewer.user is None:
            return NO_ACCESS
        rnd = rounds_for_user(viewer.user).select_related("organiser").filter(pk=owner_id).first()
        if rnd is None:
            return NO_ACCESS
        return Access(read=True, post=manages(viewer.user, rnd.organiser), title=str(rnd.name))

    def url(self, viewer: Viewer, owner_id: int) -> str:
        return f"/scorecards/rounds/{owner_id}/"

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        """No uploads on a notice."""

    def publicity_final(self, owner_id: int, notice: Notice) -> None:
        from shanghui.publicity.services import upheld_keys
        from shanghui.scorecards.services import round_publicity_final

        round_publicity_final(owner_id, upheld_keys(notice))
