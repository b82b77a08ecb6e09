"""The people's side of access changes, announced to live sockets (services.access_changed): a user row
saved (deactivation, name, superuser; a login's `last_login` alone is not a change), a membership
granted, changed or revoked, an organisation created, changed or deleted (moves and deactivations
change every subtree scopes are built from). Connected in ConversationsConfig.ready().

Model signals see every `save()` and `delete()`, queryset deletes included; a bulk `update()` or raw
SQL on these tables is not seen, and the sockets then rely on their answer's age limit
(CONVERSATION_ACCESS_CACHE_SECONDS)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from shanghui.accounts.models import User
from shanghui.conversations.services import access_changed
from shanghui.orgs.models import Membership, Organisation

NOT_ACCESS = frozenset({"last_login", "password", "updated_at"})


def _user_saved(sender: Any, instance: User, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and set(update_fields) <= NOT_ACCESS):
        return
    access_changed(user_id=instance.pk)


def _user_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    access_changed(user_id=instance.pk)


def _membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    access_changed(user_id=instance.user_id)


def _organisation_changed(sender: Any, instance: Organisation, **kwargs: Any) -> None:
    access_changed(everyone=True)


def connect() -> None:
    post_save.connect(_user_saved, sender=User, dispatch_uid="conversations.user_saved")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="conversations.user_deleted")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            _membership_changed, sender=Membership, dispatch_uid=f"conversations.membership_{name}"
        )
        signal.connect(_organisation_changed, sender=Organisation, dispatch_uid=f"conversations.org_{name}")
