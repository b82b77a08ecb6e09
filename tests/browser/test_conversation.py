"""The case conversation (代办群) live in two browsers: the citizen on a phone, who reaches it from the
public tracking page through the one-time-code check, and the agent on the staff case page. They talk;
the agent's internal note never reaches the citizen; a dropped connection and a closed page catch up
with everything exactly once."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from shanghui.conversations.models import Message
from shanghui.proxy.models import Case
from shanghui.testing.cases import PNG
from shanghui.testing.sms import SmsOutbox
from tests.browser.conftest import login, watch_console

INTERNAL = "内部：户籍地址与系统不一致，先核实"


def citizen_enters_from_the_tracking_page(page: Any, case: Case) -> None:
    page.goto(f"/my/track/?number={case.number}&code={case.query_code}")
    page.get_by_test_id("track-conversation").click()
    page.wait_for_url(re.compile(r"/my/login/\?next="))
    page.fill("#id_mobile", case.applicant_mobile)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = SmsOutbox().last_code()  # the console backend runs in this process
    page.fill("#id_code", code)
    page.get_by_test_id("verify").click()
    page.wait_for_url(re.compile(rf"/my/cases/{case.pk}/#conversation$"))


def messages(page: Any) -> Any:
    return page.get_by_test_id("conversation-messages").get_by_test_id("conversation-message")


def send(page: Any, text: str) -> None:
    page.get_by_test_id("conversation-input").fill(text)
    page.get_by_test_id("conversation-send").click()


def connected(page: Any) -> None:
    expect(page.get_by_test_id("conversation-status")).to_have_text("已连接")


def bodies(page: Any) -> list[str]:
    return [
        text.strip()
        for text in page.locator("[data-testid=conversation-messages] .conv-text").all_inner_texts()
    ]


def test_citizen_and_agent_talk_live_and_the_citizen_never_sees_the_internal_note(pw, new_page):
    case = pw.submitted()
    citizen = new_page(phone=True)
    errors = watch_console(citizen)
    citizen_enters_from_the_tracking_page(citizen, case)
    connected(citizen)
    expect(messages(citizen)).to_have_count(1)  # the submission, as a system message
    expect(messages(citizen).first).to_contain_text("提交申请")

    agent = new_page()
    watch_console(agent, errors)
    login(agent, "agent", pw.password)
    agent.goto(f"/cases/{case.pk}/")
    connected(agent)

    # The citizen asks; the agent sees it arrive without reloading.
    send(citizen, "请问还需要补什么材料吗？")
    question = messages(agent).filter(has_text="请问还需要补什么材料吗？")
    expect(question).to_have_count(1)
    expect(question).to_contain_text("申请人 张*")
    expect(messages(citizen).filter(has_text="请问还需要补什么材料吗？")).to_have_class(
        re.compile(r"\bmine\b")
    )

    # An internal note, visibly marked for staff.
    agent.get_by_test_id("conversation-internal").check()
    send(agent, INTERNAL)
    note = messages(agent).filter(has_text=INTERNAL)
    expect(note).to_contain_text("内部备注（群众不可见）")
    agent.get_by_test_id("conversation-internal").uncheck()

    # The agent answers the question as a reply; the citizen sees the quote and the answer.
    question.get_by_role("button", name="回复").click()
    expect(agent.get_by_test_id("conversation-replying")).to_contain_text("请问还需要补什么材料吗？")
    send(agent, "材料齐全，今天就转递窗口。")
    answer = messages(citizen).filter(has_text="材料齐全，今天就转递窗口。")
    expect(answer).to_have_count(1)
    expect(answer.locator(".conv-quote")).to_contain_text("请问还需要补什么材料吗？")
    # The agent's reply means the agent has read the question: the citizen's receipt says so.
    expect(
        messages(citizen).filter(has_text="请问还需要补什么材料吗？").get_by_test_id("conversation-receipt")
    ).to_have_text("已读")
    # Sockets deliver in order: the public answer came after the note, and the note is not there.
    expect(citizen.get_by_test_id("conversation")).not_to_contain_text(INTERNAL)
    expect(citizen.get_by_test_id("conversation-internal")).to_have_count(0)

    # The citizen closes the page; meanwhile the agent writes twice and forwards the case.
    citizen_context = citizen.context
    citizen.close()
    send(agent, "窗口受理后会短信通知您。")
    expect(messages(agent).filter(has_text="窗口受理后会短信通知您。")).to_have_count(1)
    send(agent, "有问题随时在这里留言。")
    expect(messages(agent).filter(has_text="有问题随时在这里留言。")).to_have_count(1)

    # Reopened: everything once, in order, still without the note.
    citizen = citizen_context.new_page()
    watch_console(citizen, errors)
    citizen.goto(f"/my/cases/{case.pk}/")
    connected(citizen)
    expected = [
        "请问还需要补什么材料吗？",
        "材料齐全，今天就转递窗口。",
        "窗口受理后会短信通知您。",
        "有问题随时在这里留言。",
    ]
    expect(citizen.locator("[data-testid=conversation-messages] .conv-text")).to_have_count(len(expected))
    assert bodies(citizen) == expected
    seqs = [int(s) for s in messages(citizen).evaluate_all("items => items.map(i => i.dataset.seq)")]
    assert seqs == sorted(set(seqs)) and len(seqs) == len(expected) + 1
    assert INTERNAL not in citizen.get_by_test_id("conversation").inner_text()

    # The connection drops (the phone goes offline); what was said meanwhile arrives once on return.
    citizen_context.set_offline(True)
    expect(citizen.get_by_test_id("conversation-status")).to_have_text(re.compile("已断开"))
    send(agent, "补充：请带好身份证原件。")
    agent.get_by_test_id("conversation-internal").check()
    send(agent, "内部：已电话确认")
    expect(messages(agent).filter(has_text="内部：已电话确认")).to_have_count(1)
    citizen_context.set_offline(False)
    connected(citizen)
    expect(messages(citizen).filter(has_text="补充：请带好身份证原件。")).to_have_count(1)
    expect(citizen.get_by_test_id("conversation")).not_to_contain_text("内部：")
    # The citizen's message written while the agent's page was open reaches it exactly once too.
    send(citizen, "好的，谢谢！")
    expect(messages(agent).filter(has_text="好的，谢谢！")).to_have_count(1)
    expect(messages(citizen).filter(has_text="好的，谢谢！")).to_have_count(1)

    stored = Message.objects.filter(conversation__owner_id=case.pk, internal=False).exclude(kind="system")
    assert stored.count() == len(expected) + 2
    assert errors == []


def test_an_agent_of_another_point_cannot_open_the_socket(pw, new_page, server_url):
    case = pw.submitted()
    other = new_page()
    login(other, "agent_b", pw.password)
    # A socket opened by hand from a page of the same origin, with agent_b's session, is refused at the
    # handshake (the case page itself is a 404 for agent_b: shanghui/proxy/tests).
    outcome = other.evaluate(
        """url => new Promise(resolve => {
            const socket = new WebSocket(url);
            socket.onopen = () => resolve("open");
            socket.onclose = (event) => resolve(`closed:${event.code}`);
        })""",
        server_url.replace("http", "ws") + f"/ws/conversations/proxy.case/{case.pk}/",
    )
    assert outcome == "closed:1006"


def test_a_supervisor_sees_that_a_photo_was_sent_but_the_agent_sees_the_photo(pw, new_page):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanghui.conversations import services as conversations
    from shanghui.lib.owners import Viewer
    from shanghui.proxy.owner import PROXY_CASE

    case = pw.submitted()
    conversations.store_message(
        conversation=conversations.conversation_for(PROXY_CASE, case.pk), viewer=Viewer(mobile=case.applicant_mobile),
        body="身份证照片", upload=SimpleUploadedFile("身份证.png", PNG, content_type="image/png"),
    )  # fmt: skip
    supervisor = new_page()
    errors = watch_console(supervisor)
    login(supervisor, "fed_staff", pw.password)
    supervisor.goto(f"/cases/{case.pk}/")
    connected(supervisor)
    photo = messages(supervisor).filter(has_text="身份证照片")
    expect(photo.get_by_test_id("conversation-file-closed")).to_contain_text("身份证.png")
    expect(photo.locator("img")).to_have_count(0)  # the browser never asks for the file (403)

    agent = new_page()
    watch_console(agent, errors)
    login(agent, "agent", pw.password)
    agent.goto(f"/cases/{case.pk}/")
    connected(agent)
    expect(messages(agent).filter(has_text="身份证照片").locator("img.conv-thumb")).to_have_count(1)


def test_posts_over_the_rate_wait_in_the_page_and_then_land_once_each_in_order(pw, new_page, settings):
    # Three a window of five seconds: seven posts typed at once cross at most one window's end, so the
    # server refuses at least one and the page must send it again by itself.
    settings.STAFF_MESSAGES_PER_SOCKET = "3/5s"
    case = pw.submitted()
    agent = new_page()
    errors = watch_console(agent)
    frames: list[str] = []

    def on_frame(payload: Any) -> None:
        frames.append(str(payload))

    agent.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    login(agent, "agent", pw.password)
    agent.goto(f"/cases/{case.pk}/")
    connected(agent)

    texts = [f"第{n}条：请补充材料" for n in range(1, 8)]
    for text in texts:
        send(agent, text)

    expect(messages(agent).filter(has_text="第7条")).to_have_count(1, timeout=30_000)
    expect(agent.get_by_test_id("conversation-pending")).to_have_count(0)
    assert any('"type": "wait"' in frame for frame in frames)
    assert bodies(agent) == texts
    stored = Message.objects.filter(conversation__owner_id=case.pk, kind="text").order_by("seq")
    assert [m.body for m in stored] == texts
    assert errors == []
