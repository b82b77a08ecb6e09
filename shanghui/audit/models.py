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

from shanghui.audit import chain

GENESIS_HASH = "0" * 64
# actor_label of what a citizen did (no account: the proved mobile is personal data and stays out).
CITIZEN_LABEL = "citizen"

# How each action reads in the audit page and export; an action missing here is shown as its code.
ACTION_LABELS = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.login_failed": "登录失败",
    "user.create": "新建用户",
    "user.update": "修改用户",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "org.create": "新建组织",
    "org.update": "修改组织",
    "pii.reveal": "查看完整身份证号",
    "org.export": "导出组织",
    "member.export": "导出成员",
    "audit.export": "导出审计日志",
    "catalog.item.create": "新建服务事项",
    "catalog.item.update": "修改服务事项",
    "catalog.import.start": "上传事项目录",
    "catalog.import": "导入事项目录",
    "catalog.export": "导出事项目录",
    "catalog.synonym.create": "新增同义词",
    "catalog.synonym.update": "修改同义词",
    "catalog.synonym.delete": "删除同义词",
    "catalog.offer.update": "修改代办点事项设置",
    "case.export": "导出代办件",
    "notify.channel.create": "新建群机器人",
    "notify.channel.update": "修改群机器人",
    "notify.resend": "重发失败的通知",
    "api_token.create": "创建 API 令牌",
    "api_token.revoke": "吊销 API 令牌",
    "audit.key_rotate": "更换审计日志密钥",
    "case.material.download": "下载办件材料",
    "conversation.file.download": "下载会话文件",
}


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """Bulk writes would bypass the append-only guard of save() and delete(): refuse them too."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("audit entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True, editable=False)
    created_at = models.DateTimeField("时间", editable=False)
    # Null actor means the system (a task, a command). DO_NOTHING, not SET_NULL: actor_id is part of
    # the hash, so deleting a user must leave it as it was (there is no database constraint to break).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.DO_NOTHING,
        related_name="+", db_constraint=False,
    )  # fmt: skip
    # The actor's id and username as they were, kept even if the user is deleted later.
    actor_label = models.CharField("操作人标识", max_length=160, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    # Which key of AUDIT_HMAC_KEYS made `hash`; "" for rows written before keys existed (plain SHA-256).
    key_id = models.CharField("密钥", max_length=16, blank=True, default="", editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

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
