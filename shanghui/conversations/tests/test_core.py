"""The conversation core on a proxy case: who reads, who posts, ordering, internal notes, idempotency."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from shanghui.conversations import services
from shanghui.conversations.models import Message
from shanghui.lib.owners import Viewer
from shanghui.proxy.owner import PROXY_CASE


def test_status_changes_appear_as_system_messages_in_order(pw):
    case = pw.case_in("forwarded")
    conversation, access = services.open_for(PROXY_CASE, case.pk, Viewer(user=pw.agent))

    messages, more = services.history(conversation, access)

    assert not more
    assert [m.kind for m in messages] == [Message.Kind.SYSTEM, Message.Kind.SYSTEM]
    assert [m.seq for m in messages] == [1, 2]
    assert "提交申请" in messages[0].body and "转递" in messages[1].body


def test_the_citizen_never_sees_an_internal_note_and_cannot_write_one(pw):
    case = pw.submitted()
    citizen = Viewer(mobile=case.applicant_mobile)
    conversation, _ = services.open_for(PROXY_CASE, case.pk, Viewer(user=pw.agent))
    services.post_message(
        conversation=conversation, viewer=Viewer(user=pw.agent), body="材料待核", internal=True
    )
    services.post_message(conversation=conversation, viewer=Viewer(user=pw.agent), body="您好，已收到")

    conversation, access = services.open_for(PROXY_CASE, case.pk, citizen)
    bodies = [m.body for m in services.history(conversation, access)[0]]

    assert "您好，已收到" in bodies and "材料待核" not in bodies
    assert services.unread_count(conversation, citizen, access) == 1
    with pytest.raises(PermissionDenied):
        services.post_message(conversation=conversation, viewer=citizen, body="x", internal=True)


def test_outsiders_and_other_numbers_cannot_open_the_conversation(pw):
    case = pw.submitted()
    for viewer in (Viewer(user=pw.outsider), Viewer(user=pw.agent_b), Viewer(mobile="13900000000"), Viewer()):
        with pytest.raises(Http404):
            services.open_for(PROXY_CASE, case.pk, viewer)


def test_a_resent_post_is_stored_once_and_empty_posts_are_refused(pw):
    case = pw.submitted()
    citizen = Viewer(mobile=case.applicant_mobile)
    conversation, _ = services.open_for(PROXY_CASE, case.pk, citizen)

    first = services.post_message(conversation=conversation, viewer=citizen, body="请问进度", client_id="c-1")
    again = services.post_message(conversation=conversation, viewer=citizen, body="请问进度", client_id="c-1")

    assert first.pk == again.pk
    assert Message.objects.filter(conversation=conversation, kind=Message.Kind.TEXT).count() == 1
    with pytest.raises(ValidationError):
        services.post_message(conversation=conversation, viewer=citizen, body="   ")


def test_a_supervisor_reads_and_speaks_only_after_joining(pw):
    case = pw.submitted()
    supervisor = Viewer(user=pw.fed_staff)
    conversation, access = services.open_for(PROXY_CASE, case.pk, supervisor)
    assert access.read and access.can_join and not access.post
    with pytest.raises(PermissionDenied):
        services.post_message(conversation=conversation, viewer=supervisor, body="请加快办理")

    services.join(conversation=conversation, viewer=supervisor)
    services.join(conversation=conversation, viewer=supervisor)  # joining again changes nothing

    message = services.post_message(conversation=conversation, viewer=supervisor, body="请加快办理")
    bodies = [
        m.body for m in services.history(conversation, services.access_for(conversation, supervisor))[0]
    ]
    assert message.seq == 3 and bodies[1:] == [f"督办 {pw.fed_staff.display_name} 加入了会话", "请加快办理"]
