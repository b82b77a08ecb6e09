"""The ledger's services: gifts of each kind and their rules, balances from the entries, reversals,
pledges fulfilled by gifts, disbursements that never overdraw, the chain that shows a rewritten row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shanghui.donations import ledger, services
from shanghui.donations.models import Disbursement, Donor, Entry, Fund, Gift, Pledge
from shanghui.donations.money import to_fen, to_yuan
from shanghui.donations.services import DonorInput, GiftInput
from shanghui.workflow.machine import TransitionError

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (Gift.objects.count(), Entry.objects.count(), Donor.objects.count(), Disbursement.objects.count())


def test_money_is_fen_and_never_a_float() -> None:
    assert to_fen(Decimal("65608600.00")) == 6_560_860_000
    assert to_fen("0.10") + to_fen("0.20") == to_fen("0.30")
    assert to_yuan(30) == Decimal("0.30")
    with pytest.raises(TypeError):
        to_fen(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        to_fen(Decimal("1.005"))


def test_a_public_appeal_names_its_partner_charity(dw: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_fund(
            actor=dw.chamber_staff, organiser=dw.chamber_a, name="公开募捐", purpose="救灾", category="other",
            starts_on=dw.today, is_public=True,
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"partner_charity", "partner_registration"}
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.create(organiser=dw.chamber_a, name="x", purpose="y", starts_on=dw.today, is_public=True)


def test_money_through_the_partner_charity_with_its_receipt(dw: SimpleNamespace) -> None:
    gift = dw.money(dw.fund, "10000.50", channel=Gift.Channel.PARTNER_CHARITY, receipt_number="ZJ2026-0001")
    assert (gift.amount_fen, gift.receipt_issuer, gift.receipt_number) == (
        1_000_050,
        "衢州市慈善总会",
        "ZJ2026-0001",
    )
    assert ledger.balance_fen(dw.fund) == 1_000_050
    entry = Entry.objects.get(gift=gift)
    assert (entry.seq, entry.kind, entry.amount_fen, entry.balance_fen) == (1, "gift", 1_000_050, 1_000_050)


def test_money_given_directly_is_recorded_but_not_held(dw: SimpleNamespace) -> None:
    gift = dw.money(dw.fund, "2000", channel=Gift.Channel.DIRECT)
    assert gift.direct_recipient == "衢州市红十字会"
    entry = Entry.objects.get(gift=gift)
    assert (entry.amount_fen, entry.balance_fen) == (200_000, 0)
    assert ledger.balance_fen(dw.fund) == 0


def test_goods_are_valued_only_with_a_source_and_services_never(dw: SimpleNamespace) -> None:
    donor = DonorInput(kind="enterprise", name="衢州丙医药有限公司")
    base = {"received_on": dw.today, "channel": Gift.Channel.OWN_ACCOUNT}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.record_gift(
            actor=dw.chamber_staff, fund=dw.fund, donor=donor,
            gift=GiftInput(kind="goods", description="医用口罩", quantity=Decimal(5000), unit="只",
                           value=Decimal("7500"), **base),
        )  # fmt: skip
    assert "value_source" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_gift(
            actor=dw.chamber_staff, fund=dw.fund, donor=donor,
            gift=GiftInput(kind="service", description="义诊", hours=Decimal(8), value=Decimal(100), **base),
        )  # fmt: skip
    assert "value" in exc.value.message_dict
    assert counts() == before

    goods = services.record_gift(
        actor=dw.chamber_staff, fund=dw.fund, donor=donor,
        gift=GiftInput(kind="goods", description="医用口罩", quantity=Decimal(5000), unit="只",
                       value=Decimal("7500"), value_source="invoice", **base),
    )  # fmt: skip
    service = services.record_gift(
        actor=dw.chamber_staff, fund=dw.fund, donor=donor,
        gift=GiftInput(kind="service", description="义诊", hours=Decimal("8.5"), **base),
    )  # fmt: skip
    assert (goods.value, service.value) == (750_000, 0)
    # Goods are worth something but are not money the fund can pay out.
    assert ledger.balance_fen(dw.fund) == 0
    assert Donor.objects.filter(name="衢州丙医药有限公司").count() == 1


def test_bad_input_changes_nothing(dw: SimpleNamespace) -> None:
    before = counts()
    for bad in ("0", "-5", "1.234", "100000000000"):
        with pytest.raises(ValidationError) as exc:
            dw.money(dw.fund, bad)
        assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError):
        dw.money(dw.fund, "10", received_on=dw.today + dt.timedelta(days=1))
    closed = dw.new_fund(name="已结束的基金")
    services.act_on_fund(actor=dw.chamber_admin, fund=closed, action="close", expected_status="open")
    with pytest.raises(ValidationError):
        dw.money(Fund.objects.get(pk=closed.pk), "10")
    assert counts() == before


def test_a_reversal_is_an_entry_with_its_reason_and_the_gift_is_never_changed(dw: SimpleNamespace) -> None:
    gift = dw.money(dw.fund, "300")
    reversed_ = services.reverse_gift(actor=dw.chamber_admin, gift=gift, reason="重复登记")
    assert reversed_.status == Gift.Status.REVERSED
    assert reversed_.amount_fen == 30_000  # the gift row keeps what was received
    entries = list(
        Entry.objects.filter(fund=dw.fund).values_list("kind", "amount_fen", "balance_fen", "reason")
    )
    assert entries == [("gift", 30_000, 30_000, ""), ("gift_reversal", -30_000, -30_000, "重复登记")]
    assert ledger.balance_fen(dw.fund) == 0
    # Staff cannot reverse; only the fund's admin.
    other = dw.money(dw.fund, "50")
    with pytest.raises(TransitionError):
        services.reverse_gift(actor=dw.chamber_staff, gift=other, reason="x")
    with pytest.raises(ValueError):
        Entry.objects.get(gift=other).save()


def test_a_fund_never_pays_out_more_than_it_holds(dw: SimpleNamespace) -> None:
    dw.money(dw.fund, "1000")
    with pytest.raises(ValidationError):
        dw.request(dw.fund, "1000.01")
    first, second = dw.request(dw.fund, "700"), dw.request(dw.fund, "600")
    dw.approve(first)
    with pytest.raises(TransitionError) as exc:
        dw.approve(second)
    assert "余额不足" in str(exc.value)
    assert Disbursement.objects.get(pk=second.pk).status == "requested"
    assert ledger.balance_fen(dw.fund) == 30_000
    # A gift whose money was paid out cannot be reversed until the payment is cancelled.
    gift = Gift.objects.get(fund=dw.fund)
    with pytest.raises(TransitionError):
        services.reverse_gift(actor=dw.chamber_admin, gift=gift, reason="错账")
    services.act_on_disbursement(
        actor=dw.chamber_admin,
        disbursement=first,
        action="cancel",
        expected_status="approved",
        reason="对象有误",
    )
    services.reverse_gift(actor=dw.chamber_admin, gift=gift, reason="错账")
    assert ledger.balance_fen(dw.fund) == 0


def test_pledges_are_fulfilled_by_gifts_and_reopened_by_a_reversal(dw: SimpleNamespace) -> None:
    pledge = services.create_pledge(
        actor=dw.chamber_staff, fund=dw.fund, donor=DonorInput(kind="enterprise", name="衢州丁贸易有限公司"),
        amount=Decimal("1000"), instalments=[(dw.today, Decimal("400")), (dw.today + dt.timedelta(days=60), Decimal("600"))],
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.create_pledge(
            actor=dw.chamber_staff, fund=dw.fund, donor=DonorInput(kind="person", name="王五"),
            amount=Decimal("1000"), instalments=[(dw.today, Decimal("400"))],
        )  # fmt: skip
    assert "instalments" in exc.value.message_dict
    assert services.remind_due_instalments(today=dw.today) == 1
    assert services.remind_due_instalments(today=dw.today) == 0  # once
    dw.money(dw.fund, "400", pledge=pledge)
    assert Pledge.objects.get(pk=pledge.pk).status == "open"
    last = dw.money(dw.fund, "600", pledge=pledge)
    assert Pledge.objects.get(pk=pledge.pk).status == "fulfilled"
    assert Gift.objects.filter(pledge=pledge, donor=pledge.donor).count() == 2
    services.reverse_gift(actor=dw.chamber_admin, gift=last, reason="退回")
    assert Pledge.objects.get(pk=pledge.pk).status == "open"


def test_the_chain_shows_a_row_rewritten_behind_the_application(dw: SimpleNamespace) -> None:
    for yuan in ("100", "200", "300"):
        dw.money(dw.fund, yuan)
    assert ledger.verify_fund(dw.fund) == []
    Entry.objects.filter(fund=dw.fund, seq=2).update(amount_fen=1, balance_fen=1)
    problems = ledger.verify_fund(dw.fund)
    assert [p.seq for p in problems] == [2]
    assert "被改动" in problems[0].message
