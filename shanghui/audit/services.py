"""Appending to the audit chain and verifying it."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import GENESIS_HASH, AuditEntry

# An arbitrary constant naming the advisory lock that serialises appends on PostgreSQL.
_PG_CHAIN_LOCK = 7_305_318_420


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind the reverse proxy of a deployment, REMOTE_ADDR is set from X-Forwarded-For by the proxy
    # layer (uvicorn --proxy-headers), never parsed here from a header a client can forge.
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None  # not an address (a Unix socket, an ASGI server that gives none): store nothing
    # The form the database gives back (GenericIPAddressField cleans IPv6 on save; PostgreSQL's inet
    # prints it compressed): the hash made now must equal the hash of the row read back.
    return clean_ipv6_address(raw) if address.version == 6 else str(address)


def record(
    *,
    actor: Any,
    action: AuditAction,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit chain, in the caller's transaction if there is one.

    `actor` is a User, None for the system, or an unsaved/anonymous user (failed logins). `action` is one
    of AuditAction (a ValueError otherwise, before anything is written): every row has a label.
    """
    code = AuditAction(action).value
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        # A user's str() is their real name: name a person by username, which is not personal data.
        get_username = getattr(obj, "get_username", None)
        object_repr = object_repr or (get_username() if callable(get_username) else str(obj))[:200]
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None
    )
    actor_label = f"{actor_id}:{actor.get_username()}" if actor_id else ("" if actor is None else "anonymous")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Appends must see each other's hash: take the chain lock until this transaction ends.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
        # On SQLite, write transactions start IMMEDIATE (settings), which serialises appends.
        last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
        entry = AuditEntry(
            seq=(last["seq"] + 1) if last else 1,
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            action=code,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            ip=client_ip(request),
            # Through JSON once, so that the hash made now equals the hash of what the database returns.
            detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
            prev_hash=last["hash"] if last else GENESIS_HASH,
        )
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first row whose content, link or sequence is wrong."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainReport(
                checked, expected_seq, f"第 {expected_seq} 行缺失（下一行为第 {entry.seq} 行）"
            )
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, "与上一行的链接不符（上一行被删除或改动）")
        # Round-trip the JSON detail as the database returns it before hashing.
        if entry.compute_hash() != entry.hash:
            return ChainReport(checked, entry.seq, "内容与哈希不符（该行被改动）")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked)
