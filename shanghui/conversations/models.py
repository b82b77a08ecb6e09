"""Conversations (代办群): one message thread per owning record — a proxy case now, a mediation case or
a lecture order later. Who takes part and what they may do follows from the owner (owners.py), so
nobody is added to or removed from a conversation by hand except supervisors who join.

Messages are numbered per conversation (`seq`) under a row lock on the conversation, so the numbers
follow commit order: a client that has seen up to N asks for "after N" and misses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    owner_type = models.CharField(max_length=40)  # "proxy.case"
    owner_id = models.PositiveBigIntegerField()
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")
        constraints = [
            models.UniqueConstraint(fields=["owner_type", "owner_id"], name="conversations_one_per_owner")
        ]

    def __str__(self) -> str:
        return f"{self.owner_type}:{self.owner_id}"

    @property
    def group_name(self) -> str:
        """The channel-layer group of everyone connected to this conversation."""
        return f"conversation.{self.pk}"


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("文字")
        IMAGE = "image", _("图片")
        FILE = "file", _("文件")
        SYSTEM = "system", _("系统消息")

    class AuthorRole(models.TextChoices):
        CITIZEN = "citizen", _("申请人")
        STAFF = "staff", _("工作人员")
        SYSTEM = "system", _("系统")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    # Internal notes are for staff only: the citizen never receives them, live or in history.
    internal = models.BooleanField(_("内部备注"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_role = models.CharField(max_length=10, choices=AuthorRole.choices)
    # The name as shown when posted ("代办员 李四", "申请人 张*"); the citizen has no account to point at.
    author_name = models.CharField(max_length=60)
    # A citizen author's proved mobile number, to tell "mine" from "theirs" (never sent to other clients).
    author_mobile = models.CharField(max_length=11, blank=True)
    body = models.TextField(blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="conversations/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=60, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    # Chosen by the sending client: a retried post (reconnect, double click) is stored once.
    client_id = models.CharField(max_length=64, blank=True)
    # What a system message reports ("event:123"): the same event is announced once.
    ref = models.CharField(max_length=60, blank=True)
    # A system message's body as translatable lines ({"msgid", "params", "labels"}, services.render_lines):
    # shown in each reader's language; `body` keeps the Chinese text. Empty for people's messages and
    # for system messages written before (their stored body is shown as it is).
    lines = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会话消息")
        verbose_name_plural = _("会话消息")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="conversations_message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=~Q(client_id=""),
                name="conversations_message_client_id_unique",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["conversation", "ref"], condition=~Q(ref=""), name="conversations_message_ref_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


class Participant(models.Model):
    """A person's standing in a conversation: how far they have read, and for supervisors that they
    joined. Created on first read; access itself always comes from the owner, never from this row."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mobile = models.CharField(max_length=11, blank=True)  # a citizen, by the number they proved
    name = models.CharField(max_length=60)
    joined_at = models.DateTimeField(null=True, blank=True)
    last_read_seq = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会话成员")
        verbose_name_plural = _("会话成员")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"],
                condition=Q(user__isnull=False),
                name="conversations_participant_user_unique",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["conversation", "mobile"],
                condition=~Q(mobile=""),
                name="conversations_participant_mobile_unique",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(user__isnull=False, mobile="") | Q(user__isnull=True) & ~Q(mobile=""),
                name="conversations_participant_user_or_mobile",
            ),
        ]

    def __str__(self) -> str:
        return self.name
