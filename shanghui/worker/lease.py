"""Leases on running tasks: a task whose worker died runs again, and one that keeps killing its workers
is given up.

django-tasks-db's worker claims a READY row (SKIP LOCKED), marks it RUNNING with `started_at` and its
worker id appended to `worker_ids`, runs it and marks it SUCCESSFUL or FAILED. A worker killed in the
middle (kill -9, out of memory, a power cut) leaves the row RUNNING for ever: nothing picks RUNNING rows.
The project's worker (`shanghui db_worker`, management/commands/db_worker.py) adds:

* a heartbeat: a thread of each worker process rewrites its `WorkerHeartbeat.seen_at` every
  `Lease.beat_seconds` for as long as the process lives, so a long task is never taken for a dead one;
* a sweep, run by every live worker at start and at every beat: a RUNNING row started more than
  TASK_LEASE_SECONDS ago whose last worker has not been seen for TASK_LEASE_SECONDS is put back to READY
  (`run_after` = now) — the task runs again, at least once in all;
* attempts: each claim appends a worker id, so `len(worker_ids)` counts the runs. A row whose
  TASK_MAX_ATTEMPTS-th worker died too is marked FAILED (`WorkerLost`) instead of being put back, logged
  as an error, and `task_finished` is sent as for any failed task (the catalogue marks its import failed).

A task run twice must not do its work twice: every task checks and records what it did under a lock
(docs/architecture.md, "Background tasks"). Clocks of the machines running workers must agree to within
a few seconds (NTP): the lease compares times written by different processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from shanghui.worker.models import WorkerHeartbeat

logger = logging.getLogger("shanghui.worker")

# Heartbeats of workers gone this long are deleted (a missing heartbeat counts as a dead worker).
FORGET_AFTER = dt.timedelta(days=1)


class WorkerLost(Exception):
    """The error recorded on a task given up because its workers died TASK_MAX_ATTEMPTS times."""


WORKER_LOST = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


@dataclass(frozen=True)
class Lease:
    seconds: float
    max_attempts: int

    @classmethod
    def from_settings(cls) -> Lease:
        return cls(seconds=settings.TASK_LEASE_SECONDS, max_attempts=settings.TASK_MAX_ATTEMPTS)

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.seconds)

    @property
    def beat_seconds(self) -> float:
        """Six beats a lease (at most every 10 s): a worker is given up only after several missed ones."""
        return min(10.0, max(0.2, self.seconds / 6))


@dataclass
class Swept:
    requeued: int = 0
    failed: int = 0


def sweep(*, lease: Lease, now: dt.datetime | None = None, alive: str = "", orphans_of: str = "") -> Swept:
    """Put back the RUNNING rows whose worker is gone; fail those that have used up their attempts.

    `alive`: the sweeping worker, whose own rows are never touched (it is running them). `orphans_of`: the
    id of a worker that is just starting: rows still marked with it were left by an earlier process that
    had the same id (`--worker-id`), whatever their age and whatever its heartbeat says."""
    now = now or timezone.now()
    cutoff = now - lease.duration
    # Few rows: one per busy worker, plus the dead ones (a partial index keeps this cheap, migration 0002).
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
            "id", "worker_ids", "started_at", "task_path"
        )
    )
    swept = Swept()
    if running:
        # Read after the rows: a worker that claimed one of them had written its heartbeat before.
        live = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
        for pk, worker_ids, started_at, task_path in running:
            last = worker_ids[-1] if worker_ids else ""
            orphan = bool(orphans_of) and last == orphans_of
            if not orphan and (last == alive or last in live or (started_at and started_at >= cutoff)):
                continue
            _give_back(pk, worker_ids, started_at, task_path, lease=lease, now=now, swept=swept)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return swept


def _give_back(
    pk: uuid.UUID | str, worker_ids: list[str], started_at: dt.datetime | None, task_path: str, *, lease: Lease,
    now: dt.datetime, swept: Swept,
) -> None:  # fmt: skip
    # Only the run we looked at: a row finished or claimed again since is left alone.
    same_run = DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING)
    same_run = (
        same_run.filter(started_at=started_at) if started_at else same_run.filter(started_at__isnull=True)
    )
    attempts = len(worker_ids)
    last = worker_ids[-1] if worker_ids else "?"
    if attempts < lease.max_attempts:
        if same_run.update(status=TaskResultStatus.READY, run_after=now):
            swept.requeued += 1
            logger.warning(
                "task id=%s path=%s: worker %s stopped during attempt %s; queued to run again",
                pk, task_path, last, attempts,
            )  # fmt: skip
        return
    message = (
        f"{WORKER_LOST}: the worker running this task stopped during each of its {attempts} attempts "
        f"(the last one, {last}, started at {started_at and started_at.isoformat()}); "
        "not retried again (TASK_MAX_ATTEMPTS)\n"
    )
    given_up = same_run.update(
        status=TaskResultStatus.FAILED, finished_at=now, return_value=None, exception_class_path=WORKER_LOST,
        traceback=message,
    )  # fmt: skip
    if not given_up:
        return
    swept.failed += 1
    logger.error("task id=%s path=%s given up: %s", pk, task_path, message.strip())
    row = DBTaskResult.objects.get(pk=pk)
    try:
        task_result = row.task_result
        sender = type(row.task.get_backend())
    except (ImportError, SuspiciousOperation):
        return  # the task no longer exists: nobody to tell
    try:
        task_finished.send(sender=sender, task_result=task_result)
    except Exception:  # a receiver's failure must not stop the sweep (nor the worker)
        logger.exception("task id=%s: a task_finished receiver failed", pk)


def task_interrupted(task_id: str, *, now: dt.datetime | None = None) -> bool:
    """Whether a task's last run was cut off and it waits to run again: its worker is gone (the sweep
    has not come yet) or it was put back in the queue after that. False for a task this backend does not
    store, for one running on a live worker, waiting for its first run or finished."""
    if not task_id:
        return False
    try:
        row = DBTaskResult.objects.filter(pk=task_id).values_list("status", "worker_ids").first()
    except (ValidationError, ValueError):
        return False
    if row is None:
        return False
    status, worker_ids = row
    if status == TaskResultStatus.READY:
        return bool(worker_ids)
    if status != TaskResultStatus.RUNNING or not worker_ids:
        return False
    cutoff = (now or timezone.now()) - Lease.from_settings().duration
    return not WorkerHeartbeat.objects.filter(worker_id=worker_ids[-1], seen_at__gte=cutoff).exists()


class Heartbeat:
    """The heartbeat and the sweep of one worker process, in a thread of their own (with their own
    database connection) so that they go on while the worker runs a long task."""

    def __init__(self, worker_id: str, lease: Lease) -> None:
        self.worker_id = worker_id
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id}", daemon=True)

    def start(self) -> None:
        """In the worker's main thread, before its first claim: the first sweep, the first beat, then the
        thread."""
        now = timezone.now()
        self.first_sweep(now=now)
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
            },
        )
        self._thread.start()

    def first_sweep(self, *, now: dt.datetime | None = None) -> Swept:
        """Rows left by an earlier process with this worker's id, and any other dead worker's, go back to
        the queue (a batch worker then runs them too)."""
        swept = sweep(lease=self.lease, now=now, alive=self.worker_id, orphans_of=self.worker_id)
        if swept.requeued or swept.failed:
            logger.info(
                "worker %s: %s task(s) queued again, %s given up", self.worker_id, swept.requeued, swept.failed
            )  # fmt: skip
        return swept

    def beat(self) -> None:
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(seen_at=now):
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now,
                          "seen_at": now},
            )  # fmt: skip

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.lease.beat_seconds):
                try:
                    self.beat()
                    sweep(lease=self.lease, alive=self.worker_id)
                except DatabaseError as exc:
                    # The database is away or locked (SQLite, during a long write): try again next beat.
                    logger.warning("worker %s: heartbeat failed: %s", self.worker_id, exc)
                    connection.close()
                except Exception:
                    logger.exception("worker %s: heartbeat failed", self.worker_id)
        finally:
            connection.close()

    def stop(self) -> None:
        """A clean exit: the heartbeat goes at once, so nothing waits for this worker's lease."""
        self._stop.set()
        if self._thread.is_alive():
            # A beat may be waiting for SQLite's write lock (busy timeout 20 s).
            self._thread.join(timeout=self.lease.beat_seconds + 30)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("worker %s: could not remove its heartbeat", self.worker_id)
