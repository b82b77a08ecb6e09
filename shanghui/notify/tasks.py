"""Delivery of the outbox. A run claims one due row at a time with a row lock (SKIP LOCKED on
PostgreSQL, so several workers share the work) and a five-minute lease, sends outside any transaction,
then records the result: sent, or failed with a back-off, or dead after the last attempt.

In-app delivery is idempotent (one Notification per outbox row). For external channels, a crash
between the provider's acknowledgement and the update that marks the row sent would send again when
the lease expires; the channel clients of the notifications issue pass the row key to the provider as
its idempotency key to close that gap.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from shanghui.notify import sms
from shanghui.notify.models import ChannelKind, Notification, OutboxMessage
from shanghui.notify.services import BACKOFF, MAX_ATTEMPTS

logger = logging.getLogger("shanghui.notify")

BATCH = 200


def _claim() -> OutboxMessage | None:
    now = timezone.now()
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(
            state__in=[OutboxMessage.State.PENDING, OutboxMessage.State.FAILED], next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        message = qs.first()
        if message is None:
            return None
        # A lease: other runs skip the row until it expires (a crashed run's row comes back later).
        message.next_attempt_at = now + dt.timedelta(minutes=5)
        message.attempts += 1
        message.save(update_fields=["next_attempt_at", "attempts"])
        return message


def _send(message: OutboxMessage) -> str:
    if message.channel == ChannelKind.IN_APP:
        assert message.recipient_id is not None
        notification, _ = Notification.objects.get_or_create(
            outbox=message,
            defaults={
                "user_id": message.recipient_id, "title": message.title, "body": message.body, "url": message.url,
            },
        )  # fmt: skip
        return f"in_app:{notification.pk}"
    if message.channel == ChannelKind.SMS:
        return (
            sms.backend()
            .send(mobile=message.address, template=message.template, params=message.params)
            .provider_id
        )
    raise sms.SmsError(f"channel {message.channel} is not configured", retryable=False)


def deliver_one(message: OutboxMessage) -> None:
    try:
        provider_id = _send(message)
    except Exception as exc:  # every failure is recorded on the row, never lost
        retryable = getattr(exc, "retryable", True)
        dead = not retryable or message.attempts >= MAX_ATTEMPTS
        delay = BACKOFF[min(message.attempts - 1, len(BACKOFF) - 1)]
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxMessage.State.DEAD if dead else OutboxMessage.State.FAILED,
            last_error=str(exc)[:300],
            next_attempt_at=timezone.now() + delay,
        )
        logger.warning("notification %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        return
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.SENT, provider_id=provider_id, sent_at=timezone.now(), last_error=""
    )


def deliver_due(limit: int = BATCH) -> int:
    """Deliver up to `limit` due messages; returns how many were attempted."""
    count = 0
    while count < limit:
        message = _claim()
        if message is None:
            break
        deliver_one(message)
        count += 1
    return count


@task()
def deliver_outbox() -> int:
    delivered = deliver_due()
    # Retries wait for their back-off: schedule a run for the earliest one.
    upcoming = (
        OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED).order_by("next_attempt_at").first()
    )
    if upcoming is not None or delivered == BATCH:
        run_after = timezone.now() if delivered == BATCH else upcoming.next_attempt_at  # type: ignore[union-attr]
        deliver_outbox.using(run_after=run_after).enqueue()
    return delivered
