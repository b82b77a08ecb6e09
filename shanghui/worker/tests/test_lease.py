"""The lease on running tasks: a task whose worker died runs again, a long task on a live worker is left
alone, and a task that keeps losing its workers is given up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from shanghui.worker.lease import WORKER_LOST, Heartbeat, Lease, sweep, task_interrupted
from shanghui.worker.models import WorkerHeartbeat
from shanghui.worker.tests.tasks import add

LEASE = Lease(seconds=60, max_attempts=3)
NOW = timezone.now()


def running(worker: str, *, started: dt.datetime, earlier: tuple[str, ...] = ()) -> DBTaskResult:
    """A task claimed by `worker` at `started` (after runs by `earlier` workers)."""
    row = DBTaskResult.objects.get(pk=add.enqueue(1, 2).id)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=[*earlier, worker]
    )
    row.refresh_from_db()
    return row


def seen(worker: str, at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(worker_id=worker, defaults={"started_at": at, "seen_at": at})


def status(row: DBTaskResult) -> str:
    row.refresh_from_db()
    return row.status


# The worker's heartbeat thread has a connection of its own: tests that run a worker commit their data.
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_stopped_beating_runs_again_by_the_next_worker():
    # Given a task claimed two minutes ago by a worker last heard of two minutes ago
    row = running("dead", started=NOW - dt.timedelta(minutes=2))
    seen("dead", NOW - dt.timedelta(minutes=2))

    # When a live worker sweeps
    swept = sweep(lease=LEASE, now=NOW, alive="live")

    # Then the task is back in the queue, due now, its first attempt counted
    row.refresh_from_db()
    assert (swept.requeued, swept.failed) == (1, 0)
    assert (row.status, row.run_after, row.worker_ids) == ("READY", NOW, ["dead"])

    # and a worker runs it to the end
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    row.refresh_from_db()
    assert (row.status, row.return_value, len(row.worker_ids)) == ("SUCCESSFUL", 3, 2)


@pytest.mark.django_db
def test_a_long_task_on_a_live_worker_is_left_alone():
    # Given a task running for an hour on a worker that beat a second ago
    row = running("busy", started=NOW - dt.timedelta(hours=1))
    seen("busy", NOW - dt.timedelta(seconds=1))
    # and one claimed a moment ago by a worker that has not beaten yet
    fresh = running("new", started=NOW - dt.timedelta(seconds=5))

    assert (sweep(lease=LEASE, now=NOW, alive="other").requeued, status(row), status(fresh)) == (
        0, "RUNNING", "RUNNING",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_worker_never_takes_back_its_own_task():
    row = running("me", started=NOW - dt.timedelta(hours=1))  # my heartbeat row was lost, I am alive
    assert sweep(lease=LEASE, now=NOW, alive="me").requeued == 0
    assert status(row) == "RUNNING"


@pytest.mark.django_db
def test_a_restarted_worker_with_the_same_id_takes_back_what_its_earlier_process_left():
    # Given a worker restarted under the same --worker-id just after being killed (its heartbeat fresh)
    row = running("w1", started=NOW - dt.timedelta(seconds=10))
    seen("w1", NOW - dt.timedelta(seconds=2))

    # When the new process starts
    Heartbeat("w1", LEASE).first_sweep(now=NOW)

    # Then the task is queued again at once
    assert status(row) == "READY"


@pytest.mark.django_db(transaction=True)
def test_a_task_that_keeps_losing_its_workers_is_given_up_and_reported():
    # Given a task whose third worker died too (TASK_MAX_ATTEMPTS = 3)
    row = running("third", started=NOW - dt.timedelta(minutes=5), earlier=("first", "second"))
    finished: list[Any] = []

    def receiver(sender: object, task_result: Any, **kwargs: Any) -> None:
        finished.append(task_result)

    task_finished.connect(receiver)
    try:
        swept = sweep(lease=LEASE, now=NOW, alive="live")
    finally:
        task_finished.disconnect(receiver)

    # Then it failed with a clear error instead of going round for ever, and its listeners heard of it
    row.refresh_from_db()
    assert (swept.requeued, swept.failed, row.status, row.finished_at) == (0, 1, "FAILED", NOW)
    assert row.exception_class_path == WORKER_LOST
    assert "each of its 3 attempts" in row.traceback
    assert [(r.id, r.status, r.errors[0].exception_class_path) for r in finished] == [
        (str(row.pk), "FAILED", WORKER_LOST),
    ]  # fmt: skip
    # and no worker runs it again
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    assert status(row) == "FAILED"


@pytest.mark.django_db
def test_finished_rows_and_other_workers_rows_are_untouched_by_a_stale_view():
    # A row that finished between the sweep's read and its update is not put back.
    row = running("dead", started=NOW - dt.timedelta(minutes=2))
    DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
    assert sweep(lease=LEASE, now=NOW, alive="live").requeued == 0
    assert status(row) == "SUCCESSFUL"


@pytest.mark.django_db
def test_task_interrupted_tells_a_cut_off_run(settings):
    settings.TASK_LEASE_SECONDS = 60
    now = timezone.now()
    queued = DBTaskResult.objects.get(pk=add.enqueue(1, 1).id)
    on_live = running("alive", started=now - dt.timedelta(hours=1))
    seen("alive", now)
    on_dead = running("gone", started=now - dt.timedelta(minutes=5))
    seen("gone", now - dt.timedelta(minutes=5))
    requeued = running("gone", started=now - dt.timedelta(minutes=5))
    DBTaskResult.objects.filter(pk=requeued.pk).update(status=TaskResultStatus.READY)

    assert [task_interrupted(str(r.pk), now=now) for r in (queued, on_live, on_dead, requeued)] == [
        False, False, True, True,
    ]  # fmt: skip
    assert task_interrupted("") is False and task_interrupted("not-a-task") is False


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_during_a_task_and_goes_away_with_the_worker():
    # Given a worker's heartbeat, beating every 0.2 s
    heartbeat = Heartbeat("beating", Lease(seconds=1, max_attempts=3))
    heartbeat.start()
    try:
        first = WorkerHeartbeat.objects.get(worker_id="beating").seen_at
        # Then it is renewed while the main thread does something else (here: waits)
        deadline = timezone.now() + dt.timedelta(seconds=30)
        while WorkerHeartbeat.objects.get(worker_id="beating").seen_at == first:
            assert timezone.now() < deadline, "the heartbeat was never renewed"
            heartbeat._stop.wait(0.1)
    finally:
        heartbeat.stop()
    # and a clean exit removes it, so nothing waits for this worker's lease
    assert not WorkerHeartbeat.objects.filter(worker_id="beating").exists()
