"""The demo's conversations: talk between the steps of a case's story, internal notes for staff only,
times that follow the numbering, and nothing added by a second run."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management.base import OutputWrapper
from django.utils import timezone

from shanghui.conversations import services
from shanghui.conversations.models import Conversation, Message
from shanghui.demo.loader import Demo
from shanghui.lib.owners import Viewer
from shanghui.proxy import conversation_demo as conversations_demo
from shanghui.proxy.models import CaseEvent
from shanghui.proxy.owner import PROXY_CASE


def run(out: io.StringIO) -> Demo:
    demo = Demo(stdout=OutputWrapper(out), password=None, reset_passwords=False)
    conversations_demo.load(demo)
    return demo


def test_the_demo_tells_a_believable_conversation_once(pw):
    pw.point_a.name = conversations_demo.POINT
    pw.point_a.save(update_fields=["name"])
    forwarded = pw.case_in("forwarded")
    waiting = pw.submitted()
    for case in (forwarded, waiting):  # a story over the last days, as the demo's cases have
        events = list(case.events.order_by("created_at", "pk"))
        for age, event in enumerate(reversed(events), start=1):
            CaseEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - dt.timedelta(days=age))
    # The demo's cases are written without the workflow: no conversation yet.
    Conversation.objects.all().delete()

    first = run(io.StringIO())
    second = run(io.StringIO())

    assert first.created[conversations_demo.LABEL] > 0 and second.created[conversations_demo.LABEL] == 0
    conversation = services.conversation_for(PROXY_CASE, forwarded.pk)
    messages = list(Message.objects.filter(conversation=conversation).order_by("seq"))
    times = [m.created_at for m in messages]
    assert times == sorted(times)
    kinds = [(m.kind, m.author_role) for m in messages]
    assert kinds[0] == ("system", "system") and ("text", "citizen") in kinds and ("text", "staff") in kinds
    assert any(m.internal for m in messages) and any(m.reply_to_id for m in messages)
    assert any(m.author_id == pw.clerk.pk for m in messages)  # the window speaks once the case is forwarded

    citizen = Viewer(mobile=forwarded.applicant_mobile)
    visible, _more = services.history(conversation, services.access_for(conversation, citizen))
    assert not any(m.internal for m in visible)
    assert Message.objects.filter(conversation__owner_id=waiting.pk, kind="text").exists()
