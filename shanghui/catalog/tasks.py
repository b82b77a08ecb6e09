"""Background work of the catalogue: imports run in the task worker (`shanghui db_worker`).

An import task may run more than once (its worker died; shanghui/worker/lease.py): `run_import` starts
the job over and writes it once. When the task fails for good, the job is marked failed here.
"""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, TaskResult, TaskResultStatus, task
from django_tasks.signals import task_finished

from shanghui.catalog.transfer.jobs import give_up, run_import
from shanghui.worker.lease import WORKER_LOST


@task(takes_context=True)
def import_catalogue(context: TaskContext, job_id: int) -> dict[str, Any]:
    job = run_import(job_id, task_id=str(context.task_result.id))
    return {
        "job_id": job.pk,
        "status": job.status,
        "created": job.created_count,
        "updated": job.updated_count,
    }


def _import_task_finished(sender: object, task_result: TaskResult, **kwargs: Any) -> None:
    if task_result.status != TaskResultStatus.FAILED:
        return
    try:
        if task_result.task.module_path != import_catalogue.module_path:
            return
    except ImportError:
        return
    worker_lost = any(error.exception_class_path == WORKER_LOST for error in task_result.errors)
    give_up(task_result.args[0], worker_lost=worker_lost)


def connect_signals() -> None:
    task_finished.connect(_import_task_finished, dispatch_uid="catalog.import_task_finished")
