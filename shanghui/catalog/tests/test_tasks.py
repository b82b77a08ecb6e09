"""The import runs as a django-tasks task, enqueued after the upload's transaction commits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanghui.catalog.models import ImportJob, ServiceItem
from shanghui.catalog.tasks import import_catalogue
from shanghui.catalog.tests.factories import csv_bytes

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = IMMEDIATE


def test_upload_runs_the_import_task_after_commit(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.fed_admin)
    data = csv_bytes([["衢州市公安局", "未分类", "居民身份证办理", "T-1", "20"]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalog:import_start"),
            {"file": SimpleUploadedFile("目录.csv", data), "mode": "all", "owner": world.city.pk},
        )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("catalog:import_job", args=[job.pk])
    assert (job.status, job.created_count, job.processed_rows, job.total_rows) == ("succeeded", 1, 1, 1)
    assert job.finished_at is not None
    assert ServiceItem.objects.get().department == world.dept


def test_the_task_reports_the_job(world):
    job = ImportJob.objects.create(original_name="a.csv", owner=world.city, created_by=world.fed_admin)
    job.file.save("a.csv", SimpleUploadedFile("a.csv", b""))
    result = import_catalogue.enqueue(job.pk)
    assert result.return_value == {"job_id": job.pk, "status": "failed", "created": 0, "updated": 0}
    job.refresh_from_db()
    assert job.errors == [{"row": 0, "column": "", "value": "", "message": "文件是空的"}]
