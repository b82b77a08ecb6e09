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
