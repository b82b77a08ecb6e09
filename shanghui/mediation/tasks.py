"""The dispute's deadline checks (declared in clocks.py, run by the workflow kernel). A second run
knows: the kernel re-checks the clock and its due time under the dispute's row lock, the overdue event
is written once per clock and due time (clocks.escalate looks for it first), and notifications are
keyed (dispute:<id>:<clock>:<due>:<stage>), which the outbox writes once."""

from __future__ import annotations

from django_tasks import task

from shanghui.mediation.clocks import DEADLINES


@task()
def check_deadline(dispute_id: int, clock: str, due_iso: str, stage: str) -> bool:
    return DEADLINES.check_now(dispute_id, clock, due_iso, stage)
