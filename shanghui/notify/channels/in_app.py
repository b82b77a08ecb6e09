"""In-app notifications (the bell): one Notification per outbox row, so delivering a row twice (after a
crash, or by two workers) still shows it once."""

from __future__ import annotations

from shanghui.notify.channels.base import ChannelError
from shanghui.notify.models import Notification, OutboxMessage


def send(message: OutboxMessage) -> str:
    if message.recipient_id is None:
        raise ChannelError("站内消息没有收件人", retryable=False, code="recipient")
    notification, _ = Notification.objects.get_or_create(
        outbox=message,
        defaults={
            "user_id": message.recipient_id, "title": message.title, "body": message.body, "url": message.url,
        },
    )  # fmt: skip
    return f"in_app:{notification.pk}"
