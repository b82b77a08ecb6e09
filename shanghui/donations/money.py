"""Money in integer fen (分): stored as BigIntegerField, summed exactly on SQLite and PostgreSQL alike,
shown and typed as yuan (`Decimal` with two places). Never a float anywhere on the way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
# ¥10 billion: more than any one gift, disbursement or investment this ledger will see, and far below
# what a 64-bit integer of fen holds, so that sums of millions of rows never overflow.
MAX_FEN = 10**12


def to_fen(yuan: Decimal | int | str) -> int:
    """Yuan (at most two decimal places) as fen; ValidationError for anything else (a float included)."""
    if isinstance(yuan, float):
        raise TypeError("money is never a float")
    try:
        value = Decimal(yuan)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("金额格式不正确")) from None
    if not value.is_finite():
        raise ValidationError(_("金额格式不正确"))
    if value != value.quantize(CENT):
        raise ValidationError(_("金额最多保留两位小数（精确到分）"))
    return int(value * 100)


def to_yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_text(fen: int | None) -> str:
    """¥1,234.50, -¥300.00"""
    value = to_yuan(fen)
    return f"-¥{-value:,.2f}" if value < 0 else f"¥{value:,.2f}"
