"""Two web processes share conversations through Redis: two uvicorn processes of shanghui.asgi on free
ports, the same database (this test's, committed) and the same Redis channel layer; a message posted
through one process arrives on a socket connected to the other, and so does a status change made by a
third process (this one, as a task worker would). Real sockets (the `websockets` client), real
handshakes: an outsider is answered HTTP 403.

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379): skipped with the reason when it is not
reachable, a failure in CI (CI=true)."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection

from shanghui.conversations.models import Conversation
from shanghui.conversations.tests.conftest import citizen_session, staff_session
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.services import add_material
from shanghui.proxy.workflow import AGENT
from shanghui.testing.cases import pdf_upload

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[3]
TIMEOUT = 60  # seconds for a frame or a start on a busy machine (CI shares it); never a measurement


def redis_url() -> str:
    """A Redis database of its own for this test (channel-layer groups are named by conversation id,
    and other test runs may use the same server)."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    return f"{parts.scheme}://{parts.netloc}/13"


def require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis is not reachable at {url} ({exc}); the two-process test needs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " — start Redis or set REDIS_URL")


def database_url() -> str:
    """This test's database, as DATABASE_URL for the server processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603  # our own interpreter and module, fixed arguments
        [sys.executable, "-m", "uvicorn", "shanghui.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"the server on port {port} exited:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server on port {port} did not start")


@pytest.fixture
def servers() -> Iterator[list[int]]:
    url = redis_url()
    require_redis(url)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DATABASE_URL=database_url(), REDIS_URL=url, DJANGO_SETTINGS_MODULE="shanghui.settings")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        ports = []
        for _ in range(2):
            process, port = start_server(env)
            processes.append(process)
            ports.append(port)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def connect(port: int, case_id: int, session_key: str, *, as_citizen: bool = False) -> Any:
    from websockets.sync.client import connect as ws_connect
    from websockets.typing import Origin

    query = "?as=citizen" if as_citizen else ""
    return ws_connect(
        f"ws://127.0.0.1:{port}/ws/conversations/{PROXY_CASE}/{case_id}/{query}",
        origin=Origin(f"http://127.0.0.1:{port}"),
        additional_headers={"Cookie": f"sessionid={session_key}"},
        open_timeout=TIMEOUT,
        proxy=None,
    )


def worker(job: Callable[[], Any]) -> None:
    """Run `job` as a task worker would: in a thread of its own, without an event loop (the browser
    tests' Playwright keeps one on the test thread when they run in the same session)."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            job()
        except BaseException as exc:  # handed to the test thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def next_of(ws: Any, kind: str) -> dict[str, Any]:
    """The next frame of this type (read receipts and the like in between are passed over)."""
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
        if frame["type"] == kind:
            return frame


def test_a_message_posted_through_one_process_arrives_on_a_socket_of_the_other(pw, servers, settings):
    first, second = servers
    case = pw.new_case()
    # A conversation id of its own, so that no other run's sockets share the channel-layer group.
    Conversation.objects.filter(owner_type=PROXY_CASE, owner_id=case.pk).delete()
    Conversation.objects.create(pk=random.randint(10**9, 2 * 10**9), owner_type=PROXY_CASE, owner_id=case.pk)
    add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)
    case = pw.act(case, "submit", AGENT)
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)

    with (
        connect(first, case.pk, agent_key) as agent,
        connect(second, case.pk, citizen_key, as_citizen=True) as citizen,
    ):
        assert next_of(agent, "hello")["me"] == f"u:{pw.agent.pk}"
        assert next_of(citizen, "hello")["me"] == "citizen"

        # Citizen → process 2 → Redis → process 1 → agent.
        citizen.send(
            json.dumps({"type": "post", "body": "请问进度如何？", "client_id": "p2-1", "reply_to": None})
        )
        assert next_of(citizen, "ack")["client_id"] == "p2-1"
        received = next_of(agent, "message")["message"]
        assert received["body"] == "请问进度如何？" and received["author"]["key"] == "citizen"

        # Agent → process 1 → process 2 → citizen; the internal note stays with staff on both.
        agent.send(json.dumps({"type": "post", "body": "内部：待核", "internal": True, "client_id": "p1-1"}))
        agent.send(
            json.dumps(
                {"type": "post", "body": "今天转递窗口", "reply_to": received["seq"], "client_id": "p1-2"}
            )
        )
        answer = next_of(citizen, "message")["message"]
        if answer["author"]["key"] == "citizen":  # the citizen's own message came back first
            answer = next_of(citizen, "message")["message"]
        assert answer["body"] == "今天转递窗口" and answer["reply_to"]["seq"] == received["seq"]

        # A status change made by a third process (here, this test process as a task worker would).
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis_url()]},
            }
        }
        worker(lambda: pw.act(case, "forward", AGENT, window=pw.window))
        for ws in (agent, citizen):
            system = next_of(ws, "message")["message"]
            while system["kind"] != "system":
                system = next_of(ws, "message")["message"]
            assert "转递" in system["body"]

    # After reconnecting to the other process, the citizen catches up with exactly what they may see.
    with connect(first, case.pk, citizen_key, as_citizen=True) as citizen:
        next_of(citizen, "hello")
        citizen.send(json.dumps({"type": "sync", "after": 0}))
        history = next_of(citizen, "history")
        assert [m["body"].split("，")[0] for m in history["messages"] if m["kind"] != "system"] == [
            "请问进度如何？",
            "今天转递窗口",
        ]


def test_an_outsiders_handshake_is_answered_403_by_the_server(pw, servers):
    from websockets.exceptions import InvalidStatus

    case = pw.submitted()
    for key, as_citizen in (
        (staff_session(pw.outsider), False),
        (citizen_session("13900000000"), True),
        ("", False),
    ):
        with pytest.raises(InvalidStatus) as refused:
            connect(servers[0], case.pk, key, as_citizen=as_citizen)
        assert refused.value.response.status_code == 403


def test_a_membership_revoked_in_a_third_process_cuts_off_a_socket_of_another(pw, servers, settings):
    """The socket keeps its viewer's access between events (consumers.py); the revocation, made in this
    process as a page of a third web process would, reaches it through Redis before the next message."""
    from websockets.exceptions import ConnectionClosed

    from shanghui.orgs.models import Membership, Role
    from shanghui.orgs.services import revoke_role

    first, second = servers
    case = pw.submitted()
    Conversation.objects.filter(owner_type=PROXY_CASE, owner_id=case.pk).delete()
    Conversation.objects.create(pk=random.randint(10**9, 2 * 10**9), owner_type=PROXY_CASE, owner_id=case.pk)
    agent_key, citizen_key = staff_session(pw.agent), citizen_session(case.applicant_mobile)
    membership = Membership.objects.get(user=pw.agent, organisation=pw.point_a, role=Role.AGENT)

    with (
        connect(first, case.pk, agent_key) as agent,
        connect(second, case.pk, citizen_key, as_citizen=True) as citizen,
    ):
        next_of(agent, "hello")
        next_of(citizen, "hello")
        citizen.send(json.dumps({"type": "post", "body": "第一条", "client_id": "k-1", "reply_to": None}))
        assert next_of(citizen, "ack")["client_id"] == "k-1"
        assert next_of(agent, "message")["message"]["body"] == "第一条"

        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis_url()]},
            }
        }
        worker(lambda: revoke_role(actor=pw.fed_admin, membership=membership))
        citizen.send(json.dumps({"type": "post", "body": "第二条", "client_id": "k-2", "reply_to": None}))
        assert next_of(citizen, "ack")["client_id"] == "k-2"
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = json.loads(agent.recv(timeout=TIMEOUT))
                assert frame.get("message", {}).get("body") != "第二条"
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
