"""Notifications: a durable outbox written in the same transaction as the change that causes it,
delivered afterwards by a background task to each channel (in-app, SMS; e-mail, DingTalk and WeCom
robots arrive with the notification channels issue).

A row's `key` is unique: writing the same notification twice (a retried transaction, a task that runs
again) stores it once, and a delivery that the provider acknowledged is never sent again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    IN_APP = "in_app", _("站内消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，待重试")
        DEAD = "dead", _("发送失败，已停止重试")

    key = models.CharField(max_length=120, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=ChannelKind.choices)
    event = models.CharField("事件", max_length=40)
    # Exactly one of recipient (a staff user) or address (a citizen's mobile number) is set.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField("地址", max_length=120, blank=True)
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容")
    url = models.CharField("链接", max_length=300, blank=True)
    # SMS providers send only pre-approved templates: the template code and its parameters.
    template = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # The record the notification is about ("proxy.case:42").
    subject = models.CharField(max_length=60, blank=True, db_index=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "待发通知"
        verbose_name_plural = "待发通知"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} {self.state}"


class Notification(models.Model):
    """An in-app notification: the bell in the navigation bar."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    outbox = models.OneToOneField(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notify_inbox_idx")]
