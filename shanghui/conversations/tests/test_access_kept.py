"""A live socket keeps its viewer's access answer between events (consumers.py) and drops it when
something that may change it is announced (services.access_changed): a membership revoked, the user
deactivated, the case moved to another point, an organisation deactivated, a supervisor joining. Each is
made the way the application makes it (orgs/services.py, a case's save) and the socket must stop
receiving at the next event; an outsider who gains access is not let in by anything kept. Through the
real ASGI application (channels' WebsocketCommunicator); the per-socket post rate for staff is here too.
The same changes across two processes: test_two_processes.py."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from channels.db import database_sync_to_async

from shanghui.conversations import consumers, services
from shanghui.conversations.consumers import CLOSE_NO_ACCESS
from shanghui.conversations.models import Message
from shanghui.conversations.tests.conftest import citizen_session, staff_session
from shanghui.conversations.tests.test_consumer import (
    TIMEOUT,
    frame,
    join,
    next_frame,
    open_socket,
    post,
    posted,
    run,
)
from shanghui.lib import ratelimit
from shanghui.lib.owners import Viewer
from shanghui.orgs import services as org_services
from shanghui.orgs.models import Membership, Role
from shanghui.proxy.workflow import AGENT

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED = {"type": "websocket.close", "code": CLOSE_NO_ACCESS}


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[Viewer]:
    """Every viewer whose access to a conversation the database was asked for."""
    viewers: list[Viewer] = []
    real = services.access_for

    def counting(conversation: Any, viewer: Viewer) -> Any:
        viewers.append(viewer)
        return real(conversation, viewer)

    monkeypatch.setattr(services, "access_for", counting)
    return viewers


def asked_for(viewers: list[Viewer], user: Any) -> int:
    return sum(1 for v in viewers if v.user is not None and v.user.pk == user.pk)


async def citizen_posts(citizen: Any, body: str, client_id: str) -> None:
    await post(citizen, body, client_id)
    await posted(citizen)


async def delivered(socket: Any) -> str:
    """The body of the next message a socket receives, with the citizen's read receipt that rides on it."""
    message = await next_frame(socket)
    assert message["type"] == "message"
    assert (await frame(socket))["type"] == "read"
    body: str = message["message"]["body"]
    return body


def test_the_answer_is_kept_between_events_and_a_revoked_membership_ends_it(pw, asked):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)
    membership = Membership.objects.get(user=pw.agent, organisation=pw.point_a, role=Role.AGENT)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        asked.clear()
        for n in range(3):
            await citizen_posts(citizen, f"第{n}条", f"c-{n}")
            assert await delivered(agent) == f"第{n}条"
        assert asked_for(asked, pw.agent) == 0  # three deliveries, no database call for the agent

        await database_sync_to_async(org_services.revoke_role)(actor=pw.fed_admin, membership=membership)
        await citizen_posts(citizen, "还在吗", "c-last")
        assert await agent.receive_output(timeout=TIMEOUT) == CLOSED
        _socket, connected = await open_socket(case.pk, agent_key)
        assert not connected
        await citizen.disconnect()

    run(scenario)


def test_a_deactivated_user_stops_receiving_at_the_next_event(pw):
    case = pw.submitted()
    agent_key, admin_key = staff_session(pw.agent), staff_session(pw.fed_admin)
    citizen_key = citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        admin, _ = await join(case.pk, admin_key)  # a supervisor who only reads: unaffected
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await citizen_posts(citizen, "第一条", "c-1")
        assert await delivered(agent) == "第一条"
        assert await delivered(admin) == "第一条"

        await database_sync_to_async(org_services.update_member)(
            actor=pw.fed_admin, member=pw.agent, is_active=False
        )
        await citizen_posts(citizen, "第二条", "c-2")
        assert await agent.receive_output(timeout=TIMEOUT) == CLOSED
        assert await delivered(admin) == "第二条"
        await admin.disconnect()
        await citizen.disconnect()

    run(scenario)


def test_a_case_moved_to_another_point_cuts_off_the_old_agent_and_lets_the_new_one_in(pw):
    case = pw.submitted()
    agent_key, other_key = staff_session(pw.agent), staff_session(pw.agent_b)
    citizen_key = citizen_session(case.applicant_mobile)

    def move() -> None:
        case.proxy_point = pw.point_b
        case.save(update_fields=["proxy_point"])

    async def scenario() -> None:
        _socket, connected = await open_socket(case.pk, other_key)
        assert not connected  # the other point's agent is an outsider to this case
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await citizen_posts(citizen, "第一条", "c-1")
        assert await delivered(agent) == "第一条"

        await database_sync_to_async(move)()
        await citizen_posts(citizen, "第二条", "c-2")
        assert await agent.receive_output(timeout=TIMEOUT) == CLOSED
        other, hello = await join(case.pk, other_key)
        assert hello["access"]["post"]
        await citizen_posts(citizen, "第三条", "c-3")
        assert await delivered(other) == "第三条"
        await other.disconnect()
        await citizen.disconnect()

    run(scenario)


def test_a_deactivated_point_cuts_off_its_agents_at_the_next_event(pw):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await citizen_posts(citizen, "第一条", "c-1")
        assert await delivered(agent) == "第一条"

        await database_sync_to_async(org_services.update_organisation)(
            actor=pw.fed_admin, org=pw.point_a, is_active=False
        )
        await citizen_posts(citizen, "第二条", "c-2")
        assert await agent.receive_output(timeout=TIMEOUT) == CLOSED
        await citizen.disconnect()

    run(scenario)


def test_an_unannounced_change_is_seen_once_the_answer_is_too_old(pw, settings, monkeypatch):
    """A bulk update sends no signal: the age limit (CONVERSATION_ACCESS_CACHE_SECONDS) bounds it."""
    settings.CONVERSATION_ACCESS_CACHE_SECONDS = 60
    now = SimpleNamespace(value=time.monotonic())
    monkeypatch.setattr(consumers, "monotonic", lambda: now.value)
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await database_sync_to_async(
            lambda: Membership.objects.filter(user=pw.agent).update(organisation=pw.point_b)
        )()
        await citizen_posts(citizen, "第一条", "c-1")
        assert await delivered(agent) == "第一条"  # the kept answer, not yet old
        now.value += 61
        await citizen_posts(citizen, "第二条", "c-2")
        assert await agent.receive_output(timeout=TIMEOUT) == CLOSED
        await citizen.disconnect()

    run(scenario)


def test_without_keeping_every_event_asks_the_database(pw, settings, asked):
    settings.CONVERSATION_ACCESS_CACHE_SECONDS = 0
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        asked.clear()
        for n in range(2):
            await citizen_posts(citizen, f"第{n}条", f"c-{n}")
            assert await delivered(agent) == f"第{n}条"
        # Each message event, and each of the citizen's read receipts riding on it.
        assert asked_for(asked, pw.agent) >= 2
        await agent.disconnect()
        await citizen.disconnect()

    run(scenario)


def test_a_staff_socket_over_its_rate_is_told_when_and_another_socket_of_theirs_is_not(
    pw, settings, monkeypatch
):
    settings.STAFF_MESSAGES_PER_SOCKET = "2/min"
    settings.STAFF_MESSAGES_PER_PERSON = "100/min"
    clock = SimpleNamespace(value=time.time())
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock.value))
    case = pw.submitted()
    agent_key = staff_session(pw.agent)

    async def answer(socket: Any) -> dict[str, Any]:
        return await next_frame(socket, skip=("read", "message"))

    async def scenario() -> None:
        first, _ = await join(case.pk, agent_key)
        second, _ = await join(case.pk, agent_key)
        for n in range(2):
            await post(first, f"第{n}条", f"a-{n}")
            assert (await answer(first))["type"] == "ack"
        await post(first, "第三条", "a-2")
        wait = await answer(first)
        assert wait["type"] == "wait" and wait["client_id"] == "a-2" and wait["retry_after"] >= 1
        assert "发送太频繁" in wait["message"]
        await post(second, "另一个窗口", "b-0")
        assert (await answer(second))["type"] == "ack"
        clock.value += wait["retry_after"]
        await post(first, "第三条", "a-2")
        assert (await answer(first))["type"] == "ack"
        await first.disconnect()
        await second.disconnect()

    run(scenario)
    bodies = list(Message.objects.filter(kind="text").order_by("seq").values_list("body", flat=True))
    assert bodies == ["第0条", "第1条", "另一个窗口", "第三条"]


def test_a_forward_is_announced_by_its_status_message_and_each_socket_asks_again_once(pw, asked):
    case = pw.submitted()
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        agent, _ = await join(case.pk, agent_key)
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        await citizen_posts(citizen, "第一条", "c-1")
        assert await delivered(agent) == "第一条"
        asked.clear()
        await database_sync_to_async(lambda: pw.act(case, "forward", AGENT, window=pw.window))()
        system = await next_frame(agent)
        assert system["message"]["kind"] == "system" and "转递" in system["message"]["body"]
        assert "access" not in system["message"]
        assert asked_for(asked, pw.agent) == 1  # the window changed: asked again, once
        await citizen_posts(citizen, "第二条", "c-2")
        assert await delivered(agent) == "第二条"
        assert asked_for(asked, pw.agent) == 1  # and kept again
        await agent.disconnect()
        await citizen.disconnect()

    run(scenario)
