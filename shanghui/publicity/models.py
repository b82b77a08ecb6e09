"""Publicity (公示): a public page for a period listing what is about to become final, with a channel
for objections. Like a conversation it belongs to a record of some programme (owner type + id); the
owner answers who manages it (`Access.post`) and is told when the result becomes final
(`PublicityOwner.publicity_final`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanghui.lib.crypto import EncryptedTextField
from shanghui.workflow.models import EventBase

DEFAULT_DAYS = 5  # working days, the usual 公示期


class Notice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("公示中")
        FINAL = "final", _("公示结束")
        WITHDRAWN = "withdrawn", _("已撤销")

    owner_type = models.CharField(max_length=40)
    owner_id = models.BigIntegerField()
    title = models.CharField(_("公示标题"), max_length=200)
    intro = models.TextField(_("公示说明"), blank=True)
    # [{"key": "candidate:12", "name": "张三", "detail": "会长候选人 · 衢州在上海商会"}]
    items = models.JSONField(default=list)
    starts_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示截止"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[Notice] = models.Manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="publicity_notice_owner_idx")]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """An objection from the public. Name and contact are required and kept confidential: encrypted at
    rest, shown only to the notice's managers, never on the public page."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections")
    item_key = models.CharField(_("异议对象"), max_length=60, blank=True)
    name = EncryptedTextField(_("姓名"))
    contact = EncryptedTextField(_("联系方式"))
    text = models.TextField(_("异议内容"))
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("答复"), blank=True)
    upheld = models.BooleanField(_("异议成立"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[Objection] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]


class NoticeEvent(EventBase):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")

    objects: models.Manager[NoticeEvent] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]
