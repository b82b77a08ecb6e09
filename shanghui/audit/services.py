"""Appending to the audit chain, rotating its key, anchoring its head and verifying it."""

from __future__ import annotations

import ipaddress
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from shanghui.audit import anchors, chain
from shanghui.audit.actions import AuditAction
from shanghui.audit.anchors import Anchor, Head
from shanghui.audit.models import CITIZEN_LABEL, GENESIS_HASH, AuditEntry
from shanghui.audit.tasks import schedule_anchor

logger = logging.getLogger("shanghui.audit")

KEY_ROTATE = AuditAction.AUDIT_KEY_ROTATE

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


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Appends must see each other's hash: take the chain lock until this transaction ends.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
    # On SQLite, write transactions start IMMEDIATE (settings), which serialises appends.


def _signing_key(last_key_id: str | None) -> str:
    """The key a new row is hashed with: the chain's current key (the previous row's), so that processes
    started before and after a configuration change write under one key until `rotate_key` moves the
    chain on; the newest configured key for the first row."""
    if last_key_id is None:
        return chain.newest_key_id()
    if last_key_id != chain.LEGACY_KEY_ID and chain.is_configured(last_key_id):
        return last_key_id
    newest = chain.newest_key_id()
    # Rows go on being written (the application keeps working); verify names this row.
    logger.error(
        "audit chain key %r is not in AUDIT_HMAC_KEYS of this process: new rows use %r", last_key_id, newest
    )
    return newest


def _append(
    *,
    action: str,
    actor_id: int | None,
    actor_label: str,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
    key_id: str | None = None,
) -> AuditEntry:
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values("seq", "hash", "key_id", "created_at").first()
        now = timezone.now()
        entry = AuditEntry(
            seq=(last["seq"] + 1) if last else 1,
            created_at=now,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            ip=ip,
            # Through JSON once, so that the hash made now equals the hash of what the database returns.
            detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
            prev_hash=last["hash"] if last else GENESIS_HASH,
            key_id=key_id if key_id is not None else _signing_key(last["key_id"] if last else None),
        )
        entry.hash = entry.compute_hash()
        entry.save()
        schedule_anchor(previous=last["created_at"] if last else None, now=now)
    return entry


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
    citizen: bool = False,
) -> AuditEntry:
    """Append one row to the audit chain, in the caller's transaction if there is one.

    `actor` is a User, None for the system, or an unsaved/anonymous user (failed logins). `citizen`:
    the row is about something a citizen (who has no account) did; `actor` is then None. `action` is one
    of AuditAction (a ValueError otherwise, before anything is written): every row has a label.
    """
    action = AuditAction(action)
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
    if actor_id:
        actor_label = f"{actor_id}:{actor.get_username()}"
    elif citizen:
        actor_label = CITIZEN_LABEL
    else:
        actor_label = "" if actor is None else "anonymous"
    return _append(
        action=action, actor_id=actor_id, actor_label=actor_label, object_type=object_type,
        object_id=object_id, object_repr=object_repr, ip=client_ip(request), detail=detail,
    )  # fmt: skip


def rotate_key(*, actor: Any = None, to: str | None = None) -> AuditEntry:
    """Move the chain to key `to` (the newest configured key by default): one row, hashed with the new
    key, that names the old and the new key id. Every later row uses the new key; verify refuses a row
    under any key the chain has left, so a retired key — even a leaked one — cannot write rows again.
    Configure the new key on every process first: a process that lacks it writes under its own newest
    key, and verify reports those rows."""
    target = to or chain.newest_key_id()
    if not chain.is_configured(target):
        raise ValidationError(f"密钥 {target!r} 不在 AUDIT_HMAC_KEYS 中")
    with transaction.atomic():
        _lock_chain()
        current = AuditEntry.objects.order_by("-seq").values_list("key_id", flat=True).first()
        if current == target:
            raise ValidationError(f"审计日志已在使用密钥 {target!r}")
        if AuditEntry.objects.filter(key_id=target).exists():
            raise ValidationError(f"密钥 {target!r} 此前已被更换下来：哈希链不会回到用过的密钥，请生成新密钥")
        actor_id = getattr(actor, "pk", None) if actor is not None else None
        return _append(
            action=KEY_ROTATE, actor_id=actor_id,
            actor_label=f"{actor_id}:{actor.get_username()}" if actor_id else "",
            detail={"from": current, "to": target}, key_id=target,
        )  # fmt: skip


def current_head() -> Head | None:
    last = AuditEntry.objects.order_by("-seq").values("seq", "hash", "key_id").first()
    return Head(last["seq"], last["hash"], last["key_id"]) if last else None


def anchor_head() -> tuple[Head | None, list[str]]:
    """Write the chain's head to every anchor store, if its own hash verifies (a forged head is not
    worth anchoring). (head, failures)."""
    entry = AuditEntry.objects.order_by("-seq").first()
    if entry is None:
        return None, []
    try:
        valid = entry.compute_hash() == entry.hash
    except chain.UnknownKey as exc:
        return None, [f"最新一行（第 {entry.seq} 行）的密钥 {exc.key_id!r} 未配置，未写入锚点"]
    if not valid:
        return None, [f"最新一行（第 {entry.seq} 行）的哈希不符，未写入锚点"]
    head = Head(entry.seq, entry.hash, entry.key_id)
    return head, anchors.write(head)


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head: Head | None = None  # the last row verified
    anchors_checked: int = 0
    read_from: list[str] = field(default_factory=list)
    write_only: list[str] = field(default_factory=list)
    # Stores that could not be read: verify could not check what they hold.
    read_errors: list[str] = field(default_factory=list)
    anchored: Head | None = None  # written by this verify
    write_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_seq is None

    @property
    def complete(self) -> bool:
        """Intact, every anchor store read and the head anchored."""
        return self.ok and not self.read_errors and not self.write_errors


def _broken(report: ChainReport, seq: int, reason: str) -> ChainReport:
    report.broken_seq, report.reason = seq, reason
    return report


def verify_chain(*, batch_size: int = 2000, anchor: bool = True) -> ChainReport:
    """Walk the chain in order; report the first row whose content, link, sequence or key is wrong, or
    that differs from an anchor, and the anchored heads the database no longer holds. When the chain is
    intact (and `anchor`), write its head to the anchor stores.

    The rules about keys: the first row may use any key; the key changes only at a key rotation row
    (`rotate_key`, or migration 0004 for the rows from before keys), to a key the chain has not used
    before, and never back to the legacy plain hash; the last row is keyed. So a forger without the key
    can neither rewrite rows nor pass new rows off as legacy or as made under a retired key.
    """
    readback = anchors.read_all()
    by_seq: dict[int, list[Anchor]] = defaultdict(list)
    for item in readback.anchors:
        by_seq[item.seq].append(item)
    report = ChainReport(
        0, read_from=readback.read_from, write_only=readback.write_only, read_errors=readback.errors,
        anchors_checked=len(readback.anchors),
    )  # fmt: skip
    expected_prev = GENESIS_HASH
    expected_seq = 1
    key_id: str | None = None
    used_keys: set[str] = set()
    last: AuditEntry | None = None
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return _broken(report, expected_seq, f"第 {expected_seq} 行缺失（下一行为第 {entry.seq} 行）")
        if entry.prev_hash != expected_prev:
            return _broken(report, entry.seq, "与上一行的链接不符（上一行被删除或改动）")
        if key_id is not None and entry.key_id != key_id:
            if entry.key_id == chain.LEGACY_KEY_ID:
                return _broken(report, entry.seq, "在密钥哈希的行之后出现了无密钥的旧式哈希（该行是伪造的）")
            if entry.action != KEY_ROTATE:
                return _broken(
                    report, entry.seq,
                    f"未经更换密钥就从密钥 {key_id!r} 换成了 {entry.key_id!r}"
                    f"（伪造，或有进程未配置密钥 {key_id!r}）",
                )  # fmt: skip
            if entry.key_id in used_keys:
                return _broken(report, entry.seq, f"回到了已更换下来的密钥 {entry.key_id!r}（该行是伪造的）")
        try:
            # Round-trip the JSON detail as the database returns it before hashing.
            valid = entry.compute_hash() == entry.hash
        except chain.UnknownKey as exc:
            return _broken(report, entry.seq, f"所用密钥 {exc.key_id!r} 不在 AUDIT_HMAC_KEYS 中，无法校验")
        if not valid:
            return _broken(report, entry.seq, "内容与哈希不符（该行被改动）")
        for item in by_seq.get(entry.seq, ()):
            if item.hash != entry.hash:
                return _broken(
                    report, entry.seq,
                    f"与 {item.time} 写在 {item.source} 的锚点不符（该行或此前的行被改写）",
                )  # fmt: skip
        if key_id is not None and entry.key_id != key_id:
            used_keys.add(key_id)
        key_id = entry.key_id
        expected_prev = entry.hash
        expected_seq += 1
        report.checked += 1
        last = entry
    beyond = [item for item in readback.anchors if item.seq >= expected_seq]
    if beyond:
        newest = max(beyond, key=lambda item: item.seq)
        held = f"数据库只到第 {expected_seq - 1} 行" if expected_seq > 1 else "数据库中一行也没有"
        rows = f"第 {expected_seq} 行" if newest.seq == expected_seq else f"第 {expected_seq}–{newest.seq} 行"
        return _broken(
            report, expected_seq,
            f"{rows}缺失：{newest.time} 写在 {newest.source} 的锚点记录的最新一行是"
            f"第 {newest.seq} 行，{held}（末尾的行被删除）",
        )  # fmt: skip
    if last is not None and last.key_id == chain.LEGACY_KEY_ID:
        return _broken(
            report, last.seq,
            "哈希链以无密钥的旧式哈希结尾，缺少启用密钥的记录（迁移 audit 0004 写入）：这些行可能是伪造的",
        )  # fmt: skip
    if last is not None:
        report.head = Head(last.seq, last.hash, last.key_id)
        if anchor:
            report.anchored = report.head
            report.write_errors = anchors.write(report.head)
    return report
