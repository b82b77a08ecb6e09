"""The background job of an import: run a queued job to its end, safely again after a crash, or give
it up when its task will not run again."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import ImportJob
from shanghui.catalog.transfer.columns import ImportFileError, map_header
from shanghui.catalog.transfer.importing import ImportResult, _lock_running, finish_job, import_records
from shanghui.catalog.transfer.reading import MAX_FILE_BYTES, read_table

logger = logging.getLogger("shanghui.catalog.importer")


UNFINISHED = [ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
INTERNAL_ERROR = "导入时发生内部错误，没有导入任何数据，请联系系统管理员"
WORKER_LOST = "导入任务多次中断（任务进程停止），没有导入任何数据；请重新上传，如仍不成功请联系系统管理员"


def run_import(job_id: int, *, task_id: str = "") -> ImportJob:
    """Run a queued import job to its end (the background task calls this; tests may call it directly).

    Safe to run again after a crash at any point, as the task worker does once a dead worker's lease has
    run out (shanghui/worker/lease.py): nothing is written before the one transaction that writes the
    items, the audit row and the job's outcome, so a job left 导入中 starts over from its file (progress
    from zero); a finished job is left as it is; and of two runs at once only the first to commit writes
    (each checks the job under its row lock). `task_id` is the task running it, for the job page."""
    # Claim the job, or claim it again after a run that died: never one that finished.
    claimed = ImportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ImportJob.Status.RUNNING, processed_rows=0, task_id=task_id
    )
    job = ImportJob.objects.select_related("owner", "created_by").get(pk=job_id)
    if not claimed:
        return job

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done)

    try:
        with job.file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        table = read_table(data)
        mapping = map_header(table.header)
        ImportJob.objects.filter(pk=job_id).update(total_rows=len(table.rows))
        records = (
            (number, {key: cells[index] if index < len(cells) else "" for index, key in mapping.items()})
            for number, cells in table.rows
        )
        result = import_records(
            records, total=len(table.rows), owner=job.owner, actor=job.created_by, mode=job.mode, job=job,
            progress=progress,
        )  # fmt: skip
        file_error = ""
    except ImportFileError as exc:
        result, file_error = ImportResult(), str(exc)
    except Exception:
        logger.exception("catalogue import %s failed", job_id)
        result, file_error = ImportResult(), INTERNAL_ERROR
    if not result.applied and not result.superseded:
        job.refresh_from_db(fields=["total_rows"])
        result.total_rows = result.total_rows or job.total_rows
        _finish_unapplied(job, result, file_error=file_error)
    job.refresh_from_db()
    return job


def _finish_unapplied(
    job: ImportJob,
    result: ImportResult,
    *,
    file_error: str = "",
    statuses: Sequence[str] = (ImportJob.Status.RUNNING,),
) -> bool:
    with transaction.atomic():
        if not _lock_running(job.pk, statuses):
            return False
        finish_job(job, result, file_error=file_error)
        record(
            actor=job.created_by, action=AuditAction.CATALOG_IMPORT, obj=job,
            detail={"owner_id": job.owner_id, "mode": job.mode, "rows": result.total_rows,
                    "error_rows": result.error_rows, "applied": False},
        )  # fmt: skip
    return True


def give_up(job_id: int, *, worker_lost: bool) -> bool:
    """The job's task failed and will not run again: a job it left unfinished is marked failed (nothing
    of it was written), so its page stops saying 导入中. Returns whether it did so."""
    job = ImportJob.objects.select_related("owner", "created_by").filter(pk=job_id).first()
    if job is None or job.status not in UNFINISHED:
        return False
    result = ImportResult(total_rows=job.total_rows)
    message = WORKER_LOST if worker_lost else INTERNAL_ERROR
    return _finish_unapplied(job, result, file_error=message, statuses=UNFINISHED)
