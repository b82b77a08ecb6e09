"""Load generator mode "actions" (bench/load.py runs it in its own process): concurrent clients performing
workflow actions, either through the API or, for the baseline, as the bare transaction in psycopg.

spec["kind"] == "http": one asyncio task per client, each with its own keep-alive HTTP/1.1 connection to
127.0.0.1 and its own API token, posting `POST /api/v1/cases/{id}/actions/{action}` for each case of its
own list, one after the other (a client waits for its answer before the next request). Every answer must
be 200; anything else is counted as an error and its first few bodies are kept.

    {"kind": "http", "base_url": "http://127.0.0.1:PORT", "seconds": 20, "requests": 12000,
     "clients": [{"token": "shp_…", "cases": [[case_id, action, expected_status, params], …]}, …]}

spec["kind"] == "psycopg": the baseline. The same number of clients, each with its own database connection,
each doing for the cases of its own list (cycling through them until the time is up):

    BEGIN; SELECT … FROM proxy_case WHERE id = %s FOR UPDATE; UPDATE proxy_case SET status, window_id,
    forwarded_at, acceptance_due_at, updated_at; INSERT INTO proxy_caseevent … RETURNING id;
    INSERT INTO notify_outboxmessage …; COMMIT

The outbox rows are written as already sent (same columns and indexes, nothing for the task worker to
deliver afterwards). The clients are threads spread over `processes` processes (one Python process
alone would measure its own interpreter lock, not the database).

    {"kind": "psycopg", "dsn": "postgresql://…@127.0.0.1/…", "seconds": 8, "processes": 2,
     "clients": [[[case_id, window_id, proxy_point_id], …], …]}

Both return {"samples": [seconds per action], "statuses": {code: n}, "errors": n, "first_errors": […],
"elapsed": seconds from the first request to the last answer, "done": n, "rate": done / elapsed}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import threading
import time
from collections import Counter
from typing import Any

from bench.load import LOOPBACK, loopback

KEPT_ERRORS = 5


def run(spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("kind") == "psycopg":
        return baseline(spec)
    return asyncio.run(_http(spec))


def _result(samples: list[float], statuses: Counter[Any], errors: list[str], n_errors: int,
            elapsed: float) -> dict[str, Any]:  # fmt: skip
    done = sum(statuses.values())
    return {
        "samples": samples,
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": n_errors,
        "first_errors": errors[:KEPT_ERRORS],
        "elapsed": elapsed,
        "done": done,
        "rate": done / elapsed if elapsed > 0 else 0.0,
    }


# --- HTTP ------------------------------------------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the server keeps the connection open) of one HTTP/1.1 response."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = -1, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    if chunked:
        body = bytearray()
        while True:
            size = int((await reader.readline()).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readline()  # the blank line after the last chunk (no trailers sent)
                break
            body += await reader.readexactly(size)
            await reader.readline()
        return status, bytes(body), keep
    if length >= 0:
        return status, await reader.readexactly(length), keep
    return status, await reader.read(), False


async def _http(spec: dict[str, Any]) -> dict[str, Any]:
    port = loopback(spec["base_url"]).port or 80
    host = f"{LOOPBACK}:{port}"
    budget = int(spec.get("requests", 10**9))
    seconds = float(spec.get("seconds", 60))
    samples: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    counts = {"errors": 0, "issued": 0}
    connections = [await asyncio.open_connection(LOOPBACK, port) for _ in spec["clients"]]
    started = time.perf_counter()
    deadline = started + seconds
    finished = [started]

    async def client(index: int, token: str, cases: list[list[Any]]) -> None:
        reader, writer = connections[index]
        try:
            for case_id, action, expected, params in cases:
                if time.perf_counter() >= deadline or counts["issued"] >= budget:
                    break
                counts["issued"] += 1
                body = json.dumps(
                    {"expected_status": expected, "note": "", "params": params}, separators=(",", ":")
                ).encode()
                head = (
                    f"POST /api/v1/cases/{case_id}/actions/{action} HTTP/1.1\r\nHost: {host}\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    f"Accept-Encoding: identity\r\nContent-Length: {len(body)}\r\n\r\n"
                )
                begun = time.perf_counter()
                writer.write(head.encode() + body)
                status, answer, keep = await _read_response(reader)
                ended = time.perf_counter()
                samples.append(ended - begun)
                finished[0] = max(finished[0], ended)
                statuses[status] += 1
                if status != 200:
                    counts["errors"] += 1
                    if len(errors) < KEPT_ERRORS:
                        errors.append(
                            f"{status} {action} case {case_id}: {answer[:300].decode(errors='replace')}"
                        )
                if not keep:
                    writer.close()
                    reader, writer = await asyncio.open_connection(LOOPBACK, port)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
            counts["errors"] += 1
            if len(errors) < KEPT_ERRORS:
                errors.append(f"client {index}: {error!r}")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    await asyncio.gather(*(client(i, c["token"], c["cases"]) for i, c in enumerate(spec["clients"])))
    return _result(samples, statuses, errors, counts["errors"], finished[0] - started)


# --- The baseline: the bare transaction in psycopg -----------------------------------------------------

LOCK = "SELECT id, status, proxy_point_id, department_id, home_region_code FROM proxy_case WHERE id = %s FOR UPDATE"
UPDATE = (
    "UPDATE proxy_case SET status = 'forwarded', window_id = %s, forwarded_at = now(),"
    " acceptance_due_at = now() + interval '2 days', forward_tracking_number = '', updated_at = now()"
    " WHERE id = %s"
)
EVENT = (
    "INSERT INTO proxy_caseevent (case_id, action, from_status, to_status, actor_id, actor_kind, note, data,"
    " created_at) VALUES (%s, 'forward', %s, 'forwarded', NULL, 'agent', '', %s, now()) RETURNING id"
)
OUTBOX = (
    "INSERT INTO notify_outboxmessage (key, channel, event, recipient_id, address, config_id, organisation_id,"
    " title, body, url, template, params, subject, state, attempts, next_attempt_at, attempt_started_at,"
    " last_error, provider_id, created_at, sent_at) VALUES (%s, 'sms', 'case.forward', NULL, '13800000000',"
    " NULL, %s, %s, '', '', 'case_update', %s, %s, 'sent', 0, now(), NULL, '', '', now(), now())"
)  # written as sent: the task worker must not deliver the baseline's rows during the next measurement


def _baseline_process(
    dsn: str, lists: list[list[list[int]]], ready: Any, start: Any, deadline_at: Any, out: Any
) -> None:
    """Threads of one process, one connection each; sends back (samples, errors, first errors, end,
    connections opened). A connection the server refuses (max_connections) is one client fewer."""
    import psycopg

    samples: list[float] = []
    errors: list[str] = []
    n_errors = [0]
    lock = threading.Lock()
    connections, mine_lists = [], []
    for cases in lists:
        try:
            connections.append(psycopg.connect(dsn, autocommit=False))
            mine_lists.append(cases)
        except psycopg.Error as error:
            n_errors[0] += 1
            errors.append(f"connect: {str(error).strip()[:200]}")

    def client(conn: Any, cases: list[list[int]]) -> None:
        mine: list[float] = []
        with conn.cursor() as cursor:
            n = 0
            while time.monotonic() < deadline_at.value:
                case_id, window_id, point_id = cases[n % len(cases)]
                n += 1
                begun = time.perf_counter()
                try:
                    cursor.execute(LOCK, (case_id,))
                    row = cursor.fetchone()
                    cursor.execute(UPDATE, (window_id, case_id))
                    cursor.execute(
                        EVENT, (case_id, row[1] if row else "", json.dumps({"window_id": window_id}))
                    )
                    event = cursor.fetchone()
                    event_id = event[0] if event else 0
                    cursor.execute(
                        OUTBOX,
                        (f"bench:case:{case_id}:event:{event_id}:sms", point_id, f"办件{case_id}：预审通过并转递",
                         json.dumps({"number": str(case_id), "status": "已转递"}), f"proxy.case:{case_id}"),
                    )  # fmt: skip
                    conn.commit()
                except Exception as error:  # noqa: BLE001  (counted and reported, the run goes on)
                    conn.rollback()
                    with lock:
                        n_errors[0] += 1
                        if len(errors) < KEPT_ERRORS:
                            errors.append(repr(error)[:300])
                    continue
                mine.append(time.perf_counter() - begun)
        with lock:
            samples.extend(mine)

    ready.wait(timeout=120)  # every process has its connections open
    start.wait(timeout=120)
    threads = [
        threading.Thread(target=client, args=(c, cases))
        for c, cases in zip(connections, mine_lists, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = time.monotonic()
    for conn in connections:
        conn.close()
    out.send((samples, n_errors[0], errors, ended, len(connections)))
    out.close()


def baseline(spec: dict[str, Any]) -> dict[str, Any]:
    dsn = spec["dsn"]
    loopback(dsn, ("postgres", "postgresql"))
    lists: list[list[list[int]]] = spec["clients"]
    processes = max(1, min(int(spec.get("processes", 2)), len(lists)))
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes + 1)
    start = context.Event()
    deadline_at = context.Value("d", 0.0)
    workers, pipes = [], []
    for p in range(processes):
        receive, send = context.Pipe(duplex=False)
        share = lists[p::processes]
        worker = context.Process(target=_baseline_process, args=(dsn, share, ready, start, deadline_at, send))
        worker.start()
        workers.append(worker)
        pipes.append(receive)
    ready.wait(timeout=120)  # the connections are opened before the clock starts
    started = time.monotonic()
    deadline_at.value = started + float(spec.get("seconds", 5))
    start.set()
    samples: list[float] = []
    errors: list[str] = []
    n_errors = 0
    ended = started
    opened = 0
    for pipe, worker in zip(pipes, workers, strict=True):
        part, part_errors, first, part_ended, part_opened = pipe.recv()
        worker.join()
        samples += part
        n_errors += part_errors
        errors += first
        ended = max(ended, part_ended)
        opened += part_opened
    statuses: Counter[str] = Counter({"commit": len(samples)})
    return {**_result(samples, statuses, errors, n_errors, ended - started), "connections": opened}
