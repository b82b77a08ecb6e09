"""The ledger's personas on top of the shared `world`: a fund of 衢州在上海商会 (chamber_a), opened, with
its admin (基金管理员) and staff (经办人); chamber_b's admin and the outsider see nothing of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from shanghui.donations import services
from shanghui.donations.models import Disbursement, Donor, Fund, Gift
from shanghui.donations.services import DonorInput, GiftInput


@pytest.fixture
def dw(world: SimpleNamespace) -> SimpleNamespace:
    w = world
    w.today = timezone.localdate()

    def new_fund(*, public: bool = True, open_: bool = True, **kw: Any) -> Fund:
        fund = services.create_fund(
            actor=w.chamber_staff, organiser=w.chamber_a, name=kw.pop("name", "助学帮困基金"),
            purpose="资助困难家庭学生", category="grassroots", starts_on=w.today - dt.timedelta(days=30),
            is_public=public, partner_charity="衢州市慈善总会" if public else "",
            partner_registration="53330800MJ0000000X" if public else "", **kw,
        )  # fmt: skip
        if open_:
            fund = services.act_on_fund(
                actor=w.chamber_admin, fund=fund, action="open", expected_status="draft"
            )
        return fund

    def money(fund: Fund, yuan: str, *, channel: str = Gift.Channel.OWN_ACCOUNT, donor: DonorInput | None = None,
              **kw: Any) -> Gift:  # fmt: skip
        pledge = kw.pop("pledge", None)
        return services.record_gift(
            actor=w.chamber_staff, fund=fund,
            donor=donor if donor is not None or pledge else DonorInput(kind=Donor.Kind.ENTERPRISE, name="衢州甲科技有限公司"),
            gift=GiftInput(kind=Gift.Kind.MONEY, channel=channel, received_on=kw.pop("received_on", w.today), amount=Decimal(yuan),
                           direct_recipient="衢州市红十字会" if channel == Gift.Channel.DIRECT else "",
                           **kw),
            pledge=pledge,
        )  # fmt: skip

    def request(fund: Fund, yuan: str) -> Disbursement:
        return services.request_disbursement(
            actor=w.chamber_staff, fund=fund, amount=Decimal(yuan), recipient_kind="village_project",
            recipient_name="花园村饮水工程", purpose="村级饮水工程",
        )  # fmt: skip

    def approve(d: Disbursement) -> Disbursement:
        return services.act_on_disbursement(
            actor=w.chamber_admin, disbursement=d, action="approve", expected_status="requested"
        )

    w.new_fund, w.money, w.request, w.approve = new_fund, money, request, approve
    w.fund = new_fund()
    return w
