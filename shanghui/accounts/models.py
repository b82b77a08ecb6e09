from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from shanghui.lib.crypto import EncryptedTextField
from shanghui.lib.masking import mask_id_number, mask_mobile


class User(AbstractUser):
    """A person who logs in: staff of a federation, chamber, department or window.

    Citizens do not have accounts; they are identified per case by mobile number and a one-time code.
    """

    # Real name (实名) as one field: Chinese names are not split into first and last.
    name = models.CharField("姓名", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=11, unique=True, null=True, blank=True)
    id_number = EncryptedTextField("身份证号", blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
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
