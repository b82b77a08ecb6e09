"""Load generator mode "ws": WebSocket clients in case conversations spread over two server processes.

Spec (JSON on standard input, see bench/live.py):
  servers        the base URLs of the server processes (http://127.0.0.1:<port> only)
  path           the conversation socket, with "{case_id}"
  cookie_name    the session cookie's name
  conversations  [{"case_id", "members": [{"session", "server"}]}]: one socket per member, on
                 `servers[server]`
  rate, seconds  posts per second over all conversations, for this long (open loop: a post is sent
                 when its time comes, however late the earlier ones are answered)
  warmup         seconds of posts at the same rate before those: checked for loss, not timed
  grace          seconds to wait after the last post for everything still under way
  body_chars     the length of each message's body
  baseline       {"redis_url", "seconds", "subscribers"}: the raw Redis pub/sub round trip at the same
                 rate and message size (optional)

Posts go round the conversations, and round the members within each, so every member posts. A post's
body starts with "bench#<n>|<send time>|", so each receiver knows which post it got. All times come
from this one process's monotonic clock: the send and the receipt of a message are timed on the same
clock, whatever process delivered it.

Every member of a conversation other than the poster must receive every post of that conversation
once: a missing (member, post) pair at the end of the grace period is a lost message, a second one a
duplicate. The poster's own copy (the server sends it back by broadcast) and the ack are timed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.harness import percentile
from bench.load import LOOPBACK, loopback

PREFIX = "bench#"


@dataclass
class Client:
    index: int
    conversation: int
    server: int
    session: str
    ws: Any = None
    closed: int | None = None  # close code when the server closed the socket during the run
    hello: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Post:
    conversation: int
    poster: int  # client index
    server: int
    sent: float
    client_id: str
    acked: float = 0.0
    warmup: bool = False  # checked for loss, not timed


@dataclass
class Tally:
    posts: dict[int, Post] = field(default_factory=dict)  # by the number in the body
    receipts: Counter[tuple[int, int]] = field(default_factory=Counter)  # (post, client) → copies
    cross: list[float] = field(default_factory=list)  # latencies to receivers on the other server
    same: list[float] = field(default_factory=list)  # … on the poster's server (other sockets)
    own: list[float] = field(default_factory=list)  # the poster's own copy
    ack: list[float] = field(default_factory=list)
    # Per second of the run: the latencies of cross-server receipts of the posts sent in that second.
    by_second: dict[int, list[float]] = field(default_factory=dict)
    outstanding: int = 0  # (post, receiver other than the poster) pairs not yet received
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    unknown: int = 0  # messages that are not the bench's (system messages)
    started: float = 0.0
    warmup_seconds: float = 0.0


def _body(n: int, sent: float, chars: int) -> str:
    head = f"{PREFIX}{n}|{sent:.6f}|"
    filler = "代办进度：材料已收齐，明天上午转递窗口。请申请人保持电话畅通。"
    return head + (filler * (chars // len(filler) + 1))[: max(0, chars - len(head))]


async def _reader(client: Client, tally: Tally) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in client.ws:
            received = time.monotonic()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message":
                body = frame["message"].get("body", "")
                if not body.startswith(PREFIX):
                    tally.unknown += 1
                    continue
                n = int(body[len(PREFIX) : body.index("|")])
                post = tally.posts.get(n)
                if post is None:
                    tally.unknown += 1  # another run's
                    continue
                key = (n, client.index)
                tally.receipts[key] += 1
                if tally.receipts[key] > 1:
                    continue  # a duplicate: counted, not timed
                if post.warmup:
                    if client.index != post.poster:
                        tally.outstanding -= 1
                    continue
                elapsed = received - post.sent
                if client.index == post.poster:
                    tally.own.append(elapsed)
                    continue
                tally.outstanding -= 1
                if client.server == post.server:
                    tally.same.append(elapsed)
                else:
                    tally.cross.append(elapsed)
                    second = int(post.sent - tally.started - tally.warmup_seconds)
                    tally.by_second.setdefault(second, []).append(elapsed)
            elif kind == "ack":
                acked = tally.posts.get(int(str(frame.get("client_id", "")).rsplit("-", 1)[-1]))
                if acked is not None and not acked.acked:
                    acked.acked = received
                    if not acked.warmup:
                        tally.ack.append(received - acked.sent)
            elif kind == "read":
                tally.reads += 1
            elif kind == "hello":
                client.hello.set()
            elif kind == "error":
                tally.errors.append(str(frame.get("message", ""))[:200])
    except ConnectionClosed as closed:
        client.closed = closed.rcvd.code if closed.rcvd is not None else 1006


async def _connect(spec: dict[str, Any], client: Client, cases: list[int], timeout: float) -> float:
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    base = spec["servers"][client.server]
    port = urlsplit(base).port
    started = time.monotonic()
    client.ws = await connect(
        f"ws://{LOOPBACK}:{port}" + spec["path"].format(case_id=cases[client.conversation]),
        origin=Origin(f"http://{LOOPBACK}:{port}"),
        additional_headers={"Cookie": f"{spec['cookie_name']}={client.session}"},
        open_timeout=timeout,
        ping_interval=None,  # a minute-long run: keep-alive pings would only add frames
        proxy=None,
    )
    return time.monotonic() - started


async def _loop_lag(samples: list[float]) -> None:
    """How late this process's event loop wakes up from a 10 ms sleep: when it is busy, every receipt
    is timed late by as much, and the figures would be the load generator's, not the server's."""
    while True:
        started = time.monotonic()
        await asyncio.sleep(0.01)
        samples.append(time.monotonic() - started - 0.01)


PERCENTILES = {"p50_ms": 0.5, "p99_ms": 0.99, "max_ms": 1.0}


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0}
    return {"n": len(samples), **{key: percentile(samples, q) for key, q in PERCENTILES.items()}}


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    conversations = spec["conversations"]
    cases = [c["case_id"] for c in conversations]
    clients: list[Client] = []
    members: list[list[int]] = []
    for c, conversation in enumerate(conversations):
        members.append([])
        for member in conversation["members"]:
            members[c].append(len(clients))
            clients.append(Client(len(clients), c, int(member["server"]), member["session"]))
    tally = Tally()
    readers: list[asyncio.Task[None]] = []

    # Connect every socket (a few at a time, as people open their pages) and wait for each hello.
    limit = asyncio.Semaphore(int(spec.get("connect_concurrency", 20)))
    handshakes: list[float] = []
    connect_timeout = float(spec.get("connect_timeout", 60))

    failed: list[str] = []

    async def open_one(client: Client) -> None:
        async with limit:
            started = time.monotonic()
            try:
                await _connect(spec, client, cases, connect_timeout)
                readers.append(asyncio.create_task(_reader(client, tally)))
                await asyncio.wait_for(client.hello.wait(), connect_timeout)
            except Exception as error:  # noqa: BLE001  (reported: every socket must connect)
                failed.append(f"{type(error).__name__}: {error}"[:200])
                client.closed = -1
                return
            handshakes.append(time.monotonic() - started)

    connect_started = time.monotonic()
    await asyncio.gather(*(open_one(client) for client in clients))
    connect_seconds = time.monotonic() - connect_started
    await asyncio.sleep(float(spec.get("settle", 0.5)))  # the last hellos' group joins settle
    lag: list[float] = []
    lag_task = asyncio.create_task(_loop_lag(lag))

    # Posts at a steady rate, round the conversations and round each conversation's members.
    rate, seconds = float(spec["rate"]), float(spec["seconds"])
    warmup = int(rate * float(spec.get("warmup", 0)))  # the first posts warm the servers up, untimed
    total = warmup + int(rate * seconds)
    run_id = secrets.token_hex(3)
    late = 0  # posts sent more than 10 ms after their time (this process could not keep up)
    tally.started = time.monotonic() + 0.2
    tally.warmup_seconds = warmup / rate
    for n in range(total):
        due = tally.started + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.01:
            late += 1
        c = n % len(conversations)
        poster = clients[members[c][(n // len(conversations)) % len(members[c])]]
        if poster.closed is not None:
            continue
        sent = time.monotonic()
        post = Post(c, poster.index, poster.server, sent, f"{run_id}-{n}", warmup=n < warmup)
        tally.posts[n] = post
        tally.outstanding += sum(1 for i in members[c] if i != poster.index and clients[i].closed != -1)
        await poster.ws.send(
            json.dumps(
                {
                    "type": "post",
                    "body": _body(n, sent, int(spec.get("body_chars", 80))),
                    "client_id": post.client_id,
                    "reply_to": None,
                },
                ensure_ascii=False,
            )
        )
    send_seconds = time.monotonic() - tally.started - warmup / rate  # the measured part
    grace_until = time.monotonic() + float(spec.get("grace", 10))
    while time.monotonic() < grace_until and (
        tally.outstanding > 0 or any(p.acked == 0 for p in tally.posts.values())
    ):
        await asyncio.sleep(0.05)
    drained = time.monotonic() - tally.started - warmup / rate - send_seconds
    lag_task.cancel()
    closed = Counter(str(c.closed) for c in clients if c.closed is not None and c.closed != -1)

    for client in clients:
        with contextlib.suppress(Exception):
            await client.ws.close()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    lost = []
    duplicates = 0
    expected = 0
    for n, post in tally.posts.items():
        for index in members[post.conversation]:
            copies = tally.receipts.get((n, index), 0)
            if copies > 1:
                duplicates += copies - 1
            if index == post.poster or clients[index].closed == -1:
                continue  # the poster, or a socket that never connected (reported apart)
            expected += 1
            if copies == 0:
                lost.append((n, index))
    return {
        "clients": len(clients),
        "conversations": len(conversations),
        "connect_failed": len(failed),
        "connect_errors": failed[:3],
        "connect_seconds": round(connect_seconds, 2),
        "handshake": _percentiles(handshakes),
        "posts": sum(not p.warmup for p in tally.posts.values()),
        "warmup_posts": sum(p.warmup for p in tally.posts.values()),
        "posts_late": late,
        "send_seconds": round(send_seconds, 2),
        "drain_seconds": round(drained, 2),
        "rate": round(sum(not p.warmup for p in tally.posts.values()) / send_seconds, 1)
        if send_seconds
        else 0.0,
        "deliveries_expected": expected,
        "lost": len(lost),
        "lost_examples": lost[:5],
        "duplicates": duplicates,
        "unacked": sum(p.acked == 0 for p in tally.posts.values()),
        "own_copies": len(tally.own),
        "reads": tally.reads,
        "errors": len(tally.errors),
        "first_errors": tally.errors[:3],
        "closed_by_server": dict(closed),
        "other_messages": tally.unknown,
        "loop_lag": _percentiles(lag),
        "cross_samples": [round(s, 6) for s in tally.cross],
        "same": _percentiles(tally.same),
        "own": _percentiles(tally.own),
        "ack": _percentiles(tally.ack),
        "cross_by_second": {str(k): _percentiles(v) for k, v in sorted(tally.by_second.items())},
    }


async def _redis_baseline(spec: dict[str, Any], conversations: int) -> dict[str, Any]:
    """Publish at the same rate and message size as the run, to as many channels as conversations, with
    one subscriber per server process subscribed to all of them: publish → receipt, on this clock."""
    import redis.asyncio as aioredis

    url = spec["redis_url"]
    loopback(url, ("redis",))
    rate, seconds = float(spec["rate"]), float(spec["seconds"])
    token = secrets.token_hex(4)
    channels = [f"bench.live.{token}.{c}" for c in range(conversations)]
    publisher = aioredis.Redis.from_url(url)
    subscribers = [aioredis.Redis.from_url(url) for _ in range(int(spec.get("subscribers", 2)))]
    pubsubs = [s.pubsub(ignore_subscribe_messages=True) for s in subscribers]
    for pubsub in pubsubs:
        await pubsub.subscribe(*channels)
    sent: dict[int, float] = {}
    samples: list[float] = []
    received: Counter[int] = Counter()

    async def listen(pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            now = time.monotonic()
            data = message["data"].decode()
            n = int(data[data.index(PREFIX) + len(PREFIX) : data.index("|")])
            received[n] += 1
            samples.append(now - sent[n])

    listeners = [asyncio.create_task(listen(p)) for p in pubsubs]
    # The frame a receiver gets in the real run, so that the payload has the same size.
    template = {
        "type": "message",
        "message": {
            "id": 0, "seq": 0, "kind": "text", "internal": False,
            "author": {"key": "u:0", "name": "代办员 bench_live_000", "role": "staff"},
            "body": "", "reply_to": None, "file": None, "created_at": "2026-01-01T00:00:00+08:00",
        },
    }  # fmt: skip
    started = time.monotonic() + 0.2
    total = int(rate * seconds)
    for n in range(total):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        template["message"]["body"] = _body(n, now, int(spec.get("body_chars", 80)))  # type: ignore[index]
        sent[n] = now
        await publisher.publish(channels[n % len(channels)], json.dumps(template, ensure_ascii=False))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sum(received.values()) < total * len(pubsubs):
        await asyncio.sleep(0.05)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    for pubsub in pubsubs:
        await pubsub.aclose()
    for client in [publisher, *subscribers]:
        await client.aclose()
    return {
        "messages": total,
        "subscribers": len(pubsubs),
        "lost": total * len(pubsubs) - sum(received.values()),
        "samples": [round(s, 6) for s in samples],
    }


async def _main(spec: dict[str, Any]) -> dict[str, Any]:
    for url in spec["servers"]:
        loopback(url)
    result: dict[str, Any] = {}
    if spec.get("baseline"):
        baseline = dict(spec["baseline"], rate=spec["rate"], body_chars=spec.get("body_chars", 80))
        result["baseline"] = await _redis_baseline(baseline, len(spec["conversations"]))
    result |= await _load(spec)
    return result


def run(spec: dict[str, Any]) -> dict[str, Any]:
    try:
        import uvloop
    except ImportError:  # the standard loop works too, with more overhead per frame
        return asyncio.run(_main(spec))
    return uvloop.run(_main(spec))
