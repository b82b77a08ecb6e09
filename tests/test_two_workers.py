"""Two task workers (real `shanghui db_worker` processes) on the same due rows: each task runs once, and
each effect happens once.

What more task workers rely on (docs/performance.md, "Scale-out"): the package's worker claims a READY
row with `SELECT … FOR UPDATE SKIP LOCKED`, so two workers polling the same queue never take the same
row; the deadline checks lock the case and key what they write; the outbox's delivery claims its rows the
same way. Here twelve submitted cases have their pre-review warning and overdue check come due at once
(24 check rows), two workers are started side by side and both told of them at the same moment, and
then every check row has run exactly once (one claim in its `worker_ids`), both workers took part, each
case's reminder and escalation reached each person once, the overdue event is on each timeline once,
and every in-app notification the checks queued was delivered once.

PostgreSQL only: SKIP LOCKED is what lets two workers share a queue. SQLite has no row locks (a writer
locks the whole file), so there the workers would only take turns, which proves nothing about sharing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shanghui.notify.models import Notification, OutboxMessage
from shanghui.proxy.models import CaseEvent
from shanghui.worker.models import WorkerHeartbeat
from tests.test_task_crash import database_url, submitted, with_id_card_item

pytestmark = pytest.mark.django_db(transaction=True)

CHECK = "shanghui.proxy.tasks.check_deadline"
CASES = 12
WORKERS = ("two-workers-a", "two-workers-b")


def _wait(condition: Any, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    output = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
    raise AssertionError(f"timed out waiting for {what}\n{output}")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two workers share a queue through SELECT … FOR UPDATE SKIP LOCKED, which "
    "SQLite has not (a writer locks the whole database file, so workers only take turns)",
)
def test_two_workers_on_the_same_due_rows_run_each_task_once(
    world: SimpleNamespace, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with_id_card_item(world)
    # Given twelve submitted cases, each with its pre-review warning and overdue check queued for later
    cases = [submitted(world) for _ in range(CASES)]
    checks = DBTaskResult.objects.filter(task_path=CHECK)
    assert checks.count() == 2 * CASES
    assert not checks.filter(run_after__lte=timezone.now()).exists()
    # (the delivery runs the submissions queued have nothing for the workers to race over: done here)
    DBTaskResult.objects.exclude(task_path=CHECK).delete()
    OutboxMessage.objects.all().delete()

    # and two workers running side by side,
    env = {
        **os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": settings.MEDIA_ROOT, "REDIS_URL": "",
        "NOTIFY_EXTERNAL_ENABLED": "false", "LOG_LEVEL": "INFO",
    }  # fmt: skip
    logs = [tmp_path / f"{name}.log" for name in WORKERS]
    processes = []
    for name, log in zip(WORKERS, logs, strict=True):
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(  # noqa: S603  (our interpreter, our command)
                    [
                        sys.executable,
                        "-m",
                        "shanghui",
                        "db_worker",
                        "--worker-id",
                        name,
                        "--interval",
                        "0.05",
                        "--no-startup-delay",
                        "--no-reload",
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=django_settings.BASE_DIR,
                )  # fmt: skip
            )
    try:
        _wait(lambda: WorkerHeartbeat.objects.filter(worker_id__in=WORKERS).count() == 2, 120,
              "both workers to start", logs)  # fmt: skip
        # When every check comes due at the same moment
        checks.update(run_after=timezone.now())

        def idle() -> bool:  # nothing due (read afresh each time: the checks queue delivery runs) or running
            running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
            return not DBTaskResult.objects.ready().exists() and not running.exists()

        _wait(idle, 240, "the workers to run every due task", logs)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    output = "\n".join(log.read_text(errors="replace") for log in logs)

    # Then every check ran once, successfully, claimed by one worker only
    rows = list(checks)
    assert len(rows) == 2 * CASES
    assert {r.status for r in rows} == {TaskResultStatus.SUCCESSFUL}, output
    assert all(len(r.worker_ids) == 1 for r in rows), [r.worker_ids for r in rows]
    # and both workers took part
    by_worker = Counter(r.worker_ids[0] for r in rows)
    assert set(by_worker) == set(WORKERS), by_worker
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists(), output
    # each case's reminder reached its agent once, its escalation each person once, its timeline once
    for case in cases:
        warned = Counter(
            Notification.objects.filter(title=f"办件{case.number}即将超期").values_list(
                "user__username", flat=True
            )
        )
        assert warned == {"agent": 1}
        escalated = Counter(
            Notification.objects.filter(title=f"办件{case.number}已超期").values_list(
                "user__username", flat=True
            )
        )
        assert escalated == {"agent": 1, "dept_admin": 1, "fed_admin": 1}
        assert CaseEvent.objects.filter(case=case, action="overdue").count() == 1
    # and every in-app notification the checks queued was delivered once, by one of the two workers
    in_app = OutboxMessage.objects.filter(channel="in_app")
    assert in_app.count() == 4 * CASES
    assert set(in_app.values_list("state", flat=True)) == {"sent"}
    assert Notification.objects.count() == in_app.count()
