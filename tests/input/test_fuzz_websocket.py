"""No WebSocket fails with a server error, whatever path it opens or whatever frames it sends.

Through the real ASGI application (origin check, sessions, routing, consumers) with channels'
WebsocketCommunicator: generated paths (unknown ones, the conversation route with odd owners and ids)
are accepted and served, closed with a code, or refused at the handshake — never an exception; generated
frames (not JSON, wrong types, NUL, huge numbers, very long text) to a live conversation get an answer or
nothing, and the socket still serves a `sync` afterwards. Transactional: the consumers' database calls
run in another thread.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import given, note
from hypothesis import strategies as st

from shanghui.asgi import application
from shanghui.proxy.owner import PROXY_CASE
from tests.input.hostile import fuzz_settings, hostile_json, text_values

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # seconds a frame may take on a busy machine; never a measurement
QUIET = 0.2  # how long to wait for an answer that may not come
ORIGIN = b"http://testserver"


def _headers(session_key: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", ORIGIN), (b"host", b"testserver")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return headers


async def _drain(socket: WebsocketCommunicator) -> None:
    """Take the frames the server sends until it is quiet for a moment; an exception inside the consumer
    is raised here. (Quiet is not finished on a busy machine: a late answer is taken later.)"""
    while not await socket.receive_nothing(timeout=QUIET):
        await socket.receive_output(timeout=TIMEOUT)


paths = st.one_of(
    st.lists(text_values(), min_size=0, max_size=4).map(lambda parts: "/" + "/".join(quote(p, safe="") for p in parts)),
    st.tuples(st.sampled_from(["ws/conversations", "/ws/conversations", "/ws/conversations/"]),
              text_values([PROXY_CASE]), text_values(["1"]), st.sampled_from(["/", "", "/?as=citizen", "/x/"]))
    .map(lambda t: f"/{t[0].strip('/')}/{quote(t[1], safe='')}/{quote(t[2], safe='')}{t[3]}"),
)  # fmt: skip


def test_no_websocket_path_fails_the_handshake(land: SimpleNamespace) -> None:
    @fuzz_settings(examples=4 * fuzz_settings().max_examples)
    @given(path=paths, persona=st.sampled_from(["agent", "citizen", "anonymous"]))
    def never_an_error(path: str, persona: str) -> None:
        note(path)

        async def scenario() -> None:
            socket = WebsocketCommunicator(application, path, headers=_headers(land.sessions.get(persona)))
            connected, _code = await socket.connect(timeout=TIMEOUT)
            if connected:
                await _drain(socket)
                await socket.disconnect()

        async_to_sync(scenario)()

    never_an_error()


frames = st.one_of(
    st.builds(
        lambda kind, extra: json.dumps({"type": kind, **extra}, allow_nan=True),
        st.sampled_from(["post", "sync", "read", "hello", "", "POST"]) | text_values(),
        st.dictionaries(
            st.sampled_from(["body", "client_id", "reply_to", "internal", "after", "seq", "type"]),
            hostile_json(),
            max_size=5,
        ),
    ),
    text_values(),
    st.builds(lambda value: json.dumps(value, allow_nan=True), hostile_json()),
)


def test_no_frame_breaks_a_live_conversation(land: SimpleNamespace) -> None:
    path = f"/ws/conversations/{PROXY_CASE}/{land.case.pk}/"

    @fuzz_settings(examples=2 * fuzz_settings().max_examples)
    @given(sent=st.lists(frames, min_size=1, max_size=4), persona=st.sampled_from(["agent", "citizen"]))
    def socket_survives(sent: list[str], persona: str) -> None:
        note(f"as {persona}: {[frame[:300] for frame in sent]}")

        async def scenario() -> None:
            query = "?as=citizen" if persona == "citizen" else ""
            socket = WebsocketCommunicator(
                application, path + query, headers=_headers(land.sessions[persona])
            )
            connected, _code = await socket.connect(timeout=TIMEOUT)
            assert connected
            await _drain(socket)
            for frame in sent:
                # send_input, not send_to: the communicator refuses an empty frame, a browser does not.
                await socket.send_input({"type": "websocket.receive", "text": frame})
                await _drain(socket)
            await socket.send_json_to({"type": "sync", "after": 0})
            # Still serving: a history comes (after any answers still on their way), however long it takes.
            while (await socket.receive_json_from(timeout=TIMEOUT)).get("type") != "history":
                pass
            await socket.disconnect()

        async_to_sync(scenario)()

    socket_survives()
