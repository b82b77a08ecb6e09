"""What every benchmark part shares: the throwaway PostgreSQL database, Django in this process, the real
server (`shanghui serve`: uvicorn with several worker processes and the task worker) in child processes,
the load generator process (bench/load.py), peak memory from /proc, and percentiles.

Nothing here talks to anything but 127.0.0.1 and the bench's own databases (names ending in "_bench").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.load import LOOPBACK

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shanghui_bench"


# --- Databases ----------------------------------------------------------------------------------------


def bench_database_url(env: dict[str, str] | None = None) -> str:
    """BENCH_DATABASE_URL, else the PostgreSQL server of DATABASE_URL with the database "shanghui_bench",
    else the local server. Never the database DATABASE_URL names: the bench drops what it uses."""
    env = dict(os.environ if env is None else env)
    if env.get("BENCH_DATABASE_URL"):
        return env["BENCH_DATABASE_URL"]
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return with_database(url, "shanghui_bench")
    return DEFAULT_DATABASE_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _check_bench_name(url: str) -> str:
    name = database_name(url)
    if not name.endswith("_bench") and "_bench_" not in name:
        raise SystemExit(f"refusing to drop or create {name!r}: bench databases are named *_bench")
    return name


def _admin_connection(url: str) -> Any:
    import psycopg

    return psycopg.connect(
        with_database(url, "postgres").replace("postgres://", "postgresql://", 1), autocommit=True
    )


def recreate_database(url: str) -> None:
    name = _check_bench_name(url)
    with _admin_connection(url) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = _check_bench_name(url)
    with _admin_connection(url) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        with _admin_connection(url) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001  (any failure means: not usable)
        return str(error).strip().splitlines()[0]
    return None


def setup_django(url: str) -> None:
    """Django in this process, on the bench database (must run before anything imports Django models)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanghui.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def redis_url() -> str:
    """REDIS_URL as set, else the local Redis (database 14, the bench's) when one answers, else ""."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, 6379), timeout=0.5) as sock:
        sock.sendall(b"PING\r\n")
        if sock.recv(16).startswith(b"+PONG"):
            return f"redis://{LOOPBACK}:6379/14"
    return ""


# --- Logins ------------------------------------------------------------------------------------------


def login_sessions(users: list[Any]) -> list[str]:
    """A logged-in session per user, written where the server reads sessions (the database), in one
    insert; their keys, for the session cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expires = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows = []
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "shanghui.accounts.backends.UsernameOrMobileBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
    Session.objects.bulk_create(rows)
    return [row.session_key for row in rows]


# --- Processes and memory --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MiB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) the process has used so far, in seconds; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


@dataclass
class Server:
    """`shanghui serve` on 127.0.0.1 and a free port: uvicorn with `workers` processes and (unless
    `task_worker` is False) the task worker, as in production, against `database_url`."""

    database_url: str
    workers: int = 2
    task_worker: bool = True
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = RESULTS / "server.log"

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 90) -> None:
        self.port = free_port()
        env = dict(os.environ) | self.env | {"DATABASE_URL": self.database_url, "LOG_LEVEL": "WARNING"}
        command = [
            sys.executable, "-m", "shanghui", "serve", "--host", LOOPBACK, "--port", str(self.port),
            "--workers", str(self.workers),
        ]  # fmt: skip
        if not self.task_worker:
            command.append("--no-worker")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603  (our interpreter, our arguments)
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}); see {self.log_path}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response,  # noqa: S310
            ):
                if response.status == 200 and len(self.web_workers()) >= self.workers:
                    return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s; see {self.log_path}")

    def _descendants(self) -> list[int]:
        if self.process is None:
            return []
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            for child in _children(pid):
                found.append(child)
                todo.append(child)
        return found

    def web_workers(self) -> list[int]:
        # uvicorn's worker processes are started by multiprocessing's spawn.
        return [pid for pid in self._descendants() if "spawn_main" in _cmdline(pid)]

    def task_workers(self) -> list[int]:
        return [pid for pid in self._descendants() if "db_worker" in _cmdline(pid)]

    def peak_memory(self) -> dict[str, list[float]]:
        return {
            "web_workers_mb": [m for m in map(peak_rss_mb, self.web_workers()) if m is not None],
            "task_workers_mb": [m for m in map(peak_rss_mb, self.task_workers()) if m is not None],
        }

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # `serve` passes SIGTERM on to uvicorn and the task worker and waits for both.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run_load(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run the load generator (bench/load.py) in its own process with `spec`; its JSON result."""
    if urlsplit(spec["base_url"]).hostname != LOOPBACK:
        raise ValueError("the load generator only targets 127.0.0.1")
    completed = subprocess.run(  # noqa: S603  (our interpreter, our module)
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


# --- Figures ------------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of samples in seconds, in milliseconds."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index] * 1000, 2)


def latency(samples: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
    }


def timed(call: Any, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


# --- The table ----------------------------------------------------------------------------------------


@dataclass
class Line:
    """One row of the printed table."""

    part: str
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""

    def as_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class Context:
    """What the parts share during one run."""

    quick: bool
    server: Server
    cookies: dict[str, str]
    world: Any
    database_url: str


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def ratio(value: float, base: float) -> str:
    """value ÷ base; with three decimals when it is under 0.1, so that small ratios keep two digits."""
    if not base:
        return "—"
    r = value / base
    return f"{r:.3f}×" if r < 0.1 else f"{r:.2f}×"
