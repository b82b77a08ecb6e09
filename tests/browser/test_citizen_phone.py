"""The citizen's journey on a 390×844 phone, judged by what is on the screen (in the viewport), not
only in the page: the code step survives a reload, feedback appears where the person acted, messages
carry the substance, the guide keeps 申请代办 at hand (issue 13, items 1, 3, 4 and 7)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from playwright.sync_api import expect

from shanghui.notify.sms import ConsoleSmsBackend
from shanghui.proxy.models import Case
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK
from tests.browser.test_proxy_flow import citizen_applies, citizen_uploads, pdf

MOBILE = "13800001234"


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    from django.core.cache import cache

    cache.clear()
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


def test_the_code_step_survives_a_reload(new_page: Any, db: None) -> None:
    page = new_page(phone=True)
    page.goto("/my/login/?next=/my/")
    page.fill("#id_mobile", MOBILE)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_contain_text("138****1234")
    # The person leaves to read the SMS and the browser reloads the page when they come back.
    page.reload()
    expect(page.locator("#id_code")).to_be_in_viewport()
    expect(page.locator("#id_code")).to_be_focused()
    expect(page.get_by_test_id("code-sent")).to_be_in_viewport()
    resend = page.get_by_test_id("resend")
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(r"（\d+秒）"))
    expect(page.get_by_text("过于频繁")).to_have_count(0)
    assert len(ConsoleSmsBackend.outbox) == 1
    # Or they open the login page afresh: the same step.
    page.goto("/my/login/?next=/my/")
    expect(page.locator("#id_code")).to_be_in_viewport()
    page.fill("#id_code", ConsoleSmsBackend.outbox[-1]["params"]["code"])
    page.get_by_test_id("verify").click()
    page.wait_for_url("**/my/")


def test_the_header_fits_a_phone_once_logged_in(new_page: Any, db: None) -> None:
    """Logged in, 退出 joins the header: every link still reads on one line, the name is not cut."""
    page = new_page(phone=True)
    citizen_login(page, "/my/")
    header = page.get_by_test_id("citizen-navbar")
    expect(header.get_by_test_id("citizen-logout")).to_be_in_viewport()
    brand = header.locator(".navbar-brand")
    assert brand.evaluate("e => e.scrollWidth <= e.clientWidth")
    for testid in ("nav-my-cases", "nav-track", "nav-my-disputes", "citizen-logout"):
        link = header.get_by_test_id(testid)
        expect(link).to_be_in_viewport(ratio=1)
        # One line of text: no taller than the 44 px target it sits in.
        assert link.bounding_box()["height"] <= 48, testid


def citizen_login(page: Any, next_url: str) -> None:
    page.goto(f"/my/login/?{urlencode({'next': next_url})}")
    page.fill("#id_mobile", MOBILE)
    page.get_by_test_id("send-code").click()
    page.fill("#id_code", ConsoleSmsBackend.outbox[-1]["params"]["code"])
    page.get_by_test_id("verify").click()
    page.wait_for_url(f"**{next_url}")


def completed(pw: Any) -> Case:
    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    case = pw.act(case, "accept", CLERK, acceptance_number="KC-2")
    return pw.act(case, "complete", CLERK, result="granted", delivery_method="post", tracking_number="EMS1")


def test_the_error_summary_links_to_fields_and_answers_appear_where_the_person_acted(pw, new_page):
    page = new_page(phone=True)
    citizen_login(page, f"/my/apply/?item={pw.item.pk}")
    # An empty application: the summary is on the screen, has the focus and links to each field.
    page.get_by_test_id("apply-submit").click()
    summary = page.get_by_test_id("form-errors")
    expect(summary).to_be_in_viewport()
    expect(summary).to_be_focused()
    link = summary.get_by_test_id("error-link-name")
    expect(link).to_have_text("申请人姓名：请填写申请人姓名")
    expect(summary.get_by_test_id("error-link-poa_confirmed")).to_contain_text("请阅读并确认委托书")
    expect(page.locator("#id_name")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_current_city")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_note")).not_to_have_class(re.compile(r"is-invalid"))
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    summary.get_by_test_id("error-link-poa_confirmed").click()
    expect(page.locator("#id_poa_confirmed")).to_be_focused()
    expect(page.locator("#id_poa_confirmed")).to_be_in_viewport()
    link.click()
    expect(page.locator("#id_name")).to_be_focused()
    expect(page.locator("#id_name")).to_be_in_viewport()

    case = citizen_applies(page, "衢州在上海商会")
    # An upload's answer in its own slot, on the screen.
    citizen_uploads(page, 0, file=pdf("户口簿.pdf"))
    slot = page.locator('[data-testid=slot][data-slot="0"]')
    expect(slot.get_by_test_id("case-notice")).to_have_text("已上传：户口簿.pdf")
    expect(slot.get_by_test_id("case-notice")).to_be_in_viewport()
    # 提交申请 from the bottom of the page: the answer is in the button's card, on the screen, focused.
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("action-submit").click()
    notice = page.get_by_test_id("actions").get_by_test_id("case-notice")
    expect(notice).to_have_text("申请已提交，代办员将尽快预审。")
    expect(notice).to_be_in_viewport()
    expect(notice).to_be_focused()
    expect(notice).to_have_attribute("role", "status")
    expect(page.get_by_test_id("action-withdraw")).to_be_visible()
    case.refresh_from_db()
    assert case.status == "submitted"


def test_rating_without_a_level_is_answered_in_the_rating_card(pw, new_page):
    case = pw.act(completed(pw), "deliver", APPLICANT)
    page = new_page(phone=True)
    citizen_login(page, f"/my/cases/{case.pk}/")
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_test_id("rate-submit").click()
    card = page.locator("section", has=page.get_by_test_id("rating-form"))
    error = card.get_by_test_id("case-error")
    expect(error).to_have_text("请选择评价等级")
    expect(error).to_be_in_viewport()
    expect(error).to_be_focused()
    expect(card.locator("[role=radiogroup]")).to_have_attribute("aria-invalid", "true")
    # Nothing at the top of the page any more.
    expect(page.get_by_test_id("case-error")).to_have_count(1)
    card.get_by_test_id("level-4").click()
    page.get_by_test_id("rate-submit").click()
    thanks = page.get_by_test_id("my-rating").get_by_test_id("case-notice")
    expect(thanks).to_have_text("感谢您的评价！")
    expect(thanks).to_be_in_viewport()


def test_a_refused_citizen_reads_the_reason_sees_the_next_step_and_can_still_ask(pw, new_page):
    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    case = pw.act(case, "refuse", CLERK, reason="户籍不在本窗口辖区")
    page = new_page(phone=True)
    citizen_login(page, f"/my/cases/{case.pk}/")
    step = page.get_by_test_id("next-step")
    expect(step).to_be_in_viewport()
    expect(step).to_contain_text("如有疑问，可在代办群向代办员咨询")
    expect(step.get_by_test_id("next-step-due")).to_contain_text("可咨询至")
    expect(page.get_by_test_id("refusal")).to_contain_text("户籍不在本窗口辖区")
    # The group's system message carries the reason; the composer is open to the applicant.
    messages = page.get_by_test_id("conversation-messages")
    expect(messages).to_contain_text("原因：户籍不在本窗口辖区")
    expect(page.get_by_test_id("conversation-readonly")).to_be_hidden()
    page.get_by_test_id("conversation-input").fill("那我应该去哪里办？")
    page.get_by_test_id("conversation-send").click()
    expect(messages).to_contain_text("那我应该去哪里办？")
    expect(page.get_by_test_id("conversation-input")).to_be_in_viewport()
    # The SMS said why, too.
    from shanghui.notify.models import OutboxMessage

    sms = OutboxMessage.objects.get(event="case.refuse", channel="sms")
    assert sms.params["detail"] == "原因：户籍不在本窗口辖区"


def test_the_tracking_answer_shows_the_next_step_and_date_on_the_screen(pw, new_page):
    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    case = pw.act(case, "accept", CLERK, acceptance_number="KC-9")
    page = new_page(phone=True)
    page.goto("/my/track/")
    page.fill("#id_number", case.number)
    page.fill("#id_code", case.query_code)
    page.get_by_test_id("track-submit").click()
    step = page.get_by_test_id("next-step")
    expect(step).to_be_in_viewport()
    expect(step.get_by_test_id("next-step-text")).to_have_text("受理部门办理")
    local = case.processing_due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    expect(step.get_by_test_id("next-step-due")).to_have_text(f"预计完成：{local:%Y-%m-%d}")
    expect(page.get_by_test_id("track-status")).to_be_in_viewport()


def test_results_are_listed_under_readable_names(pw, new_page):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanghui.proxy import services
    from shanghui.testing.cases import PDF

    case = pw.act(
        pw.act(pw.submitted(), "forward", AGENT, window=pw.window), "accept", CLERK, acceptance_number="K"
    )
    upload = SimpleUploadedFile("IMG_2034.PDF", PDF, content_type="application/pdf")
    services.add_material(case=case, actor=pw.clerk, upload=upload, slot=None, is_result=True)
    case = pw.act(case, "complete", CLERK, result="granted", delivery_method="pickup")
    page = new_page(phone=True)
    citizen_login(page, f"/my/cases/{case.pk}/")
    link = page.get_by_test_id("result").get_by_test_id("result-file")
    expect(link).to_contain_text("办理结果.pdf")
    expect(link).not_to_contain_text("IMG_2034")
    expect(link).to_be_in_viewport()
    response = page.request.get(link.get_attribute("href"))
    disposition = unquote(response.headers["content-disposition"])
    assert response.ok and f"{case.number}-办理结果.pdf" in disposition


def test_the_guide_keeps_apply_at_hand_and_the_city_carries_into_the_application(pw, new_page):
    from shanghui.catalog.models import Material

    # A long guide: sixteen more materials, each with a note.
    for n in range(16):
        Material.objects.create(item=pw.item, name=f"补充材料{n + 1}", form="copy", copies=1, position=10 + n,
                                notes="复印件须由申请人签字确认，并注明“与原件一致”及日期")  # fmt: skip
    page = new_page(phone=True)
    page.goto(f"/s/items/{pw.item.pk}/")
    apply = page.get_by_test_id("apply")
    expect(apply).to_be_in_viewport()
    page.get_by_test_id("materials").locator("li").nth(8).scroll_into_view_if_needed()
    expect(apply).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * 844
    # The person picks 杭州 on the guide: the application lists the 杭州 point first, chosen.
    page.get_by_test_id("city-filter").get_by_role("link", name="杭州").click()
    expect(page.get_by_test_id("proxy-point")).to_contain_text("龙游在杭州商会")
    expect(apply).to_have_attribute("href", re.compile(r"city=%E6%9D%AD%E5%B7%9E"))
    apply.click()
    page.wait_for_url(re.compile(r"/my/login/"))
    page.fill("#id_mobile", MOBILE)
    page.get_by_test_id("send-code").click()
    page.fill("#id_code", ConsoleSmsBackend.outbox[-1]["params"]["code"])
    page.get_by_test_id("verify").click()
    page.wait_for_url(re.compile(r"/my/apply/"))
    first = page.get_by_test_id("point-option").first
    expect(first).to_contain_text("龙游在杭州商会")
    expect(first.get_by_test_id("point-near")).to_be_visible()
    expect(first.locator("input")).to_be_checked()
    expect(page.locator("#id_current_city")).to_have_value("杭州")
