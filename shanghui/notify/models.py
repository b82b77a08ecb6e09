"""Notifications: a durable outbox written in the same transaction as the change that causes it,
delivered afterwards by a background task to each channel (in-app, SMS, e-mail, DingTalk and WeCom
group robots). See docs/architecture.md, "Notifications".

A row's `key` is unique: writing the same notification twice (a retried transaction, a task that runs
again) stores it once. `attempt_started_at` is written (and committed) before every network call and
cleared when its outcome is recorded, so a row found with it set after a crash is one whose previous
attempt may have reached the provider: the delivery task checks with the provider before sending again
where the provider offers a look-up (SMS), see tasks.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.lib.crypto import EncryptedTextField


class ChannelKind(models.TextChoices):
    IN_APP = "in_app", _("站内消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


# The channels a person chooses for themselves; robots are configured per organisation.
PERSONAL_CHANNELS = (ChannelKind.IN_APP, ChannelKind.SMS, ChannelKind.EMAIL)
ROBOT_CHANNELS = (ChannelKind.DINGTALK, ChannelKind.WECOM)


class RobotKind(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


class MessageFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown（带标题和链接）")
    TEXT = "text", _("纯文本")


class ChannelConfig(models.Model):
    """A group robot (DingTalk or WeCom) of an organisation. It receives the events it subscribes to for
    that organisation and every organisation below it (a chamber's robot hears about its proxy points),
    and @-mentions the people notified who work there."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=RobotKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    # The webhook carries the robot's token: a credential, encrypted at rest and never shown again.
    webhook_url = EncryptedTextField(_("Webhook 地址"))
    # Keyed hash of the webhook: the rate limit belongs to the robot, whichever configuration uses it.
    webhook_hash = models.CharField(max_length=64, editable=False, db_index=True)
    secret = EncryptedTextField(_("加签密钥"), blank=True, default="")
    events = models.JSONField(_("订阅的事件"), default=list, blank=True)
    msg_format = models.CharField(
        _("消息格式"), max_length=10, choices=MessageFormat.choices, default=MessageFormat.MARKDOWN
    )
    mention = models.BooleanField(_("@相关人员"), default=True)
    enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["organisation__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="notify_channelconfig_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=RobotKind.values), name="notify_channelconfig_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"


class OutboxMessage(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败，待重试")
        DEAD = "dead", _("发送失败，已停止重试")

    key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=ChannelKind.choices)
    event = models.CharField(_("事件"), max_length=40)
    # Who receives it: a staff user (in-app; SMS and e-mail also copy their address at writing time),
    # a citizen's mobile number (address only), or a group robot (config).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=120, blank=True)
    config = models.ForeignKey(
        ChannelConfig, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organisation the notification is about (a case's proxy point): whose administrators see it
    # when it fails.
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # SMS providers send only pre-approved templates: the template code and its parameters. Robots keep
    # the mobiles to @-mention in params["mobiles"].
    template = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # The record the notification is about ("proxy.case:42").
    subject = models.CharField(max_length=60, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    # Network attempts only: waiting for a rate limit is not an attempt.
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    # Set (and committed) just before a network call, cleared when its outcome is recorded: set on a
    # claimed row means the previous attempt's outcome is unknown (the worker died during it).
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("错误"), max_length=300, blank=True)
    provider_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待发通知")
        verbose_name_plural = _("待发通知")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notify_outbox_due_idx"),
            models.Index(fields=["state", "-id"], name="notify_outbox_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} {self.state}"


class Notification(models.Model):
    """An in-app notification: the bell in the navigation bar."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    outbox = models.OneToOneField(
        OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notify_inbox_idx")]


class Preference(models.Model):
    """One cell of a person's grid of events × channels. A missing cell takes the default
    (events.DEFAULT_CHANNELS: in-app on, SMS and e-mail off)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("事件"), max_length=40)
    channel = models.CharField(
        _("渠道"), max_length=10, choices=[(c.value, c.label) for c in PERSONAL_CHANNELS]
    )
    enabled = models.BooleanField(_("接收"), default=False)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "channel"], name="notify_preference_unique"),
        ]


class SendWindow(models.Model):
    """Recent sends to one target (a robot's webhook, a mobile number), kept to stay under the
    provider's limit before sending; `blocked_until` when the provider itself asked to wait. The row is
    locked while a send is reserved, so two workers cannot both take the last free place.

    `expires_at`: from then on the row holds nothing that matters (every send in it is older than its
    target's longest limit, and any block has ended), so it can be deleted (throttle.prune)."""

    target = models.CharField(max_length=120, unique=True)
    sent_times = models.JSONField(default=list)
    blocked_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("发送频率窗口")
        verbose_name_plural = _("发送频率窗口")
