"""Enqueueing a task as part of the change that needs it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_change(task: Task[..., Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` with the current transaction's change.

    With the database backend the task's row is written in the caller's transaction: the task exists if
    and only if the change committed, and no crash between the commit and the enqueue can lose it (an
    `on_commit` enqueue would be lost with a process killed in between). Other backends (the immediate
    one in tests) would run the task inside the transaction: there it is enqueued after commit."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


# One task to enqueue: the task (with its options, e.g. `task.using(run_after=…)`), its args and kwargs.
Call = tuple[Task[..., Any], tuple[Any, ...], dict[str, Any]]


def enqueue_together(calls: list[Call]) -> None:
    """Enqueue several tasks in the caller's transaction, as `task.enqueue()` each would, with the rows
    of the database backend written in one INSERT (what a workflow action enqueues: its delivery run and
    its clock's checks). Each task is validated and announced (`task_enqueued`) as the backend's own
    enqueue does; tasks of other backends are enqueued one by one."""
    from django_tasks.signals import task_enqueued
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    rows: list[tuple[DatabaseBackend, DBTaskResult]] = []
    for task, args, kwargs in calls:
        backend = task.get_backend()
        if not isinstance(backend, DatabaseBackend):
            task.enqueue(*args, **kwargs)
            continue
        backend.validate_task(task)
        # As DatabaseBackend._task_to_db_task writes it (and its pre_save handler sets run_after).
        row: DBTaskResult = DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": list(args), "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=backend.alias,
        )
        rows.append((backend, row))
    if not rows:
        return
    DBTaskResult.objects.bulk_create([row for _backend, row in rows])
    for backend, row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)
