"""Writing notifications into the outbox. Call inside the transaction that makes the change: the rows
commit or roll back with it, and the delivery task is enqueued in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.notify.models import ChannelKind, Notification, OutboxMessage


def notify_users(
    *, users: Iterable[User], event: str, key: str, title: str, body: str, url: str = "", subject: str = ""
) -> int:
    """In-app notifications for staff. `key` identifies the happening (e.g. "case:42:forward:7"):
    the same key and user is stored once however often this is called."""
    now = timezone.now()
    rows = [
        OutboxMessage(
            key=f"{key}:in_app:{user.pk}"[:120],
            channel=ChannelKind.IN_APP,
            event=event,
            recipient=user,
            title=title,
            body=body,
            url=url,
            subject=subject,
            next_attempt_at=now,
        )  # fmt: skip
        for user in {u.pk: u for u in users}.values()
    ]
    created = OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    _schedule_delivery()
    return len(created)


def notify_mobile(
    *, mobile: str, event: str, key: str, template: str, params: dict[str, Any], title: str, subject: str = ""
) -> None:
    """An SMS to a citizen's mobile number through a pre-approved template."""
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=f"{key}:sms"[:120],
                channel=ChannelKind.SMS,
                event=event,
                address=mobile,
                title=title,
                body="",
                template=template,
                params=params,
                subject=subject,
                next_attempt_at=timezone.now(),
            )  # fmt: skip
        ],
        ignore_conflicts=True,
    )
    _schedule_delivery()


def _schedule_delivery() -> None:
    """Enqueue a delivery run. With the database task backend the task row is written in the caller's
    transaction, so the worker sees it only once the outbox rows are committed; several enqueues in
    one transaction are harmless (a run delivers every due row and finds nothing left for the next)."""
    from shanghui.notify.tasks import deliver_outbox

    deliver_outbox.enqueue()


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


BACKOFF = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(hours=1))
MAX_ATTEMPTS = len(BACKOFF) + 1
