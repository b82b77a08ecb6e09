"""Appending to a fund's ledger and checking it. Every entry is written here, under the fund's row lock:
the lock serialises everything that changes one fund's balance (two disbursements approved at the same
instant included: the second one reads the balance the first one left), and it orders the entries'
chain (seq, prev_hash)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shanghui.donations.models import Disbursement, Entry, Fund, Gift


def lock_fund(fund_id: int) -> Fund:
    """The fund's row, locked until the transaction ends (FOR UPDATE: every writer of its ledger waits)."""
    return Fund.objects.select_for_update().get(pk=fund_id)


def balance_fen(fund: Fund | int) -> int:
    """The money a fund holds: the sum of its entries' effects."""
    fund_id = fund if isinstance(fund, int) else fund.pk
    return int(Entry.objects.filter(fund_id=fund_id).aggregate(s=Sum("balance_fen"))["s"] or 0)


def _digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _content(entry: Entry) -> dict[str, Any]:
    return {
        "fund": entry.fund_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "gift": entry.gift_id,
        "disbursement": entry.disbursement_id,
        "amount_fen": entry.amount_fen,
        "balance_fen": entry.balance_fen,
        "reason": entry.reason,
        "actor": entry.actor_id,
        # In UTC whatever zone the value was made in: the database gives it back in UTC.
        "created_at": entry.created_at.astimezone(dt.UTC).isoformat(),
        "prev_hash": entry.prev_hash,
    }


def append(
    fund: Fund,
    *,
    kind: str,
    amount_fen: int,
    balance_fen: int,
    actor: Any,
    gift: Gift | None = None,
    disbursement: Disbursement | None = None,
    reason: str = "",
) -> Entry:
    """One entry at the end of the fund's chain. `fund` must have been locked by lock_fund() in this
    transaction (its entry_count and head_hash are the chain's head)."""
    assert transaction.get_connection().in_atomic_block, "append() runs inside the caller's transaction"
    entry = Entry(
        fund_id=fund.pk, seq=fund.entry_count + 1, kind=kind, gift=gift, disbursement=disbursement,
        amount_fen=amount_fen, balance_fen=balance_fen, reason=reason[:200],
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=timezone.now(), prev_hash=fund.head_hash,
    )  # fmt: skip
    entry.hash = _digest(_content(entry))
    entry.save(force_insert=True)
    fund.entry_count, fund.head_hash = entry.seq, entry.hash
    Fund.objects.filter(pk=fund.pk).update(entry_count=fund.entry_count, head_hash=fund.head_hash)
    return entry


@dataclass(frozen=True)
class Problem:
    seq: int
    message: str


def verify_fund(fund: Fund) -> list[Problem]:
    """Every entry's hash recomputed along the chain; [] when the ledger is as it was written. Names a
    changed row, a gap (a deleted row) and a chain shorter than the head the fund holds."""
    problems: list[Problem] = []
    prev = ""
    expected_seq = 1
    for entry in Entry.objects.filter(fund=fund).order_by("seq").iterator():
        if entry.seq != expected_seq:
            problems.append(Problem(expected_seq, f"第 {expected_seq} 条分录缺失"))
            expected_seq = entry.seq
        if entry.prev_hash != prev or _digest(_content(entry)) != entry.hash:
            problems.append(Problem(entry.seq, f"第 {entry.seq} 条分录被改动"))
        prev = entry.hash
        expected_seq += 1
    fresh = Fund.objects.get(pk=fund.pk)
    if fresh.entry_count != expected_seq - 1 or fresh.head_hash != prev:
        problems.append(Problem(fresh.entry_count, "台账末尾的分录缺失或与记录的末尾不符"))
    return problems
