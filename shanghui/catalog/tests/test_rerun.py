"""An import's task may run again after its worker died (shanghui/worker/lease.py): the job starts over
and is written once; its page tells the truth meanwhile; a task given up leaves the job failed, not
导入中 for ever. (tests/test_task_crash.py kills real workers in the middle of imports.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shanghui.audit.models import AuditEntry
from shanghui.catalog.models import ImportJob, ItemVersion, ServiceItem
from shanghui.catalog.tasks import import_catalogue
from shanghui.catalog.tests.factories import csv_bytes
from shanghui.catalog.transfer import jobs as importer
from shanghui.catalog.transfer.jobs import run_import
from shanghui.worker.lease import Lease, sweep
from shanghui.worker.models import WorkerHeartbeat

ROWS = [
    ["衢州市公安局", "", "居民身份证办理", "RR-1", "20"],
    ["衢州市市场监管局", "", "食品经营许可", "RR-2", "1"],
    ["衢州市公安局", "", "坏行", "RR-3", "3"],
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def job_for(
    world: Any, rows: list[list[str]], mode: str = ImportJob.Mode.GOOD_ROWS, **fields: Any
) -> ImportJob:
    job = ImportJob(
        original_name="目录.csv", owner=world.city, created_by=world.fed_admin, mode=mode, **fields
    )
    job.file.save("目录.csv", SimpleUploadedFile("目录.csv", csv_bytes(rows)), save=False)
    job.save()
    return job


def audit_rows(job: ImportJob) -> int:
    return AuditEntry.objects.filter(action="catalog.import", object_id=str(job.pk)).count()


@pytest.mark.django_db
def test_a_job_left_running_by_a_dead_worker_starts_over_and_imports_once(world):
    # Given a job whose worker died while checking its rows (导入中, a third of the way)
    job = job_for(world, ROWS, status="running", total_rows=3, processed_rows=1)

    # When its task runs again
    job = run_import(job.pk, task_id="t-2")

    # Then the whole file is imported, once, with the right counts
    assert (job.status, job.created_count, job.processed_rows, job.task_id) == ("succeeded", 2, 3, "t-2")
    assert [e["row"] for e in job.errors] == [4]
    assert ServiceItem.objects.filter(code__startswith="RR-").count() == 2
    assert ItemVersion.objects.filter(item__code__startswith="RR-").count() == 2
    assert audit_rows(job) == 1
    # and a later run (the task's row not yet marked done when the worker died) changes nothing
    assert run_import(job.pk).status == "succeeded" and audit_rows(job) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [ImportJob.Mode.GOOD_ROWS, ImportJob.Mode.ALL_OR_NOTHING])
def test_of_two_runs_at_once_only_the_first_to_finish_writes(world, monkeypatch, mode):
    # Given a job, and a second run of it that finishes while the first is still checking rows (a
    # worker wrongly taken for dead)
    job = job_for(world, ROWS, mode=mode)
    real = importer.import_records
    runs: list[int] = []

    def records_then_overtaken(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        if len(runs) == 1:
            run_import(job.pk)  # the other run, start to finish
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "import_records", records_then_overtaken)

    # When the first run finishes too
    job = run_import(job.pk)

    # Then the job was written by one of them: items once, one outcome, one audit row
    expected = ("succeeded", 2) if mode == ImportJob.Mode.GOOD_ROWS else ("failed", 0)
    assert (job.status, job.created_count) == expected
    assert ServiceItem.objects.filter(code__startswith="RR-").count() == expected[1]
    assert audit_rows(job) == 1
    assert len(runs) == 2


@pytest.mark.django_db
def test_an_import_task_given_up_after_its_workers_died_marks_the_job_failed(client, world):
    # Given an import task whose fifth worker died in the middle of the job
    job = job_for(world, ROWS, status="running", total_rows=3)
    task_id = import_catalogue.enqueue(job.pk).id
    ImportJob.objects.filter(pk=job.pk).update(task_id=task_id)
    DBTaskResult.objects.filter(pk=task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=5),
        worker_ids=["w1", "w2", "w3", "w4", "w5"],
    )  # fmt: skip

    # When a live worker's sweep gives the task up
    assert sweep(lease=Lease(seconds=60, max_attempts=5), alive="live").failed == 1

    # Then the job says so, with nothing imported, and its page stops polling
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("failed", 0)
    assert job.errors[0]["message"] == importer.WORKER_LOST
    assert audit_rows(job) == 1 and not ServiceItem.objects.filter(code__startswith="RR-").exists()
    client.force_login(world.fed_admin)
    html = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "导入任务多次中断" in html and "hx-trigger" not in html


@pytest.mark.django_db
def test_the_job_page_says_when_the_run_was_cut_off(client, world, settings):
    settings.TASK_LEASE_SECONDS = 60
    job = job_for(world, ROWS, status="running", total_rows=3, processed_rows=1)
    task_id = import_catalogue.enqueue(job.pk).id
    ImportJob.objects.filter(pk=job.pk).update(task_id=task_id)
    DBTaskResult.objects.filter(pk=task_id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=["w1"]
    )
    client.force_login(world.fed_admin)

    def stage() -> str:
        html = client.get(reverse("catalog:import_job", args=[job.pk]), headers={"HX-Request": "true"})
        return html.content.decode()

    # While its worker beats, the job is being read and checked
    WorkerHeartbeat.objects.create(worker_id="w1", started_at=timezone.now(), seen_at=timezone.now())
    assert "正在读取和校验" in stage()
    # once the worker is gone, the page says the import was cut off and will start over, still polling
    WorkerHeartbeat.objects.filter(worker_id="w1").update(seen_at=timezone.now() - dt.timedelta(minutes=2))
    html = stage()
    assert "导入被中断" in html and 'hx-trigger="every 1s"' in html
    # and an outsider still sees nothing
    client.force_login(world.outsider)
    assert client.get(reverse("catalog:import_job", args=[job.pk])).status_code == 404
