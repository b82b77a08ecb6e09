"""Property: for any sequence of gifts, reversals and disbursements (approved, refused for want of money,
cancelled), a fund's balance is the sum of its entries, equals the money it received minus what it
paid out, never goes below zero, and its chain verifies."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shanghui.donations import ledger, services
from shanghui.donations.models import Disbursement, Entry, Gift
from shanghui.workflow.machine import TransitionError

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=500_000).map(lambda fen: Decimal(fen) / 100)
step = st.one_of(
    st.tuples(st.just("gift"), cents, st.sampled_from(["own_account", "partner_charity", "direct"])),
    st.tuples(st.just("reverse"), st.integers(0, 20), st.just("")),
    st.tuples(st.just("disburse"), cents, st.just("")),
    st.tuples(st.just("cancel"), st.integers(0, 20), st.just("")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, max_size=14))
def test_balance_is_the_sum_of_entries_for_any_sequence(
    dw: SimpleNamespace, steps: list[tuple[str, Any, str]]
) -> None:
    fund = dw.new_fund(name=f"基金{Entry.objects.count()}-{len(steps)}")
    for kind, value, channel in steps:
        gifts = list(Gift.objects.filter(fund=fund, status="recorded").order_by("pk"))
        approved = list(Disbursement.objects.filter(fund=fund, status="approved").order_by("pk"))
        try:
            if kind == "gift":
                dw.money(fund, str(value), channel=channel)
            elif kind == "reverse" and gifts:
                services.reverse_gift(
                    actor=dw.chamber_admin, gift=gifts[int(value) % len(gifts)], reason="冲正"
                )
            elif kind == "disburse":
                dw.approve(dw.request(fund, str(value)))
            elif kind == "cancel" and approved:
                services.act_on_disbursement(
                    actor=dw.chamber_admin, disbursement=approved[int(value) % len(approved)],
                    action="cancel", expected_status="approved", reason="撤销",
                )  # fmt: skip
        except (ValidationError, TransitionError):
            pass  # refused for want of money: nothing changed (checked below by the sums)
        balance = ledger.balance_fen(fund)
        assert balance >= 0
        held = Gift.objects.filter(fund=fund, status="recorded", kind="money").exclude(channel="direct")
        received = held.aggregate(s=Sum("amount_fen"))["s"] or 0
        paid = (
            Disbursement.objects.filter(fund=fund, status__in=["approved", "paid"]).aggregate(
                s=Sum("amount_fen")
            )["s"]
            or 0
        )
        assert balance == received - paid
        given_total = (
            Entry.objects.filter(fund=fund, kind__in=["gift", "gift_reversal"]).aggregate(
                s=Sum("amount_fen")
            )["s"]
            or 0
        )
        recorded = Gift.objects.filter(fund=fund, status="recorded").aggregate(s=Sum("amount_fen"))["s"] or 0
        assert given_total == recorded
    assert ledger.verify_fund(fund) == []
