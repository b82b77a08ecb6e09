"""The volunteer journey in four browsers: an organiser creates and submits an activity, the chamber admin
approves it, two volunteers on phone-sized screens sign up for the last place (one confirmed, one
waitlisted), the first cancels and the second is promoted and told, checks in and out by opening the
rotating QR code's link, the organiser approves the hours, and the volunteer downloads a certificate whose
QR verification page says it is valid."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shanghui.activities import seed
from shanghui.activities.models import (
    Activity,
    ActivityKind,
    Certificate,
    HourRecord,
    HourState,
    SignUp,
    SignUpState,
    StarLevel,
    Status,
)
from shanghui.notify.sms import ConsoleSmsBackend
from tests.browser.conftest import login, watch_console

FIRST, SECOND = "13900001111", "13900002222"


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    from django.core.cache import cache

    cache.clear()
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


def volunteer_logs_in(page: Any, activity: Activity, mobile: str, name: str) -> None:
    page.goto(f"/v/a/{activity.pk}/")
    page.get_by_test_id("login-to-sign-up").click()
    page.wait_for_url(re.compile(r"/my/login/\?next="))
    page.fill("#id_mobile", mobile)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    page.fill("#id_code", ConsoleSmsBackend.outbox[-1]["params"]["code"])
    page.get_by_test_id("verify").click()
    page.wait_for_url(f"**/v/a/{activity.pk}/")
    page.get_by_test_id("register-to-sign-up").click()
    page.fill("#id_name", name)
    page.get_by_test_id("profile-save").click()
    page.wait_for_url(f"**/v/a/{activity.pk}/")


def organiser_acts(page: Any, activity: Activity, action: str) -> None:
    page.goto(f"/activities/{activity.pk}/")
    page.get_by_test_id(f"act-{action}").click()
    expect(page.get_by_test_id("activity-status")).not_to_have_text("")


def test_the_volunteer_journey(new_page: Any, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seed.seed(ActivityKind, StarLevel)  # a data migration's rows: an earlier transactional test flushed them
    errors: list[str] = []
    organiser, admin = new_page(), new_page()
    first, second = new_page(phone=True), new_page(phone=True)
    for page in (organiser, admin, first, second):
        watch_console(page, errors)

    # The organiser creates an activity starting in half an hour, with one place, and submits it.
    login(organiser, "chamber_staff", world.password)
    organiser.goto("/activities/new/")
    start = timezone.localtime() + dt.timedelta(minutes=30)
    organiser.select_option("#id_organisation", str(world.chamber_a.pk))
    organiser.select_option("#id_kind", label="志愿服务")
    organiser.fill("#id_title", "敬老院探访慰问")
    organiser.fill("#id_starts_at", f"{start:%Y-%m-%dT%H:%M}")
    organiser.fill("#id_ends_at", f"{start + dt.timedelta(hours=3):%Y-%m-%dT%H:%M}")
    organiser.fill("#id_contact_name", "王敏")
    organiser.fill("#id_contact_phone", "021-58881234")
    organiser.fill("#id_slot_role", "陪护志愿者")
    organiser.fill("#id_slot_quantity", "1")
    organiser.get_by_test_id("activity-save").click()
    organiser.wait_for_url(re.compile(r"/activities/\d+/$"))
    activity = Activity.objects.get(title="敬老院探访慰问")
    organiser.get_by_test_id("act-submit").click()
    expect(organiser.get_by_test_id("activity-status")).to_have_text("待立项审批")

    # The chamber admin approves it: published.
    login(admin, "chamber_admin", world.password)
    organiser_acts(admin, activity, "approve")
    expect(admin.get_by_test_id("activity-status")).to_have_text("已发布")

    # Two volunteers on phones sign up for the last place: one confirmed, one waitlisted.
    volunteer_logs_in(first, activity, FIRST, "张三")
    first.get_by_test_id("sign-up").click()
    first.wait_for_url("**/v/me/")
    expect(first.get_by_test_id("shift-state")).to_have_text("已确认")
    volunteer_logs_in(second, activity, SECOND, "李四")
    expect(second.get_by_test_id("slot-free")).to_have_text("已满，可候补")
    second.get_by_test_id("sign-up").click()
    second.wait_for_url("**/v/me/")
    expect(second.get_by_test_id("shift-state")).to_have_text("候补")

    # The first cancels; the second is promoted and told.
    first.get_by_test_id("cancel-signup").click()
    expect(first.get_by_test_id("no-shifts")).to_be_visible()
    second.reload()
    expect(second.get_by_test_id("shift-state")).to_have_text("已确认")
    expect(second.get_by_test_id("notice").first).to_contain_text("已从候补递补")
    assert SignUp.objects.get(volunteer__mobile=SECOND).state == SignUpState.CONFIRMED

    # At the activity the organiser shows the rotating check-in code; the volunteer opens its link.
    organiser.goto(f"/activities/{activity.pk}/qr/in/")
    expect(organiser.get_by_test_id("qr-code")).to_be_visible()
    second.goto(organiser.get_by_test_id("qr-link").get_attribute("href"))
    second.get_by_test_id("scan-confirm").click()
    expect(second.get_by_test_id("scan-done")).to_contain_text("签到成功")

    # Two hours later (the clock of the server, a thread of this process), the check-out code.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=110))
    organiser.goto(f"/activities/{activity.pk}/qr/out/")
    second.goto(organiser.get_by_test_id("qr-link").get_attribute("href"))
    second.get_by_test_id("scan-confirm").click()
    expect(second.get_by_test_id("scan-done")).to_contain_text("签退成功")

    # The organiser ends the activity and approves the hours.
    organiser_acts(organiser, activity, "start")
    expect(organiser.get_by_test_id("activity-status")).to_have_text("进行中")
    organiser_acts(organiser, activity, "finish")
    expect(organiser.get_by_test_id("activity-status")).to_have_text("已结束")
    organiser.goto("/activities/hours/")
    row = organiser.locator('[data-testid=hour-row]:has-text("李四")')
    expect(row.get_by_test_id("hour-value")).to_have_text("2.0")
    row.get_by_test_id("hour-check").check()
    organiser.get_by_test_id("hours-approve").click()
    expect(organiser.get_by_test_id("empty-state")).to_be_visible()  # no pending hours left
    assert HourRecord.objects.get(volunteer__mobile=SECOND).state == HourState.APPROVED
    organiser_acts(organiser, activity, "close")
    expect(organiser.get_by_test_id("activity-status")).to_have_text("已结项")

    # The volunteer sees the hours, gets a certificate, downloads it, and its verification page says valid.
    second.goto("/v/me/hours/")
    expect(second.get_by_test_id("total-hours")).to_have_text("2.0")
    second.goto("/v/me/certificates/")
    second.get_by_test_id("certificate-request").click()
    expect(second.get_by_test_id("certificate")).to_have_count(1)
    with second.expect_download() as download:
        second.get_by_test_id("certificate-download").click()
    path = download.value.path()
    assert path is not None and path.read_bytes()[:4] == b"%PDF"
    second.get_by_test_id("certificate-verify").click()
    expect(second.get_by_test_id("verify-result")).to_have_text("该证明有效")
    expect(second.get_by_test_id("verify-number")).to_have_text(Certificate.objects.get().number)
    assert Activity.objects.get(pk=activity.pk).status == Status.CLOSED
    assert errors == []
