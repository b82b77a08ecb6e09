"""Background work of the catalogue: imports run in the task worker (`shanghui db_worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from shanghui.catalog.importer import run_import


@task()
def import_catalogue(job_id: int) -> dict[str, Any]:
    job = run_import(job_id)
    return {
        "job_id": job.pk,
        "status": job.status,
        "created": job.created_count,
        "updated": job.updated_count,
    }
