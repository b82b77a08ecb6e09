"""Message rates in the conversation, through the real ASGI application (channels' WebsocketCommunicator)
and the upload page: per socket and per person, citizens stricter than staff. Over the rate nothing is
stored and the sender is told, in Chinese, when to send again; the same post (client_id) sent then is
stored once. The rate windows' clock is moved instead of waiting."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanghui.conversations.models import Message
from shanghui.conversations.tests.conftest import citizen_client, citizen_session, staff_session
from shanghui.conversations.tests.test_consumer import join, next_frame, post, run
from shanghui.lib import ratelimit
from shanghui.proxy.owner import PROXY_CASE
from shanghui.testing.cases import PNG

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The time the rate windows see (only theirs: sessions and the database keep the real one)."""
    now = SimpleNamespace(value=time.time())
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now.value))
    return now


async def answer(socket: Any) -> dict[str, Any]:
    """The poster's answer to a post: an ack, a wait or an error (its own message may come around)."""
    return await next_frame(socket, skip=("read", "message"))


def texts() -> list[str]:
    return list(Message.objects.filter(kind="text").order_by("seq").values_list("body", flat=True))


def test_a_citizen_over_the_socket_rate_is_told_when_and_the_post_lands_once_after(pw, settings, clock):
    settings.CITIZEN_MESSAGES_PER_SOCKET = "3/min"
    case = pw.submitted()
    key = citizen_session(case.applicant_mobile)

    async def scenario() -> None:
        citizen, _ = await join(case.pk, key, as_citizen=True)
        for n in range(3):
            await post(citizen, f"第{n + 1}条", f"c-{n}")
            assert (await answer(citizen))["type"] == "ack"
        await post(citizen, "第4条", "c-3")
        wait = await answer(citizen)
        assert wait["type"] == "wait" and wait["client_id"] == "c-3"
        assert 1 <= wait["retry_after"] <= 60
        assert wait["message"] == f"发送太频繁，请 {wait['retry_after']} 秒后再发"
        # Trying again at once changes nothing.
        await post(citizen, "第4条", "c-3")
        assert (await answer(citizen))["type"] == "wait"
        # After the wait the client sends the same post again: stored, once.
        clock.value += wait["retry_after"]
        await post(citizen, "第4条", "c-3")
        ack = await answer(citizen)
        assert ack["type"] == "ack" and ack["client_id"] == "c-3"
        await post(citizen, "第4条", "c-3")  # a re-send of a stored post is never refused
        assert (await answer(citizen))["type"] == "ack"
        await citizen.disconnect()

    run(scenario)
    assert texts() == ["第1条", "第2条", "第3条", "第4条"]


def test_the_person_rate_counts_every_socket_of_theirs_and_no_one_else(pw, settings, clock):
    settings.CITIZEN_MESSAGES_PER_SOCKET = "10/min"
    settings.CITIZEN_MESSAGES_PER_PERSON = "4/min"
    case = pw.submitted()
    phone, laptop = citizen_session(case.applicant_mobile), citizen_session(case.applicant_mobile)
    agent_key = staff_session(pw.agent)

    async def scenario() -> None:
        first, _ = await join(case.pk, phone, as_citizen=True)
        second, _ = await join(case.pk, laptop, as_citizen=True)
        agent, _ = await join(case.pk, agent_key)
        for n in range(4):
            socket = first if n % 2 == 0 else second
            await post(socket, f"消息{n}", f"c-{n}")
            assert (await answer(socket))["type"] == "ack"
        await post(second, "第五条", "c-4")
        assert (await answer(second))["type"] == "wait"
        # The agent on the same case counts on their own.
        await post(agent, "收到，马上处理", "a-1")
        assert (await answer(agent))["type"] == "ack"
        for socket in (first, second, agent):
            await socket.disconnect()

    run(scenario)
    assert len(texts()) == 5 and "第五条" not in texts()


def test_staff_may_post_faster_than_citizens_by_default(pw, settings, clock):
    assert settings.CITIZEN_MESSAGES_PER_SOCKET == "20/min"  # the defaults this test relies on
    citizen_rate = ratelimit.parse_rate(settings.CITIZEN_MESSAGES_PER_SOCKET)
    staff_rate = ratelimit.parse_rate(settings.STAFF_MESSAGES_PER_SOCKET)
    assert citizen_rate is not None and staff_rate is not None and staff_rate.limit > citizen_rate.limit
    citizen_person = ratelimit.parse_rate(settings.CITIZEN_MESSAGES_PER_PERSON)
    staff_person = ratelimit.parse_rate(settings.STAFF_MESSAGES_PER_PERSON)
    assert (
        citizen_person is not None and staff_person is not None and staff_person.limit > citizen_person.limit
    )
    burst = citizen_rate.limit + 1
    case = pw.submitted()
    citizen_key, agent_key = citizen_session(case.applicant_mobile), staff_session(pw.agent)

    async def scenario() -> None:
        citizen, _ = await join(case.pk, citizen_key, as_citizen=True)
        agent, _ = await join(case.pk, agent_key)
        answers: dict[str, list[str]] = {"citizen": [], "agent": []}
        for n in range(burst):
            for name, socket in (("citizen", citizen), ("agent", agent)):
                await post(socket, f"{name} {n}", f"{name}-{n}")
                answers[name].append((await answer(socket))["type"])
        assert answers["agent"] == ["ack"] * burst
        assert answers["citizen"] == ["ack"] * (burst - 1) + ["wait"]
        await citizen.disconnect()
        await agent.disconnect()

    run(scenario)


def test_an_upload_over_the_rate_is_429_with_when_and_lands_once_after(pw, settings, clock):
    settings.CITIZEN_MESSAGES_PER_PERSON = "1/min"
    case = pw.submitted()
    client = citizen_client(case.applicant_mobile)
    url = reverse("conversations:upload", args=[PROXY_CASE, case.pk]) + "?as=citizen"

    def send(client_id: str) -> Any:
        return client.post(url, {"file": SimpleUploadedFile("照片.png", PNG), "client_id": client_id})

    assert send("u-1").status_code == 201
    refused = send("u-2")
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == f"发送太频繁，请 {body['retry_after']} 秒后再发"
    assert refused["Retry-After"] == str(body["retry_after"])
    assert Message.objects.filter(kind="image").count() == 1
    clock.value += body["retry_after"]
    assert send("u-2").status_code == 201
    assert send("u-2").status_code == 200  # the same post again: stored once
    assert Message.objects.filter(kind="image").count() == 2
