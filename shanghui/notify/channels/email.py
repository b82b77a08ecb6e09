"""E-mail through Django's e-mail backends (EMAIL_BACKEND: SMTP in production, the console in
development). The Message-ID is derived from the outbox row key, so that a message sent again after a
crash (SMTP has no look-up) carries the same id and mail systems and readers can recognise the copy."""

from __future__ import annotations

import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from shanghui.notify.channels.base import ChannelError, absolute_url
from shanghui.notify.models import OutboxMessage


def message_id(key: str) -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    return f"<notify.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def compose(message: OutboxMessage) -> EmailMessage:
    link = absolute_url(message.url)
    lines = [
        message.body,
        "",
        f"查看详情：{link}" if link else "",
        "",
        "—— 商会+（本邮件由系统自动发送，请勿回复）",
    ]
    return EmailMessage(
        subject=f"【商会+】{message.title}",
        body="\n".join(lines).strip() + "\n",
        to=[message.address],
        headers={"Message-ID": message_id(message.key)},
    )


def send(message: OutboxMessage) -> str:
    email = compose(message)
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused:
        raise ChannelError("收件地址被邮件服务器拒收", retryable=False, code="recipient") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"邮件服务器错误：{type(exc).__name__}", code="smtp") from None
    return message_id(message.key)
