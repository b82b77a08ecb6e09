"""Reconciliation (对账): a bank statement of the fund's account (Excel or CSV) read whole, checked
line by line, and its lines matched to the ledger — money in to gifts, money out to disbursements — by
amount, date and name. A file with any bad line is refused whole, each bad line named; nothing of it is
imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.donations.models import Disbursement, Fund, Gift, Statement, StatementLine
from shanghui.donations.money import MAX_FEN, to_fen
from shanghui.donations.workflow import FUND_MACHINE
from shanghui.lib.bounds import date_in_range
from shanghui.lib.xlsx import unescape_formula

MAX_BYTES = 5 * 1024 * 1024
# As banks print amounts: a sign, digits, at most two decimals (no exponent, no spaces inside).
AMOUNT = re.compile(r"[+-]?[0-9]+(\.[0-9]{1,2})?")
MAX_LINES = 5000
# How far the bank's booking date may lie from the date the ledger recorded.
GIFT_DAYS = 3
DISBURSEMENT_DAYS = 5

HEADERS = {
    "date": ("交易日期", "日期", "记账日期", "date"),
    "amount": ("金额", "交易金额", "amount"),
    "counterparty": ("对方户名", "对方", "对方名称", "counterparty"),
    "memo": ("摘要", "备注", "用途", "memo"),
}


@dataclass(frozen=True)
class Line:
    line_no: int
    booked_on: dt.date
    amount_fen: int
    counterparty: str
    memo: str


def _rows(upload: UploadedFile) -> list[list[Any]]:
    name = (upload.name or "").lower()
    if upload.size and upload.size > MAX_BYTES:
        raise ValidationError({"file": "文件超过 5 MB"})
    data = upload.read()
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001  (any unreadable workbook is the same answer to the user)
            raise ValidationError({"file": "无法读取该 Excel 文件，请另存为 .xlsx 或 CSV 后重试"}) from None
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_LINES + 2)]
        book.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": "无法识别文件编码，请使用 UTF-8 或 GBK 编码的 CSV"})
    if "\x00" in text:
        raise ValidationError({"file": "文件不是 CSV 或 Excel 文件"})
    return [row for row in csv.reader(io.StringIO(text))][: MAX_LINES + 2]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if date_in_range(day) else None
    return None


def _amount(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    # A spreadsheet's number arrives as a float: its shortest decimal text is what the bank printed.
    text = repr(value) if isinstance(value, float) else str(value)
    text = text.replace(",", "").replace("¥", "").replace("￥", "").strip()
    if not AMOUNT.fullmatch(text):
        return None
    try:
        fen = to_fen(Decimal(text))
    except (ValidationError, InvalidOperation, ValueError):
        return None
    return fen if fen != 0 and abs(fen) <= MAX_FEN else None


def parse(upload: UploadedFile) -> list[Line]:
    """The statement's lines, or ValidationError naming every bad line (and nothing is kept)."""
    rows = [r for r in _rows(upload) if any(str(c or "").strip() for c in r)]
    if not rows:
        raise ValidationError({"file": "文件是空的"})
    header = [str(c or "").strip().lower() for c in rows[0]]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, heading in enumerate(header):
            if heading in names:
                columns[key] = i
                break
    missing = [HEADERS[k][0] for k in ("date", "amount") if k not in columns]
    if missing:
        raise ValidationError({"file": f"第 1 行（表头）缺少列：{'、'.join(missing)}"})
    if len(rows) - 1 > MAX_LINES:
        raise ValidationError({"file": f"一次最多导入 {MAX_LINES} 行"})
    lines: list[Line] = []
    errors: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(header) - len(row))

        def cell(key: str, cells: Sequence[Any] = cells) -> Any:
            return cells[columns[key]] if key in columns and columns[key] < len(cells) else None

        day, fen = _date(cell("date")), _amount(cell("amount"))
        if day is None:
            errors.append(
                f"第 {number} 行：交易日期“{str(cell('date') or '')[:20]}”无法识别（应为 2026-01-31）"
            )
        if fen is None:
            errors.append(
                f"第 {number} 行：金额“{str(cell('amount') or '')[:20]}”不正确（非零，最多两位小数）"
            )
        if day is not None and fen is not None:
            lines.append(
                Line(
                    line_no=number, booked_on=day, amount_fen=fen,
                    counterparty=unescape_formula(str(cell("counterparty") or "").strip())[:100],
                    memo=unescape_formula(str(cell("memo") or "").strip())[:200],
                )
            )  # fmt: skip
    if errors:
        shown = errors[:20] + ([f"……另有 {len(errors) - 20} 处错误"] if len(errors) > 20 else [])
        raise ValidationError({"file": shown})
    if not lines:
        raise ValidationError({"file": "文件中没有交易行"})
    return lines


def _names_match(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    return bool(a and b and (a in b or b in a))


def match(fund: Fund, lines: Iterable[StatementLine]) -> None:
    """Match each unmatched line to a gift (money in) or a disbursement (money out) of the fund not yet
    matched by any statement: the same amount, the date within a few days, a name that agrees first."""
    taken_gifts = set(
        StatementLine.objects.filter(statement__fund=fund, gift__isnull=False).values_list(
            "gift_id", flat=True
        )
    )
    taken_out = set(
        StatementLine.objects.filter(statement__fund=fund, disbursement__isnull=False).values_list(
            "disbursement_id", flat=True
        )
    )
    gifts = list(
        Gift.objects.filter(fund=fund, status=Gift.Status.RECORDED, kind=Gift.Kind.MONEY)
        .exclude(channel=Gift.Channel.DIRECT)
        .select_related("donor")
        .order_by("received_on", "pk")
    )
    outs = list(
        Disbursement.objects.filter(
            fund=fund, status__in=[Disbursement.Status.APPROVED, Disbursement.Status.PAID]
        ).order_by("pk")
    )
    changed: list[StatementLine] = []
    for line in lines:
        if line.matched:
            continue
        if line.amount_fen > 0:
            candidates = [
                g for g in gifts
                if g.pk not in taken_gifts and g.amount_fen == line.amount_fen
                and abs((g.received_on - line.booked_on).days) <= GIFT_DAYS
            ]  # fmt: skip
            candidates.sort(
                key=lambda g: (
                    not _names_match(g.donor.name, line.counterparty),
                    abs((g.received_on - line.booked_on).days),
                )
            )
            if candidates:
                line.gift = candidates[0]
                taken_gifts.add(candidates[0].pk)
                changed.append(line)
        else:

            def day_of(d: Disbursement, booked: dt.date = line.booked_on) -> dt.date:
                if d.paid_on:
                    return d.paid_on
                return timezone.localtime(d.approved_at).date() if d.approved_at else booked

            found = [
                d for d in outs
                if d.pk not in taken_out and d.amount_fen == -line.amount_fen
                and abs((day_of(d) - line.booked_on).days) <= DISBURSEMENT_DAYS
            ]  # fmt: skip
            found.sort(key=lambda d: not _names_match(d.recipient_name, line.counterparty))
            if found:
                line.disbursement = found[0]
                taken_out.add(found[0].pk)
                changed.append(line)
    StatementLine.objects.bulk_update(changed, ["gift", "disbursement"])


@transaction.atomic
def import_statement(*, actor: User | None, fund: Fund, upload: UploadedFile) -> Statement:
    lines = parse(upload)  # raises before anything is written
    statement = Statement.objects.create(
        fund=fund, original_name=(upload.name or "")[:200], uploaded_by=actor
    )
    StatementLine.objects.bulk_create(
        StatementLine(statement=statement, line_no=x.line_no, booked_on=x.booked_on, amount_fen=x.amount_fen,
                      counterparty=x.counterparty, memo=x.memo)
        for x in lines
    )  # fmt: skip
    match(fund, list(statement.lines.all()))
    FUND_MACHINE.record_event(
        fund, action="statement", actor=actor, actor_kind="staff", created_at=timezone.now(),
        data={"statement": statement.pk, "lines": len(lines)},
    )  # fmt: skip
    record(
        actor=actor,
        action=AuditAction.DONATION_STATEMENT_IMPORT,
        obj=statement,
        detail={"fund": fund.pk, "lines": len(lines)},
    )
    return statement


@dataclass(frozen=True)
class Reconciliation:
    lines: list[StatementLine]
    unmatched_lines: list[StatementLine]
    unmatched_gifts: list[Gift]
    unmatched_disbursements: list[Disbursement]


def reconciliation(statement: Statement) -> Reconciliation:
    """The statement's lines, those without a ledger row, and the ledger's rows in the statement's period
    that no line of any statement matched."""
    lines = list(statement.lines.select_related("gift", "gift__donor", "disbursement"))
    if not lines:
        return Reconciliation([], [], [], [])
    first = min(x.booked_on for x in lines) - dt.timedelta(days=GIFT_DAYS)
    last = max(x.booked_on for x in lines) + dt.timedelta(days=GIFT_DAYS)
    fund = statement.fund
    matched_gifts = StatementLine.objects.filter(statement__fund=fund, gift__isnull=False).values("gift_id")
    matched_out = StatementLine.objects.filter(statement__fund=fund, disbursement__isnull=False).values(
        "disbursement_id"
    )
    gifts = list(
        Gift.objects.filter(
            fund=fund, status=Gift.Status.RECORDED, kind=Gift.Kind.MONEY, received_on__range=(first, last)
        )
        .exclude(channel=Gift.Channel.DIRECT)
        .exclude(pk__in=matched_gifts)
        .select_related("donor")
    )
    outs = list(
        Disbursement.objects.filter(
            fund=fund, status__in=[Disbursement.Status.APPROVED, Disbursement.Status.PAID]
        ).exclude(pk__in=matched_out)
    )
    return Reconciliation(lines, [x for x in lines if not x.matched], gifts, outs)
