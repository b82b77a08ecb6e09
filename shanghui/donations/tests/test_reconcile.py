"""Reconciliation: a bank statement's lines matched to gifts and disbursements by amount, date and name;
what does not match listed on both sides; a malformed file refused whole with each bad line named."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shanghui.donations import reconcile
from shanghui.donations.models import Gift, Statement, StatementLine
from shanghui.donations.services import DonorInput

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "流水.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), "text/csv")


def test_lines_match_gifts_and_disbursements_and_the_rest_is_listed(dw: SimpleNamespace) -> None:
    day = dw.today
    a = dw.money(dw.fund, "1000", donor=DonorInput(kind="enterprise", name="衢州甲科技有限公司"))
    b = dw.money(dw.fund, "1000", donor=DonorInput(kind="enterprise", name="衢州乙建材有限公司"))
    lonely = dw.money(dw.fund, "88.80", donor=DonorInput(kind="person", name="李四"))
    direct = dw.money(dw.fund, "500", channel=Gift.Channel.DIRECT)
    paid = dw.approve(dw.request(dw.fund, "700"))
    text = (
        "交易日期,金额,对方户名,摘要\n"
        f"{day:%Y/%m/%d},1000.00,衢州乙建材有限公司,捐款\n"  # the name decides between two equal amounts
        f'{day - dt.timedelta(days=2)},"1,000.00",衢州甲科技,捐款\n'
        f"{day},-700,花园村饮水工程,拨付\n"
        f"{day},250.00,不明来款,\n"
    )
    statement = reconcile.import_statement(actor=dw.chamber_staff, fund=dw.fund, upload=csv_file(text))
    lines = {x.line_no: x for x in statement.lines.all()}
    assert (lines[2].gift_id, lines[3].gift_id, lines[4].disbursement_id) == (b.pk, a.pk, paid.pk)
    assert not lines[5].matched
    result = reconcile.reconciliation(statement)
    assert [x.line_no for x in result.unmatched_lines] == [5]
    assert [g.pk for g in result.unmatched_gifts] == [lonely.pk]  # the direct gift never passes the account
    assert direct.pk not in [g.pk for g in result.unmatched_gifts]
    assert result.unmatched_disbursements == []

    # A second statement with the same line does not match a gift twice.
    again = reconcile.import_statement(
        actor=dw.chamber_staff,
        fund=dw.fund,
        upload=csv_file(f"日期,金额,对方户名\n{day},1000.00,衢州甲科技\n"),
    )
    assert not again.lines.get().matched


def test_an_excel_statement_is_read(dw: SimpleNamespace) -> None:
    gift = dw.money(dw.fund, "1234.5")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["交易日期", "金额", "对方户名", "摘要"])
    sheet.append([dt.datetime.combine(dw.today, dt.time(9)), 1234.5, "衢州甲科技有限公司", "捐款"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("流水.xlsx", buffer.getvalue(), "application/octet-stream")
    statement = reconcile.import_statement(actor=dw.chamber_staff, fund=dw.fund, upload=upload)
    line = statement.lines.get()
    assert (line.amount_fen, line.gift_id, line.memo) == (123_450, gift.pk, "捐款")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件是空的"),
        ("日期,对方户名\n2026-01-01,某\n", "缺少列：金额"),
        ("交易日期,金额\n2026-13-01,100\n", "第 2 行：交易日期"),
        ("交易日期,金额\n2026-01-01,abc\n2026-01-02,1.001\n2026-01-03,0\n", "第 4 行：金额"),
        ("交易日期,金额\n", "没有交易行"),
    ],
)
def test_a_malformed_file_is_refused_whole(dw: SimpleNamespace, text: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        reconcile.import_statement(actor=dw.chamber_staff, fund=dw.fund, upload=csv_file(text))
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert Statement.objects.count() == 0 and StatementLine.objects.count() == 0


def test_one_bad_line_among_good_ones_imports_nothing(dw: SimpleNamespace) -> None:
    text = f"交易日期,金额\n{dw.today},100\n{dw.today},1e5\n{dw.today},200\n"
    with pytest.raises(ValidationError) as exc:
        reconcile.import_statement(actor=dw.chamber_staff, fund=dw.fund, upload=csv_file(text))
    assert exc.value.messages == ["第 3 行：金额“1e5”不正确（非零，最多两位小数）"]
    assert StatementLine.objects.count() == 0


def test_a_gbk_csv_and_a_binary_file(dw: SimpleNamespace) -> None:
    statement = reconcile.import_statement(
        actor=dw.chamber_staff,
        fund=dw.fund,
        upload=csv_file(f"交易日期,金额,对方户名\n{dw.today},5,张三\n", encoding="gbk"),
    )
    assert statement.lines.get().counterparty == "张三"
    with pytest.raises(ValidationError):
        reconcile.import_statement(
            actor=dw.chamber_staff, fund=dw.fund, upload=SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage")
        )
