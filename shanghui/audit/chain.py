"""How a row of the audit chain is hashed: HMAC-SHA256 under a key the database does not hold.

Keys come from `settings.AUDIT_HMAC_KEYS`, "id:secret" pairs, newest first. Each row records the id of
the key that made its hash (`AuditEntry.key_id`), so rows made under an older key still verify after a
rotation while new rows use the new one. Whoever can write the database but does not have the key cannot
make a hash that verifies: rewriting a row and recomputing the later hashes (with this module, without
the key) breaks the chain at the first rewritten row.

Rows written before keys existed carry the empty key id and a plain SHA-256 hash (`LEGACY_KEY_ID`). They
stay as they were — the log is never rewritten, and exported spreadsheets keep matching — and are pinned
by the first keyed row after them, whose keyed hash covers their last hash (see services.verify_chain for
the rules that stop a forger from passing off new rows as legacy ones).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LEGACY_KEY_ID = ""
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
# A secret shorter than this is a password, not a key (HMAC-SHA256 wants 32 random bytes).
MIN_SECRET_LENGTH = 32
DEV_KEY_ID = "dev"


class UnknownKey(Exception):
    """A row names a key id that AUDIT_HMAC_KEYS does not hold."""

    def __init__(self, key_id: str) -> None:
        super().__init__(key_id)
        self.key_id = key_id


@lru_cache(maxsize=4)
def _parse(entries: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    if not entries:
        raise ImproperlyConfigured("AUDIT_HMAC_KEYS is empty: the audit log needs at least one key")
    keys: list[tuple[str, bytes]] = []
    for entry in entries:
        key_id, sep, secret = entry.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not sep or not KEY_ID_PATTERN.match(key_id):
            raise ImproperlyConfigured(
                "AUDIT_HMAC_KEYS: every key is written id:secret, the id 1–16 letters, digits, '.', '_' or '-'"
            )
        if len(secret) < MIN_SECRET_LENGTH:
            raise ImproperlyConfigured(
                f"AUDIT_HMAC_KEYS: the secret of key {key_id!r} is shorter than {MIN_SECRET_LENGTH} characters"
            )
        if any(known == key_id for known, _ in keys):
            raise ImproperlyConfigured(f"AUDIT_HMAC_KEYS: key id {key_id!r} appears twice")
        keys.append((key_id, secret.encode()))
    return tuple(keys)


def keys() -> tuple[tuple[str, bytes], ...]:
    """(id, secret) pairs, newest first."""
    return _parse(tuple(settings.AUDIT_HMAC_KEYS))


def newest_key_id() -> str:
    return keys()[0][0]


def is_configured(key_id: str) -> bool:
    return any(known == key_id for known, _ in keys())


def hashed_fields(row: Any) -> dict[str, Any]:
    """The columns of an audit row that its hash covers (the row: a model instance, the migrations'
    historical ones included)."""
    return {
        "seq": row.seq,
        "created_at": row.created_at.isoformat(),
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_repr": row.object_repr,
        "ip": row.ip,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
    }


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def row_hash(fields: Mapping[str, Any], key_id: str) -> str:
    """The hash of a row's content (`fields`: every hashed column but the hash and key id).

    Keyed rows: HMAC-SHA256 of the canonical JSON with the key id inside it (so the id cannot be
    swapped). Legacy rows: SHA-256 of the canonical JSON as it was before keys existed."""
    if key_id == LEGACY_KEY_ID:
        return hashlib.sha256(canonical(fields)).hexdigest()
    secret = next((secret for known, secret in keys() if known == key_id), None)
    if secret is None:
        raise UnknownKey(key_id)
    return hmac.new(secret, canonical({**fields, "key_id": key_id}), hashlib.sha256).hexdigest()
