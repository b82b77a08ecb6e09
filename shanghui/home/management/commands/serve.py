"""`shanghui serve`: the production-style stack in the foreground, as two child processes:

- uvicorn serving shanghui.asgi:application (HTTP and WebSocket), and
- the django-tasks database worker (`shanghui db_worker`) that runs background tasks.

SIGINT (Ctrl-C) and SIGTERM are passed on to both; when either child exits, the other is stopped
and the command exits, saying which one it was. Several machines: run `serve --no-worker` on web
machines and `shanghui db_worker` wherever tasks should run.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

# How long children get to finish after being asked to stop (a task in progress, open WebSockets)
# before they are killed.
STOP_TIMEOUT = 30
# uvicorn closes open connections after this many seconds of a graceful shutdown.
WEB_GRACEFUL_SECONDS = 10
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec (Linux): if `serve` itself is killed outright (SIGKILL, OOM), the
    child gets SIGTERM instead of living on and holding the port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    def __init__(self, label: str, args: list[str]) -> None:
        self.label = label
        # Its own process group: a Ctrl-C in the terminal reaches only `serve`, which passes it on
        # once, to the whole group (uvicorn's worker processes, the worker's autoreloader child).
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            args,
            process_group=0,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def send(self, signum: int) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def wait(self, deadline: float) -> int | None:
        try:
            return self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None


class Command(BaseCommand):
    help = "前台运行 Shanghui+：uvicorn（网页与 WebSocket）和任务进程（db_worker）；Ctrl-C 同时停止两者。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；所有网卡：0.0.0.0）"
        )
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--workers", type=int, default=1, help="uvicorn 工作进程数（默认 1）")
        parser.add_argument("--reload", action="store_true", help="开发用：代码改动后自动重启网页和任务进程")
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动任务进程（任务进程在别的机器上运行时）"
        )
        parser.add_argument("--queues", default="*", help="任务进程处理的队列，逗号分隔（默认 *：全部队列）")

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        workers: int = options["workers"]
        if not 0 < port < 65536:
            raise CommandError(f"端口无效：{port}")
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        if options["reload"] and workers > 1:
            raise CommandError("--reload 只能与单个工作进程一起使用（去掉 --workers）")
        self._check_static_files()
        self.check_migrations()
        self._check_allowed_host(host)

        verbosity = str(options["verbosity"])
        web = [
            sys.executable, "-m", "uvicorn", "shanghui.asgi:application", "--host", host, "--port", str(port),
            "--app-dir", str(settings.BASE_DIR), "--lifespan", "off",
            "--timeout-graceful-shutdown", str(WEB_GRACEFUL_SECONDS),
        ]  # fmt: skip
        if options["reload"]:
            web += ["--reload", "--reload-include", "*.html"]
            for folder in ("shanghui", "templates"):
                web += ["--reload-dir", str(Path(settings.BASE_DIR) / folder)]
        else:
            web += ["--workers", str(workers)]
        worker = [
            sys.executable, "-m", "shanghui", "db_worker", "--queue-name", options["queues"],
            "--reload" if options["reload"] else "--no-reload", "--verbosity", verbosity,
        ]  # fmt: skip

        self.stdout.write(self.style.SUCCESS(f"Shanghui+ 正在启动：{_url(host, port)}"))
        if host in {"0.0.0.0", "::"}:  # noqa: S104  (describing the option, not binding)
            self.stdout.write("（监听所有网卡，其他机器用本机的地址访问）")
        self.stdout.write("Ctrl-C 停止。")
        self.stdout.flush()  # before the children's output
        self._supervise(
            [("网页服务（uvicorn）", web)]
            + ([] if options["no_worker"] else [("任务进程（db_worker）", worker)])
        )

    def _check_static_files(self) -> None:
        if not isinstance(staticfiles_storage, ManifestFilesMixin):
            return
        manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
        if manifest.exists():
            return
        message = f"静态文件尚未收集（找不到 {manifest}）：请先运行 shanghui collectstatic"
        if settings.DEBUG:
            # With DEBUG, the manifest storage serves unhashed names and WhiteNoise finds the files itself.
            self.stderr.write(self.style.WARNING(message))
        else:
            raise CommandError(message)

    def _check_allowed_host(self, host: str) -> None:
        if host in {"0.0.0.0", "::"} or "*" in settings.ALLOWED_HOSTS:  # noqa: S104
            return
        if host not in settings.ALLOWED_HOSTS:
            self.stderr.write(
                self.style.WARNING(f"ALLOWED_HOSTS 中没有 {host}：用这个地址访问将得到 400 Bad Request。")
            )

    def _supervise(self, commands: list[tuple[str, list[str]]]) -> None:
        children: list[Child] = []
        received: list[int] = []

        def forward(signum: int, frame: Any) -> None:
            received.append(signum)
            for child in children:
                child.send(signum)

        previous = {signum: signal.signal(signum, forward) for signum in _FORWARDED}
        try:
            for label, args in commands:
                if received:
                    break  # asked to stop while starting: the ones already started got the signal
                children.append(Child(label, args))
            exited = self._wait_for_first_exit(children, received)
            if exited is not None:
                code = exited.process.returncode
                others = "、".join(c.label for c in children if c is not exited)
                self.stderr.write(
                    self.style.ERROR(f"{exited.label}已退出（退出码 {code}）")
                    + (f"，正在停止{others}……" if others else "")
                )
                for child in children:
                    child.send(signal.SIGTERM)
            else:
                self.stdout.write(f"收到 {signal.Signals(received[0]).name}，正在停止……")
                self.stdout.flush()
            self._stop(children)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if exited is not None:
            sys.exit(exited.process.returncode or 1)

    @staticmethod
    def _wait_for_first_exit(children: list[Child], received: list[int]) -> Child | None:
        """The child that exited first, or None when a signal asked everything to stop."""
        while not received:
            for child in children:
                if child.process.poll() is not None:
                    return child
            time.sleep(0.2)
        return None

    def _stop(self, children: list[Child]) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            if child.wait(deadline) is None:
                self.stderr.write(self.style.WARNING(f"{child.label} {STOP_TIMEOUT} 秒内未退出，强制结束"))
                child.send(signal.SIGKILL)
                child.process.wait()


def _url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)  # noqa: S104
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"
