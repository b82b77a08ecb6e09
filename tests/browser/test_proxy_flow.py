"""One proxy case through the whole flow in three browsers: the citizen on a phone (code login, apply,
upload, submit, correct, confirm delivery, rate), the agent at the Shanghai proxy point (correction,
forward) and the clerk of the 柯城 public-security window (accept, complete); then a second case that
the window refuses."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from shanghui.proxy.models import Case, CaseMaterial, Rating, Status
from shanghui.testing.cases import PDF, PNG
from shanghui.testing.sms import SmsOutbox
from tests.browser.conftest import login

MOBILE = "13800001234"


def pdf(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def citizen_logs_in_from_the_item_page(page: Any, item_id: int) -> None:
    page.goto(f"/s/items/{item_id}/")
    page.get_by_test_id("apply").click()
    page.wait_for_url(re.compile(r"/my/login/\?next="))
    page.fill("#id_mobile", MOBILE)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_contain_text("138****1234")
    # The console SMS backend runs in this process (the test server is a thread of it).
    code = SmsOutbox().last_code(MOBILE)
    page.fill("#id_code", code)
    page.get_by_test_id("verify").click()
    page.wait_for_url(f"**/my/apply/?item={item_id}")


def citizen_applies(page: Any, chamber: str) -> Case:
    page.get_by_test_id("point-option").filter(has_text=chamber).locator("input").check()
    page.fill("#id_name", "张三")
    page.fill("#id_id_number", "330802199003070017")
    page.select_option("#id_home_region_code", "330802")
    page.fill("#id_current_city", "上海")
    page.fill("#id_current_address", "上海市浦东新区世纪大道100号")
    expect(page.get_by_test_id("power-of-attorney")).to_contain_text("委托")
    page.locator("#id_poa_confirmed").check()
    page.get_by_test_id("apply-submit").click()
    page.wait_for_url(re.compile(r"/my/cases/\d+/$"))
    case_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    return Case.objects.get(pk=case_id)


def citizen_uploads(page: Any, slot: int, *, file: dict[str, Any], photo: bool = False) -> None:
    row = page.locator(f'[data-testid=slot][data-slot="{slot}"]')
    row.get_by_test_id("upload-photo" if photo else "upload-file").set_input_files(file)
    expect(
        page.locator(f'[data-testid=slot][data-slot="{slot}"]').get_by_test_id("slot-file")
    ).to_contain_text(file["name"])


def staff_acts(page: Any, case: Case, action: str, fill: dict[str, str] | None = None) -> None:
    page.goto(f"/cases/{case.pk}/")
    form = page.get_by_test_id(f"action-form-{action}")
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        elif field.get_attribute("type") == "radio":
            field.check()
        else:
            field.fill(value)
    form.get_by_test_id(f"act-{action}").click()


def status_of(case: Case) -> str:
    case.refresh_from_db()
    return case.status


def test_one_case_from_the_phone_to_the_window_and_back_with_a_correction_and_a_rating(pw, new_page):
    citizen = new_page(phone=True)
    errors: list[str] = []

    def on_console(message: Any) -> None:
        # HTTP errors are expected (the 422 of a refused upload, the missing favicon); script errors and
        # Content-Security-Policy violations are not.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    citizen.on("console", on_console)

    # The citizen finds the item, proves the mobile number and applies at the Shanghai point.
    citizen_logs_in_from_the_item_page(citizen, pw.item.pk)
    case = citizen_applies(citizen, "衢州在上海商会")
    assert case.channel == "citizen" and case.applicant_mobile == MOBILE and case.proxy_point == pw.point_a
    expect(citizen.get_by_test_id("case-status")).to_have_text("草稿")

    # Materials by phone: the household register as a file, the photo from the camera input.
    citizen_uploads(citizen, 0, file=pdf("户口簿.pdf"))
    citizen_uploads(citizen, 1, file={"name": "照片.png", "mimeType": "image/png", "buffer": PNG}, photo=True)
    # A wrong file is refused by its content, whatever its name.
    citizen.locator('[data-testid=slot][data-slot="2"]').get_by_test_id("upload-file").set_input_files(
        {"name": "身份证.pdf", "mimeType": "application/pdf", "buffer": b"not really a pdf"}
    )
    expect(citizen.get_by_test_id("upload-error")).to_contain_text("只能上传")
    citizen.get_by_test_id("action-submit").click()
    expect(citizen.get_by_test_id("case-status")).to_have_text("待预审")
    expect(citizen.get_by_test_id("receipt")).to_be_visible()
    receipt = citizen.request.get(citizen.get_by_test_id("receipt").get_attribute("href"))
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF-")
    assert citizen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The agent asks for a correction.
    agent = new_page()
    login(agent, "agent", pw.password)
    staff_acts(
        agent, case, "request_correction", {"textarea[name=correction_items]": "户口簿首页不清晰，请重新拍摄"}
    )
    expect(agent.get_by_test_id("case-status")).to_have_text("待补正")

    # The citizen sees what to correct, uploads again and resubmits.
    citizen.reload()
    expect(citizen.get_by_test_id("correction-item")).to_have_text("户口簿首页不清晰，请重新拍摄")
    citizen_uploads(citizen, 0, file=pdf("户口簿-清晰.pdf"))
    citizen.get_by_test_id("action-resubmit").click()
    expect(citizen.get_by_test_id("case-status")).to_have_text("待预审")
    assert CaseMaterial.objects.filter(case=case, slot=0).count() == 2

    # The agent forwards to the window of the applicant's home county.
    staff_acts(agent, case, "forward", {"select[name=window]": str(pw.window.pk)})
    expect(agent.get_by_test_id("case-status")).to_have_text("已转递，待受理")

    # The window clerk accepts and completes.
    clerk = new_page()
    login(clerk, "clerk", pw.password)
    staff_acts(clerk, case, "accept", {"input[name=acceptance_number]": "KC-2026-0001"})
    expect(clerk.get_by_test_id("case-status")).to_have_text("已受理，办理中")
    staff_acts(
        clerk,
        case,
        "complete",
        {
            "input[name=result][value=granted]": "",
            "select[name=delivery_method]": "post",
            "input[name=tracking_number]": "EMS1234567890",
        },
    )
    expect(clerk.get_by_test_id("case-status")).to_have_text("已办结，待送达")

    # The citizen confirms delivery and rates the service.
    citizen.reload()
    expect(citizen.get_by_test_id("result")).to_contain_text("EMS1234567890")
    citizen.get_by_test_id("action-deliver").click()
    expect(citizen.get_by_test_id("case-status")).to_have_text("已送达")
    citizen.get_by_test_id("level-5").click()
    citizen.fill("#id_comment", "不用回老家就办好了")
    citizen.get_by_test_id("rate-submit").click()
    expect(citizen.get_by_test_id("my-rating")).to_contain_text("非常满意")
    assert Rating.objects.get(case=case).level == 5
    assert status_of(case) == Status.DELIVERED

    # Anyone with the number and the query code follows it without logging in, without personal data.
    stranger = new_page(phone=True)
    stranger.goto(f"/my/track/?number={case.number}&code={case.query_code}")
    expect(stranger.get_by_test_id("track-status")).to_have_text("已送达")
    expect(stranger.get_by_test_id("track-result")).not_to_contain_text("张")
    assert errors == []


def test_a_second_case_is_refused_by_the_window(pw, new_page):
    citizen = new_page(phone=True)
    citizen_logs_in_from_the_item_page(citizen, pw.item.pk)
    case = citizen_applies(citizen, "衢州在上海商会")
    citizen_uploads(citizen, 0, file=pdf("户口簿.pdf"))
    citizen.get_by_test_id("action-submit").click()
    expect(citizen.get_by_test_id("case-status")).to_have_text("待预审")

    agent = new_page()
    login(agent, "agent", pw.password)
    staff_acts(agent, case, "forward", {"select[name=window]": str(pw.window.pk)})
    expect(agent.get_by_test_id("case-status")).to_have_text("已转递，待受理")

    clerk = new_page()
    login(clerk, "clerk", pw.password)
    # 不予受理 cannot be undone: the page asks first (issue 13, item 11).
    clerk.once("dialog", lambda dialog: dialog.accept())
    staff_acts(clerk, case, "refuse", {"textarea[name=reason]": "户籍信息与本窗口辖区不符"})
    expect(clerk.get_by_test_id("case-status")).to_have_text("不予受理")

    citizen.reload()
    expect(citizen.get_by_test_id("case-status")).to_have_text("不予受理")
    expect(citizen.get_by_test_id("refusal")).to_contain_text("户籍信息与本窗口辖区不符")
    expect(citizen.get_by_test_id("action-withdraw")).to_have_count(0)
    citizen.goto("/my/")
    expect(citizen.get_by_test_id("my-case")).to_have_count(1)
    assert status_of(case) == Status.REFUSED
