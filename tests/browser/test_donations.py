"""The donations ledger's main journey in three browsers: the chamber's admin at a desk (a public appeal
with its partner charity, two pledges, a gift in money through the charity with its receipt number, a
gift of goods with a value and its source, a disbursement to a village project, approved); a stranger
reading the disclosure page, where the donor who did not consent is 爱心人士; and that donor on a phone,
logged in by an SMS code, seeing where the gift went."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from shanghui.donations import ledger
from shanghui.donations.models import Fund, Gift, Pledge
from shanghui.notify.sms import ConsoleSmsBackend
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from tests.browser.conftest import login, watch_console

DONOR_MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    from django.core.cache import cache

    cache.clear()
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


def test_a_public_appeal_from_pledges_to_where_the_money_went(new_page: Any, world: SimpleNamespace) -> None:
    village = make_org(OrgKind.VILLAGE, "四川省广安市岳池县花园村", world.city, short_name="岳池县花园村")
    today = dt.date.today().isoformat()
    desk = new_page()
    errors = watch_console(desk)
    login(desk, "chamber_admin", world.password)

    # A public appeal names its partner charity; then it opens.
    desk.goto("/donations/")
    desk.get_by_test_id("fund-create").click()
    desk.select_option("#id_organiser", str(world.chamber_a.pk))
    desk.fill("#id_name", "花园村助学公开募捐")
    desk.fill("#id_purpose", "资助花园村困难家庭学生")
    desk.fill("#id_starts_on", today)
    desk.check("#id_is_public")
    desk.get_by_test_id("fund-submit").click()
    expect(desk.get_by_test_id("error-partner_charity")).to_be_visible()
    desk.fill("#id_partner_charity", "衢州市慈善总会")
    desk.fill("#id_partner_registration", "53330800MJ9170431W")
    desk.get_by_test_id("fund-submit").click()
    desk.get_by_test_id("fund-open").click()
    expect(desk.get_by_test_id("fund-status")).to_have_text("募集中")
    fund = Fund.objects.get(name="花园村助学公开募捐")

    # Two pledges: an enterprise in two instalments, a person who gives a phone number.
    desk.get_by_test_id("pledge-create").click()
    desk.select_option("#id_donor_kind", "enterprise")
    desk.fill("#id_donor_name", "衢州甲科技有限公司")
    desk.fill("#id_amount", "10000")
    desk.fill("#id_due_1", today)
    desk.fill("#id_amount_1", "4000")
    desk.fill("#id_due_2", (dt.date.today() + dt.timedelta(days=90)).isoformat())
    desk.fill("#id_amount_2", "6000")
    desk.get_by_test_id("pledge-submit").click()
    expect(desk.get_by_test_id("instalment-row")).to_have_count(2)
    desk.goto(f"/donations/{fund.pk}/")
    desk.get_by_test_id("pledge-create").click()
    desk.select_option("#id_donor_kind", "person")
    desk.fill("#id_donor_name", "王芳")
    desk.fill("#id_donor_mobile", DONOR_MOBILE)
    desk.fill("#id_amount", "2000")
    desk.get_by_test_id("pledge-submit").click()

    # The person's pledge is paid through the partner charity, which issued its receipt; no consent
    # to publish the name.
    desk.get_by_test_id("pledge-gift").click()
    desk.select_option("#id_kind", "money")
    desk.fill("#id_amount", "2000.00")
    desk.select_option("#id_channel", "partner_charity")
    desk.fill("#id_receipt_number", "ZJ2026-000123")
    desk.get_by_test_id("gift-submit").click()
    expect(desk.get_by_test_id("gift-receipt")).to_contain_text("衢州市慈善总会 · ZJ2026-000123")
    assert Pledge.objects.get(donor__name="王芳").status == "fulfilled"

    # Goods: a value is refused without its source, then accepted with it.
    desk.goto(f"/donations/{fund.pk}/gifts/new/")
    desk.select_option("#id_donor_kind", "enterprise")
    desk.fill("#id_donor_name", "衢州乙医药有限公司")
    desk.select_option("#id_kind", "goods")
    desk.fill("#id_description", "学习用品礼包")
    desk.fill("#id_quantity", "200")
    desk.fill("#id_unit", "套")
    desk.fill("#id_value", "6000")
    desk.select_option("#id_channel", "own_account")
    desk.check("#id_publish_name")
    desk.get_by_test_id("gift-submit").click()
    expect(desk.get_by_test_id("error-value_source")).to_be_visible()
    assert Gift.objects.filter(fund=fund).count() == 1
    desk.select_option("#id_value_source", "invoice")
    desk.get_by_test_id("gift-submit").click()
    expect(desk.get_by_test_id("gift-status")).to_have_text("已入账")

    # A disbursement to the village project, approved by the fund's admin.
    desk.goto(f"/donations/{fund.pk}/")
    expect(desk.get_by_test_id("balance")).to_have_text("¥2,000.00")
    desk.get_by_test_id("disbursement-create").click()
    desk.fill("#id_amount", "1500")
    desk.select_option("#id_recipient_kind", "village_project")
    desk.fill("#id_recipient_name", "花园村小学助学金")
    desk.select_option("#id_village", str(village.pk))
    desk.fill("#id_purpose", "困难学生助学金")
    desk.get_by_test_id("disbursement-submit").click()
    desk.get_by_test_id("disbursement-approve").click()
    expect(desk.get_by_test_id("disbursement-status")).to_have_text("已批准")
    assert ledger.balance_fen(fund) == 50_000
    assert errors == []

    # A stranger reads the disclosure: the enterprise by name (it consented), the person as 爱心人士.
    stranger = new_page(phone=True)
    stranger.goto(f"/give/{fund.pk}/")
    gifts = stranger.get_by_test_id("disclosure-gifts")
    expect(gifts).to_contain_text("衢州乙医药有限公司")
    expect(gifts).to_contain_text("爱心人士")
    expect(gifts).not_to_contain_text("王芳")
    expect(stranger.get_by_test_id("disclosure-money")).to_have_text("¥2,000.00")
    expect(stranger.get_by_test_id("disclosure-goods")).to_have_text("¥6,000.00")
    expect(stranger.get_by_test_id("disclosure-disbursements")).to_contain_text("花园村小学助学金")

    # The donor, on a phone, proves the number and sees where the gift went.
    phone = new_page(phone=True)
    phone_errors = watch_console(phone)
    phone.goto("/give/mine/")
    phone.wait_for_url(re.compile(r"/my/login/\?next="))
    phone.fill("#id_mobile", DONOR_MOBILE)
    phone.get_by_test_id("send-code").click()
    expect(phone.get_by_test_id("code-sent")).to_contain_text("139****5678")
    phone.fill("#id_code", ConsoleSmsBackend.outbox[-1]["params"]["code"])
    phone.get_by_test_id("verify").click()
    phone.wait_for_url("**/give/mine/")
    mine = phone.get_by_test_id("my-gift")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("花园村助学公开募捐")
    expect(phone.get_by_test_id("my-gift-amount")).to_have_text("¥2,000.00")
    expect(phone.get_by_test_id("my-gift-went")).to_contain_text("花园村小学助学金")
    assert phone_errors == []
