"""The audit log: append-only, hash-chained, keyed, anchored outside the database.

Each row stores the hash of the row before it and its own hash over its content and that previous
hash, so changing, deleting or inserting a row anywhere breaks the chain from that row on. The hash is
an HMAC under a key the database does not hold (chain.py), so the chain cannot be recomputed by whoever
can write the database; the newest row is written now and then to a place outside it (anchors.py), so
that deleting the newest rows is found too. `shanghui audit verify` walks the chain, checks the anchors
and names the first broken row.
Never store personal data in clear here: mask it or store a keyed hash.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanghui.audit import chain
from shanghui.audit.actions import action_label

GENESIS_HASH = "0" * 64
# actor_label of what a citizen did (no account: the proved mobile is personal data and stays out).
CITIZEN_LABEL = "citizen"


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """Bulk writes would bypass the append-only guard of save() and delete(): refuse them too."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("audit entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("序号"), unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), editable=False)
    # Null actor means the system (a task, a command). DO_NOTHING, not SET_NULL: actor_id is part of
    # the hash, so deleting a user must leave it as it was (there is no database constraint to break).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.DO_NOTHING,
        related_name="+", db_constraint=False,
    )  # fmt: skip
    # The actor's id and username as they were, kept even if the user is deleted later.
    actor_label = models.CharField(_("操作人标识"), max_length=160, blank=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    # Which key of AUDIT_HMAC_KEYS made `hash`; "" for rows written before keys existed (plain SHA-256).
    key_id = models.CharField(_("密钥"), max_length=16, blank=True, default="", editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def actor_username(self) -> str:
        """The username as it was when the row was written ("" for the system)."""
        _, _, username = self.actor_label.partition(":")
        return username or self.actor_label

    @property
    def detail_text(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True) if self.detail else ""

    @property
    def actor_display(self) -> str:
        if self.actor_label and self.actor_label not in ("anonymous", CITIZEN_LABEL):
            return self.actor_username
        if self.actor_label == CITIZEN_LABEL:
            return "申请人"
        if self.actor_label == "anonymous" or self.action.startswith("auth."):
            return "未登录用户"
        return "系统"

    def compute_hash(self) -> str:
        """The row's hash under its `key_id` (chain.UnknownKey when that key is not configured)."""
        return chain.row_hash(chain.hashed_fields(self), self.key_id)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit entries are append-only")
