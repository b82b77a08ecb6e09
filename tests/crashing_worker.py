"""Test-only (tests/test_task_crash.py): real task workers that SIGKILL themselves at chosen points.

    python -m tests.crashing_worker        (DATABASE_URL, CRASH_PLAN and CRASH_MARKS in the environment)

Loads Django once, then forks one worker process after another. Each runs this project's
`db_worker --batch` and kills itself with SIGKILL — no clean-up, no `finally`, as kill -9 or the
out-of-memory killer would — at the first point of the plan it reaches that has not fired yet. After a
kill the next worker starts once TASK_LEASE_SECONDS have passed, so that it finds the dead worker's task
to run again. The script exits with the status of the first worker that finishes its batch.

CRASH_PLAN is a JSON list of points, each firing once, taken in order for each task:

    {"task": "<the task's module path>", "args": [values among its arguments], "at": "<moment>"}

with the moments
    "commit"  the task's first COMMIT (in the worker's main thread): killed inside its transaction;
    "done"    the task has returned, its row is not yet marked SUCCESSFUL: all it did is committed;
    "sent"    a provider took an outbox row (`notify.tasks._sent`, before the row is recorded as sent),
              for the row's "channel" if the point names one.
CRASH_MARKS is a directory where a point that fired leaves a file named by its index (the dead process
cannot report it otherwise).

Nothing here is imported by the product: the points are patched in this process only.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanghui.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.backends.base.base import BaseDatabaseWrapper  # noqa: E402
from django_tasks.signals import task_finished, task_started  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from shanghui.notify import tasks as notify_tasks  # noqa: E402

PLAN: list[dict[str, Any]] = json.loads(os.environ["CRASH_PLAN"])
MARKS = Path(os.environ["CRASH_MARKS"])
armed: dict[str, Any] = {}


def _fired(index: int) -> bool:
    return (MARKS / str(index)).exists()


def _arm(sender: object, task_result: Any, **kwargs: Any) -> None:
    armed.clear()
    path, args = task_result.task.module_path, list(task_result.args)
    for index, point in enumerate(PLAN):
        if point["task"] == path and all(a in args for a in point.get("args", [])) and not _fired(index):
            armed.update(point, index=index)
            return


def _disarm(sender: object, task_result: Any, **kwargs: Any) -> None:
    armed.clear()


def _reached(moment: str, **details: Any) -> None:
    if armed.get("at") != moment or any(armed.get(k, v) != v for k, v in details.items()):
        return
    mark = MARKS / str(armed["index"])
    with mark.open("w") as f:
        f.write(json.dumps(armed))
        f.flush()
        os.fsync(f.fileno())
    print(f"crashing_worker: SIGKILL at {moment} of {armed['task']} {armed.get('args', '')}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


_commit = BaseDatabaseWrapper.commit
_set_successful = DBTaskResult.set_successful
_sent = notify_tasks._sent


def commit(self: BaseDatabaseWrapper) -> None:
    if threading.current_thread() is threading.main_thread():
        _reached("commit")
    _commit(self)


def set_successful(self: DBTaskResult, return_value: Any) -> None:
    _reached("done")
    _set_successful(self, return_value)


def sent(message: Any, provider_id: str, now: Any) -> str:
    _reached("sent", channel=message.channel)
    return _sent(message, provider_id, now)


def _worker() -> int:
    BaseDatabaseWrapper.commit = commit  # type: ignore[method-assign]
    DBTaskResult.set_successful = set_successful  # type: ignore[method-assign]
    notify_tasks._sent = sent
    task_started.connect(_arm)
    task_finished.connect(_disarm)
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=1)
        return 0
    except SystemExit as exc:
        return int(exc.code or 0)
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def main() -> int:
    MARKS.mkdir(parents=True, exist_ok=True)
    for _ in range(len(PLAN) + 3):
        connections.close_all()  # the children open their own
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os._exit(_worker())
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            # The dead worker's heartbeat must be older than the lease for its task to be run again.
            time.sleep(float(os.environ.get("TASK_LEASE_SECONDS", "60")) + 0.5)
            continue
        return os.waitstatus_to_exitcode(status)
    print("crashing_worker: more workers killed than the plan has points", flush=True)
    return 3


if __name__ == "__main__":
    sys.exit(main())
