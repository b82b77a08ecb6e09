"""The staff case list and case page on a 1440×900 desktop (issue 13, items 8, 9 and 11): the agent
opens on 待预审 with a citizen's unread messages counted on the case's row, statuses coloured as the
citizen sees them, the time left on each clock (overdue in red) and no filter that could only hold
their own point; the clerk opens on 待受理, is asked before refusing, and the reason reaches the case
group and the applicant's SMS."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shanghui.conversations import services as chat
from shanghui.conversations.models import Message
from shanghui.lib.owners import Viewer
from shanghui.notify.models import ChannelKind, OutboxMessage
from shanghui.proxy.models import Case, Status
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.workflow import AGENT
from tests.browser.conftest import login, watch_console

DESKTOP = {"width": 1440, "height": 900}


def desktop(new_page: Any, username: str, password: str) -> Any:
    page = new_page()
    page.set_viewport_size(DESKTOP)
    login(page, username, password)
    return page


def in_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0


def colour(locator: Any) -> str:
    return str(locator.evaluate("el => getComputedStyle(el).color"))


@pytest.fixture
def cases(pw: Any) -> Any:
    chatty = pw.submitted()
    citizen = Viewer(mobile=chatty.applicant_mobile)
    for body in ("请问户口簿要原件吗？", "照片要几张？"):
        conversation, _ = chat.open_for(PROXY_CASE, chatty.pk, citizen)
        chat.post_message(conversation=conversation, viewer=citizen, body=body)
    quiet = pw.submitted()
    late = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    fresh = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    Case.objects.filter(pk=late.pk).update(acceptance_due_at=timezone.now() - dt.timedelta(days=7))
    pw.chatty, pw.quiet, pw.late, pw.fresh = chatty, quiet, late, fresh
    return pw


def test_the_agent_opens_on_pre_review_with_unread_badges_and_time_left(cases: Any, new_page: Any) -> None:
    page = desktop(new_page, "agent", cases.password)
    errors = watch_console(page)
    page.goto("/cases/")

    # The to-do tab is the one open, and only its cases are listed.
    expect(page.get_by_test_id("queue-review")).to_have_attribute("aria-current", "page")
    rows = page.get_by_test_id("case-row")
    expect(rows).to_have_count(2)
    chatty = page.locator(f'[data-testid=case-row][data-case-id="{cases.chatty.pk}"]')
    badge = chatty.get_by_test_id("case-unread")
    expect(badge).to_have_text("2 条未读消息")
    assert in_viewport(page, badge)
    expect(
        page.locator(f'[data-testid=case-row][data-case-id="{cases.quiet.pk}"]').get_by_test_id("case-unread")
    ).to_have_count(0)

    # 待预审 in the same colour as on the citizen's pages (primary), the time left in working days.
    status = chatty.get_by_test_id("case-status")
    expect(status).to_have_class(re.compile(r"text-bg-primary"))
    expect(chatty.get_by_test_id("case-clock")).to_have_text(re.compile(r"^剩 \d+(\.\d)? 个工作日$"))
    assert in_viewport(page, chatty.get_by_test_id("case-clock"))
    # The agent's own point is the only one: no point or chamber filter to choose from.
    expect(page.locator("select[name=point]")).to_have_count(0)
    expect(page.locator("select[name=chamber]")).to_have_count(0)
    expect(page.locator("select[name=status]")).to_be_visible()

    # The badge leads to the conversation; once read, the badge is gone.
    badge.click()
    page.wait_for_url(re.compile(rf"/cases/{cases.chatty.pk}/#conversation$"))
    expect(page.locator("#conversation")).to_be_visible()
    expect(page.get_by_text("照片要几张？")).to_be_visible()
    page.wait_for_timeout(500)  # the read mark is sent when the messages are shown
    page.goto("/cases/")
    expect(page.get_by_test_id("case-unread")).to_have_count(0)
    assert errors == []


def test_the_clerk_opens_on_acceptance_sees_the_overdue_in_red_and_confirms_a_refusal(
    cases: Any, new_page: Any
) -> None:
    page = desktop(new_page, "clerk", cases.password)
    errors = watch_console(page)
    page.goto("/cases/")

    expect(page.get_by_test_id("queue-incoming")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("case-row")).to_have_count(2)
    late = page.locator(f'[data-testid=case-row][data-case-id="{cases.late.pk}"]').get_by_test_id(
        "case-clock"
    )
    fresh = page.locator(f'[data-testid=case-row][data-case-id="{cases.fresh.pk}"]').get_by_test_id(
        "case-clock"
    )
    expect(late).to_have_text(re.compile(r"^已超期 \d+(\.\d)? 个工作日$"))
    expect(fresh).to_have_text(re.compile(r"^剩 "))
    red, plain = colour(late), colour(fresh)
    assert red != plain
    r, g, b = (int(x) for x in re.findall(r"\d+", red)[:3])
    assert r > 150 and g < 80 and b < 80  # red
    # 已转递，待受理 is light blue (info) for staff as for the citizen.
    expect(
        page.locator(f'[data-testid=case-row][data-case-id="{cases.late.pk}"]').get_by_test_id("case-status")
    ).to_have_class(re.compile("text-bg-info"))

    # Refusing asks first: cancelled, nothing happens; confirmed, the case is refused.
    page.goto(f"/cases/{cases.late.pk}/")
    form = page.get_by_test_id("action-form-refuse")
    form.locator("textarea[name=reason]").fill("户籍信息与本窗口辖区不符")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    form.get_by_test_id("act-refuse").click()
    page.wait_for_timeout(300)
    assert asked and "不予受理" in asked[0]
    cases.late.refresh_from_db()
    assert cases.late.status == Status.FORWARDED

    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_test_id("act-refuse").click()
    expect(page.get_by_test_id("case-status")).to_have_text("不予受理")
    expect(page.get_by_test_id("case-status")).to_have_class(re.compile("text-bg-danger"))

    system = (
        Message.objects.filter(conversation__owner_id=cases.late.pk, kind=Message.Kind.SYSTEM)
        .order_by("-seq")
        .first()
    )
    assert system is not None and "原因：户籍信息与本窗口辖区不符" in system.body
    sms = OutboxMessage.objects.get(channel=ChannelKind.SMS, event="case.refuse")
    assert sms.params["detail"] == "原因：户籍信息与本窗口辖区不符"
    assert errors == []


def test_material_review_has_no_default_verdict_and_keeps_the_choice_after_an_error(
    cases: Any, new_page: Any
) -> None:
    page = desktop(new_page, "agent", cases.password)
    errors = watch_console(page)
    page.goto(f"/cases/{cases.quiet.pk}/")
    form = page.get_by_test_id("review-form").first
    select = form.get_by_test_id("review-select")
    expect(select).to_have_value("")
    expect(select.locator("option:checked")).to_have_text("请选择审核结果")

    # Needs correction without saying what: refused, the choice and the error stay by the material.
    select.select_option("needs_correction")
    form.get_by_test_id("review-submit").click()
    error = page.get_by_test_id("review-error")
    expect(error).to_contain_text("请写明需要怎样补正")
    expect(page.get_by_test_id("review-select").first).to_have_value("needs_correction")
    error.scroll_into_view_if_needed()
    assert in_viewport(page, error)
    page.get_by_test_id("review-note").first.fill("首页不清晰")
    page.get_by_test_id("review-form").first.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("material-review").first).to_have_text("需补正")
    assert errors == []


def test_completion_offers_only_the_items_delivery_methods(cases: Any, new_page: Any) -> None:
    case = pw_accept(cases, cases.fresh)
    version = case.item_version
    version.snapshot = {**version.snapshot, "delivery_methods": ["pickup", "electronic"]}
    version.save(update_fields=["snapshot"])
    page = desktop(new_page, "clerk", cases.password)
    page.goto(f"/cases/{case.pk}/")
    options = page.get_by_test_id("action-form-complete").locator("select[name=delivery_method] option")
    expect(options).to_have_text(["请选择", "代办点自取", "电子证照"])


def pw_accept(pw: Any, case: Case) -> Case:
    from shanghui.proxy.workflow import CLERK

    return pw.act(case, "accept", CLERK, acceptance_number="KC-1")
