"""Encryption at rest for personal data (ID numbers), with a keyed hash for exact look-up.

Keys come from settings.FIELD_ENCRYPTION_KEYS (newest first). MultiFernet encrypts with the first
key and decrypts with any, so rotating a key is: put a new key in front, restart, then run
`shanghui rotate_keys`, which re-encrypts every EncryptedTextField of every model with the new key;
then drop the old key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY holds an invalid Fernet key: {exc}") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "an encrypted value cannot be decrypted with any key in FIELD_ENCRYPTION_KEY"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key (the token may have been made with any known key)."""
    return fernet().rotate(token.encode()).decode()


def is_current(token: str) -> bool:
    """Whether `token` was made with the newest key (so that rotating it would change nothing)."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    try:
        _fernet(keys[:1]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value: equal inputs give equal hashes, without revealing the value."""
    if not value:
        return ""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code sees the clear text. The empty string is stored as is.

    Values cannot be filtered on (each encryption differs): filter on the keyed hash kept beside.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
