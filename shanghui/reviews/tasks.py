"""The reminder of a step past its due time: enqueued when the step starts, to run at its due time;
safe to run twice (the step is re-checked and flagged under its row lock)."""

from __future__ import annotations

from django_tasks import task


@task()
def check_step(step_id: int, due_iso: str) -> bool:
    from shanghui.reviews.services import flag_step

    return flag_step(step_id, due_iso)
