"""Owners: the records that shared engines attach to, and who may do what with them.

A conversation (and later a review chain, a publicity page) belongs to a record of some programme — a
proxy case, a mediation dispute — named by an owner type ("proxy.case") and the record's id. The engine
does not know the programme: each programme registers an `Owner` for its records in its
`AppConfig.ready()`, answering who may see and take part (from the programme's own access rules) and
where the record's page is. The engines ask the registry, afresh at every request, message and event,
so a person removed from a record stops seeing it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from shanghui.accounts.models import User


@dataclass(frozen=True)
class Viewer:
    """A staff user (logged in) or a citizen (who proved `mobile` with a one-time code)."""

    user: User | None = None
    mobile: str = ""

    @property
    def is_citizen(self) -> bool:
        return self.user is None


@dataclass(frozen=True)
class Access:
    read: bool = False
    post: bool = False
    # Staff: reads and writes internal notes (the citizen never does).
    internal: bool = False
    # Sees the record without taking part (a supervisor): may join, and posts once joined.
    can_join: bool = False
    # Opens the files attached to messages (they carry personal data: the owner's rule for its files);
    # without it the person sees that a file was sent — name, size — but not its content.
    files: bool = False
    # How the person appears to others: "代办员 李四", "申请人 张*".
    name: str = ""
    title: str = ""  # what the record is, for page headings: "办件330802…"


NO_ACCESS = Access()


class Owner(Protocol):
    """What a programme answers about its records."""

    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access: ...

    def url(self, viewer: Viewer, owner_id: int) -> str: ...

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        """Raise ValidationError (in Chinese) when a file of `size` bytes from `viewer` would exceed a
        quota of the record (files it may hold, what one person may upload in a day)."""
        ...


@runtime_checkable
class AnnouncesAccessChanges(Protocol):
    """An owner that announces every change of its records that may change an `access()` answer (the
    record's fields its rule reads) by calling conversations.services.access_changed after the change
    commits. Only then may a live socket keep its viewer's answer between events instead of asking at
    every one (conversations/consumers.py); the people's side — accounts, memberships, organisations —
    is announced by the conversations engine itself. An owner without it is asked at every event."""

    announces_access_changes: bool


@runtime_checkable
class TellsStaff(Protocol):
    """An owner whose staff hear of citizens' messages (optional: an owner without it tells nobody)."""

    def citizen_posted(
        self, owner_id: int, *, conversation_id: int, seq: int, author: str, excerpt: str
    ) -> None:
        """Called in the transaction that stores a citizen's message: notify the record's staff (the
        notification rows commit, or roll back, with the message)."""
        ...


_OWNERS: dict[str, Owner] = {}


def register(owner_type: str, owner: Owner) -> None:
    """Called from the owning programme's AppConfig.ready()."""
    if owner_type in _OWNERS and _OWNERS[owner_type] is not owner:
        raise ValueError(f"owner type {owner_type!r} registered twice")
    _OWNERS[owner_type] = owner


def owner_for(owner_type: str) -> Owner | None:
    return _OWNERS.get(owner_type)
