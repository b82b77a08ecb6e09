"""A notice's result becomes final when its period ends, if every objection has been answered (else a
manager finalises it once they are): enqueued when the notice opens, to run at its end."""

from __future__ import annotations

from django_tasks import task


@task()
def finalise_when_due(notice_id: int) -> bool:
    from shanghui.publicity.models import Notice
    from shanghui.publicity.services import finalise
    from shanghui.workflow.machine import Conflict

    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        return False
    try:
        finalise(notice=notice, actor=None, expected_status=Notice.Status.OPEN)
    except Conflict:
        return False
    return True
