"""The kernel's generated tests for the ledger's four tables (shanghui/workflow/testing.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.donations.models import Disbursement, Fund, Gift, Pledge
from shanghui.donations.services import DonorInput, create_pledge
from shanghui.donations.workflow import (
    ADMIN,
    DISBURSEMENT_MACHINE,
    FUND_MACHINE,
    GIFT_MACHINE,
    PLEDGE_MACHINE,
    STAFF,
)
from shanghui.workflow.machine import SYSTEM
from shanghui.workflow.testing import Walks

pytestmark = pytest.mark.django_db


def _actor(w: SimpleNamespace, kind: str) -> Any:
    return {STAFF: w.chamber_staff, ADMIN: w.chamber_admin}.get(kind)


def _params(w: SimpleNamespace, action: str) -> dict[str, Any]:
    return {"reason": "登记错误", "paid_on": dt.date.today(), "voucher": "PZ-1"}


FUNDS = Walks(
    machine=FUND_MACHINE, fixture="dw", actor_kinds=(STAFF, ADMIN, SYSTEM),
    paths={"draft": [], "open": ["open"], "closed": ["open", "close"]},
    new=lambda w: w.new_fund(open_=False), actor_for=_actor, params_for=_params,
)  # fmt: skip
(
    test_fund_allowed_actions_move_it,
    test_fund_refused_actions_change_nothing,
    test_fund_required_inputs,
    test_fund_table,
) = FUNDS.tests(final={Fund.Status.CLOSED})

GIFTS = Walks(
    machine=GIFT_MACHINE, fixture="dw", actor_kinds=(STAFF, ADMIN, SYSTEM),
    paths={"recorded": [], "reversed": ["reverse"]},
    new=lambda w: w.money(w.fund, "500.00"), actor_for=_actor, params_for=_params,
)  # fmt: skip
(
    test_gift_allowed_actions_move_it,
    test_gift_refused_actions_change_nothing,
    test_gift_required_inputs,
    test_gift_table,
) = GIFTS.tests(final={Gift.Status.REVERSED})


def _new_pledge(w: SimpleNamespace) -> Pledge:
    return create_pledge(
        actor=w.chamber_staff,
        fund=w.fund,
        donor=DonorInput(kind="enterprise", name="衢州乙建材有限公司"),
        amount=__import__("decimal").Decimal("1000"),
    )


PLEDGES = Walks(
    machine=PLEDGE_MACHINE, fixture="dw", actor_kinds=(STAFF, ADMIN, SYSTEM),
    paths={"open": [], "fulfilled": ["fulfil"], "cancelled": ["cancel"]},
    new=_new_pledge, actor_for=_actor, params_for=_params,
)  # fmt: skip
(
    test_pledge_allowed_actions_move_it,
    test_pledge_refused_actions_change_nothing,
    test_pledge_required_inputs,
    test_pledge_table,
) = PLEDGES.tests(final={Pledge.Status.CANCELLED})


def _new_disbursement(w: SimpleNamespace) -> Disbursement:
    w.money(w.fund, "800.00")
    return w.request(w.fund, "300.00")


DISBURSEMENTS = Walks(
    machine=DISBURSEMENT_MACHINE, fixture="dw", actor_kinds=(STAFF, ADMIN, SYSTEM),
    paths={
        "requested": [], "approved": ["approve"], "paid": ["approve", "pay"], "rejected": ["reject"],
        "cancelled": ["approve", "cancel"],
    },
    new=_new_disbursement, actor_for=_actor, params_for=_params,
)  # fmt: skip
(
    test_disbursement_allowed_actions_move_it,
    test_disbursement_refused_actions_change_nothing,
    test_disbursement_required_inputs,
    test_disbursement_table,
) = DISBURSEMENTS.tests(
    final={Disbursement.Status.PAID, Disbursement.Status.REJECTED, Disbursement.Status.CANCELLED}
)
