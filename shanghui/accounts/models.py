from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from shanghui.lib.crypto import EncryptedTextField
from shanghui.lib.masking import mask_id_number, mask_mobile


class User(AbstractUser):
    """A person who logs in: staff of a federation, chamber, department or window.

    Citizens do not have accounts; they are identified per case by mobile number and a one-time code.
    """

    # Real name (实名) as one field: Chinese names are not split into first and last.
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile or "")

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class ApiToken(models.Model):
    """A personal API token for other systems (a city's service system, a mini-program, a report tool).

    The token itself is shown once when created; only its SHA-256 is stored (tokens are 256 random bits,
    so a slow hash adds nothing). `organisation` is the organisation the token acts for where an
    endpoint needs one (an Open311 POST creates the case at that proxy point)."""

    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("代表机构"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("权限"), max_length=5, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
