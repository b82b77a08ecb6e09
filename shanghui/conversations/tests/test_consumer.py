"""The live conversation through the real ASGI application (origin check, sessions, routing, consumer)
with channels' WebsocketCommunicator: who may connect, what each socket receives, catch-up after a
reconnect, re-sent posts. Transactional: the consumer's database calls commit, and broadcasts go out on
commit as in production."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from shanghui.accounts.citizen import SESSION_SECONDS
from shanghui.asgi import application
from shanghui.conversations import services
from shanghui.conversations.consumers import CLOSE_EXPIRED, CLOSE_NO_ACCESS
from shanghui.conversations.models import Message
from shanghui.conversations.tests.conftest import ORIGIN, citizen_session, staff_session
from shanghui.lib.owners import Viewer
from shanghui.orgs.models import Membership, Role
from shanghui.proxy.owner import PROXY_CASE
from shanghui.testing.aio import run_async

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # seconds a frame may take on a busy machine; never a measurement


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    run_async(scenario)


async def open_socket(case_id: int, session_key: str = "", *, as_citizen: bool = False) -> tuple[Any, bool]:
    path = f"/ws/conversations/{PROXY_CASE}/{case_id}/" + ("?as=citizen" if as_citizen else "")
    headers = [(b"origin", ORIGIN), (b"host", b"testserver")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await socket.connect(timeout=TIMEOUT)
    return socket, connected


async def join(case_id: int, session_key: str, *, as_citizen: bool = False) -> tuple[Any, dict[str, Any]]:
    socket, connected = await open_socket(case_id, session_key, as_citizen=as_citizen)
    assert connected
    hello = await socket.receive_json_from(timeout=TIMEOUT)
    assert hello["type"] == "hello"
    return socket, hello


async def frame(socket: Any) -> dict[str, Any]:
    received: dict[str, Any] = await socket.receive_json_from(timeout=TIMEOUT)
    return received


async def next_frame(socket: Any, *, skip: tuple[str, ...] = ("read",)) -> dict[str, Any]:
    """The next frame that is not a read receipt (every post also tells everyone its author has read)."""
    while True:
        received = await frame(socket)
        if received["type"] not in skip:
            return received


async def posted(socket: Any) -> list[dict[str, Any]]:
    """The poster's two answers: the ack, then its own message by broadcast."""
    return [await next_frame(socket), await next_frame(socket)]


async def post(socket: Any, body: str, client_id: str, **extra: Any) -> None:
    await socket.send_json_to(
        {"type": "post", "body": body, "client_id": client_id, "reply_to": None, **extra}
    )


def test_agent_and_citizen_connect_and_exchange_messages_live(pw):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)
    agent_name = f"代办员 {pw.agent.display_name}"

    async def scenario() -> None:
        agent, hello = await join(case.pk, agent_key)
        assert hello["me"] == f"u:{pw.agent.pk}" and hello["last_seq"] == 1
        assert hello["access"]["internal"] and hello["access"]["post"]
        citizen, hello = await join(case.pk, citizen_key, as_citizen=True)
        assert hello["me"] == "citizen" and not hello["access"]["internal"]

        await post(citizen, "请问还缺什么材料？", "c-1")
        replies = await posted(citizen)
        assert {r["type"] for r in replies} == {"ack", "message"}
        ack = next(r for r in replies if r["type"] == "ack")
        assert ack == {"type": "ack", "client_id": "c-1", "seq": 2}
        live = await next_frame(agent)
        assert live["type"] == "message" and live["message"]["seq"] == 2
        assert live["message"]["author"] == {"key": "citizen", "name": "申请人 张*", "role": "citizen"}
        assert "13800001234" not in str(live)

        await post(agent, "材料齐全，今天转递窗口", "a-1", reply_to=2)
        await posted(agent)
        answer = await next_frame(citizen)
        assert answer["message"]["body"] == "材料齐全，今天转递窗口"
        assert answer["message"]["reply_to"]["seq"] == 2

        # The agent's answer told everyone the agent had read up to it; now the citizen reads it.
        assert await frame(citizen) == {
            "type": "read",
            "reader": f"u:{pw.agent.pk}",
            "name": agent_name,
            "seq": 3,
        }
        await citizen.send_json_to({"type": "read", "seq": 3})
        receipt = await next_frame(agent, skip=("ack", "message"))
        while receipt["reader"] != "citizen" or receipt["seq"] != 3:  # earlier receipts come first
            receipt = await next_frame(agent, skip=("ack", "message"))
        assert receipt == {"type": "read", "reader": "citizen", "name": "申请人 张*", "seq": 3}
        await agent.disconnect()
        await citizen.disconnect()

    run(scenario)
    assert list(Message.objects.filter(kind="text").values_list("seq", "author_role")) == [
        (2, "citizen"),
        (3, "staff"),
    ]


def test_outsiders_other_numbers_and_expired_codes_are_refused_at_the_handshake(pw):
    case = pw.submitted()
    refused = [
        ("", False),  # nobody
        (staff_session(pw.outsider), False),
        (staff_session(pw.agent_b), False),  # an agent of another point
        (citizen_session("13900000000"), True),  # another number
        (citizen_session(case.applicant_mobile, verified_at=time.time() - SESSION_SECONDS - 5), True),
    ]
    agent_key = staff_session(pw.agent)

    async def scenario() -> None:
        for key, as_citizen in refused:
            socket, connected = await open_socket(case.pk, key, as_citizen=as_citizen)
            assert not connected
        # A page of another site may not open the socket with the agent's cookie.
        socket = WebsocketCommunicator(
            application,
            f"/ws/conversations/{PROXY_CASE}/{case.pk}/",
            headers=[(b"origin", b"http://evil.example"), (b"cookie", f"sessionid={agent_key}".encode())],
        )
        connected, _ = await socket.connect(timeout=TIMEOUT)
        assert not connected
        # An unknown owner type is refused like an unknown record.
        socket = WebsocketCommunicator(
            application,
            f"/ws/conversations/nothing/{case.pk}/",
            headers=[(b"origin", ORIGIN), (b"cookie", f"sessionid={agent_key}".encode())],
        )
        connected, _ = await socket.connect(timeout=TIMEOUT)
        assert not connected

    run(scenario)


def test_an_internal_note_reaches_staff_but_never_the_citizen(pw):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)

        await post(agent, "身份证复印件模糊，先别告诉申请人", "a-1", internal=True)
        replies = await posted(agent)
        note = next(r for r in replies if r["type"] == "message")["message"]
        assert note["internal"] and note["seq"] == 2
        await post(agent, "您好，材料已收到", "a-2")
        await posted(agent)

        # Events reach a socket in order: the first thing the citizen gets is the public message.
        received = await next_frame(citizen)
        assert received["message"]["seq"] == 3 and received["message"]["body"] == "您好，材料已收到"
        await citizen.send_json_to({"type": "sync", "after": 0})
        history = await next_frame(citizen)
        assert [m["seq"] for m in history["messages"]] == [1, 3]
        # The citizen can neither write a note nor quote one.
        await post(citizen, "我也写备注", "c-1", internal=True)
        assert await next_frame(citizen) == {
            "type": "error", "client_id": "c-1", "message": "只有工作人员可以写内部备注",
        }  # fmt: skip
        await post(citizen, "回复备注", "c-2", reply_to=2)
        assert (await next_frame(citizen))["message"] == "要回复的消息不存在"
        await agent.disconnect()
        await citizen.disconnect()

    run(scenario)


def test_an_agent_removed_from_the_point_stops_receiving_at_once(pw):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await database_sync_to_async(
            lambda: Membership.objects.filter(
                user=pw.agent, organisation=pw.point_a, role=Role.AGENT
            ).delete()
        )()

        await post(citizen, "请问办好了吗", "c-1")
        await posted(citizen)

        closed = await agent.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": CLOSE_NO_ACCESS}
        # And the agent cannot come back.
        _socket, connected = await open_socket(case.pk, agent_key)
        assert not connected
        await citizen.disconnect()

    run(scenario)


def test_an_expired_citizen_session_is_closed_at_the_next_event(pw, monkeypatch):
    case = pw.submitted()
    citizen_key = citizen_session(case.applicant_mobile)
    conversation = services.conversation_for(PROXY_CASE, case.pk)

    async def scenario() -> None:
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        later = time.time() + SESSION_SECONDS + 60
        monkeypatch.setattr("shanghui.conversations.consumers.time.time", lambda: later)
        await database_sync_to_async(services.post_message)(
            conversation=conversation, viewer=Viewer(user=pw.agent), body="在吗"
        )
        assert await citizen.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": CLOSE_EXPIRED,
        }

    run(scenario)


def test_sync_after_a_reconnect_returns_exactly_the_missed_messages_page_by_page(pw, monkeypatch):
    monkeypatch.setattr(services, "PAGE", 2)
    case = pw.submitted()
    citizen_key = citizen_session(case.applicant_mobile)
    conversation = services.conversation_for(PROXY_CASE, case.pk)
    agent = Viewer(user=pw.agent)

    async def scenario() -> None:
        citizen, hello = await join(case.pk, citizen_key, as_citizen=True)
        seen = hello["last_seq"]
        await citizen.disconnect()

        # While the citizen is away: three messages, one internal note among them.
        for body, internal in (
            ("第一条", False),
            ("内部：核对户籍", True),
            ("第二条", False),
            ("第三条", False),
        ):
            await database_sync_to_async(services.post_message)(
                conversation=conversation, viewer=agent, body=body, internal=internal
            )

        citizen, hello = await join(case.pk, citizen_key, as_citizen=True)
        assert hello["last_seq"] == seen + 4
        bodies: list[str] = []
        after, more = seen, True
        while more:
            await citizen.send_json_to({"type": "sync", "after": after})
            page = await next_frame(citizen)
            assert page["type"] == "history" and len(page["messages"]) <= 2
            bodies += [m["body"] for m in page["messages"]]
            after, more = page["messages"][-1]["seq"], page["more"]
        assert bodies == ["第一条", "第二条", "第三条"]
        await citizen.disconnect()

    run(scenario)


def test_a_post_sent_again_after_a_reconnect_is_stored_once_and_not_broadcast_twice(pw):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await post(citizen, "我的户口簿在哪里上传？", "c-same")
        first = await posted(citizen)
        seq = next(r for r in first if r["type"] == "ack")["seq"]
        assert (await next_frame(agent))["message"]["seq"] == seq
        await citizen.disconnect()  # the answer was lost with the connection: the page sends again

        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await post(citizen, "我的户口簿在哪里上传？", "c-same")
        again = await posted(citizen)
        assert again[0] == {"type": "ack", "client_id": "c-same", "seq": seq}
        assert again[1]["type"] == "message" and again[1]["message"]["seq"] == seq

        # The agent's next frame is the next new message: the re-send was not broadcast.
        await post(citizen, "已找到，谢谢", "c-next")
        await posted(citizen)
        assert (await next_frame(agent))["message"]["body"] == "已找到，谢谢"
        # Someone else's client id does not hand out their message.
        await post(agent, "冒用编号", "c-same")
        assert (await next_frame(agent))["type"] == "error"
        await agent.disconnect()
        await citizen.disconnect()

    run(scenario)
    assert Message.objects.filter(client_id="c-same").count() == 1


def test_a_supervisor_reads_joins_and_then_speaks_and_bad_frames_get_chinese_errors(pw):
    case = pw.submitted()
    supervisor_key = staff_session(pw.fed_staff)
    conversation = services.conversation_for(PROXY_CASE, case.pk)

    async def scenario() -> None:
        supervisor, hello = await join(case.pk, supervisor_key)
        assert hello["access"]["can_join"] and not hello["access"]["post"]
        await post(supervisor, "请加快办理", "s-1")
        assert (await next_frame(supervisor))["message"] == "请先加入会话再发言"
        await database_sync_to_async(services.join)(
            conversation=conversation, viewer=Viewer(user=pw.fed_staff)
        )
        joined = await next_frame(supervisor)
        assert joined["message"]["kind"] == "system" and "加入了会话" in joined["message"]["body"]
        await post(supervisor, "请加快办理", "s-2")
        assert {r["type"] for r in await posted(supervisor)} == {"ack", "message"}

        await post(supervisor, "   ", "s-3")
        assert await next_frame(supervisor) == {
            "type": "error",
            "client_id": "s-3",
            "message": "请输入消息内容",
        }
        await supervisor.send_to(text_data="not json")
        assert (await next_frame(supervisor))["message"] == "无法识别的请求"
        await supervisor.send_json_to({"type": "post", "body": 5, "client_id": "s-4"})
        assert (await next_frame(supervisor))["message"] == "消息格式不正确"
        await supervisor.disconnect()

    run(scenario)


def test_hello_lists_the_members_who_take_part_and_not_silent_readers(pw):
    case = pw.submitted()
    conversation = services.conversation_for(PROXY_CASE, case.pk)
    services.mark_read(conversation=conversation, viewer=Viewer(mobile=case.applicant_mobile), seq=1)
    services.mark_read(conversation=conversation, viewer=Viewer(user=pw.auditor), seq=1)
    services.mark_read(conversation=conversation, viewer=Viewer(user=pw.agent), seq=1)
    agent_key = staff_session(pw.agent)

    async def scenario() -> None:
        agent, hello = await join(case.pk, agent_key)
        assert {p["key"]: p["last_read_seq"] for p in hello["participants"]} == {
            "citizen": 1,
            f"u:{pw.agent.pk}": 1,
        }
        await agent.disconnect()

    run(scenario)


def test_a_status_change_reaches_each_socket_in_its_readers_language(pw):
    """The broadcast is serialised once, in Chinese; a socket whose page is English renders the system
    message's lines again. Its history and its own error frames follow the page's language too."""
    case = pw.submitted()
    agent_key = staff_session(pw.agent)

    async def english_socket() -> Any:
        path = f"/ws/conversations/{PROXY_CASE}/{case.pk}/"
        cookie = f"sessionid={agent_key}; django_language=en".encode()
        socket = WebsocketCommunicator(
            application, path, headers=[(b"origin", ORIGIN), (b"host", b"testserver"), (b"cookie", cookie)]
        )
        connected, _code = await socket.connect(timeout=TIMEOUT)
        assert connected
        assert (await frame(socket))["type"] == "hello"
        return socket

    async def scenario() -> None:
        english = await english_socket()
        chinese, _hello = await join(case.pk, agent_key)
        await database_sync_to_async(pw.act)(
            case, "request_correction", "agent", correction_items=["户口簿不清晰"]
        )
        heard_en, heard_zh = await next_frame(english), await next_frame(chinese)
        assert heard_en["message"]["body"] == (
            "Proxy agent: Request correction. Case status: Awaiting correction\nTo correct: 户口簿不清晰"
        )
        assert heard_zh["message"]["body"] == "代办员要求补正，办件状态：待补正\n需补正：户口簿不清晰"
        assert {k: v for k, v in heard_en["message"].items() if k != "body"} == {
            k: v for k, v in heard_zh["message"].items() if k != "body"
        }
        await english.send_json_to({"type": "sync", "after": 0})
        history = await next_frame(english)
        assert [m["body"].split("\n")[0] for m in history["messages"]] == [
            "Proxy agent: Submit request. Case status: Awaiting pre-review",
            "Proxy agent: Request correction. Case status: Awaiting correction",
        ]
        await english.send_json_to({"type": "nonsense"})
        assert await next_frame(english) == {
            "type": "error",
            "client_id": "",
            "message": "Unrecognised request.",
        }
        await chinese.send_json_to({"type": "nonsense"})
        assert (await next_frame(chinese))["message"] == "无法识别的请求"
        await english.disconnect()
        await chinese.disconnect()

    run(scenario)
    stored = Message.objects.filter(kind="system").order_by("seq").last()
    assert stored is not None and stored.body == "代办员要求补正，办件状态：待补正\n需补正：户口簿不清晰"
