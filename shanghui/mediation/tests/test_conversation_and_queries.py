"""The dispute's conversation (the shared engine, through the owner registered in MediationConfig.ready):
the mediators and the committee's admins take part and read internal notes, the parties take part on
the phone without them, everyone else is refused. And the list and statistics pages read a fixed number
of queries however many disputes there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shanghui.conversations import services as conversations
from shanghui.lib.owners import Viewer
from shanghui.mediation import services
from shanghui.mediation.owner import DISPUTE
from shanghui.mediation.tests.conftest import APPLICANT_MOBILE, STRANGER_MOBILE
from shanghui.mediation.workflow import COMMITTEE


def test_the_conversation_keeps_internal_notes_from_the_parties(med: Any) -> None:
    d = med.new()
    services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator)
    mediator = Viewer(user=med.mediator)
    conversation, access = conversations.open_for(DISPUTE, d.pk, mediator)
    assert access.post and access.internal
    conversations.post_message(conversation=conversation, viewer=mediator, body="请双方准备证据")
    conversations.post_message(
        conversation=conversation, viewer=mediator, body="申请人底线约十万", internal=True
    )

    party = Viewer(mobile=APPLICANT_MOBILE)
    _c, party_access = conversations.open_for(DISPUTE, d.pk, party)
    assert party_access.post and not party_access.internal
    assert [m.body for m in conversations.visible(conversation, party_access)] == ["请双方准备证据"]
    _c, admin_access = conversations.open_for(DISPUTE, d.pk, Viewer(user=med.med_admin))
    assert len(conversations.visible(conversation, admin_access)) == 2
    for stranger in (Viewer(user=med.outsider), Viewer(user=med.chamber_admin), Viewer(user=med.mediator2),
                     Viewer(mobile=STRANGER_MOBILE)):  # fmt: skip
        with pytest.raises(Http404):
            conversations.open_for(DISPUTE, d.pk, stranger)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/mediation/", "/mediation/stats/"])
def test_list_and_statistics_read_a_fixed_number_of_queries(med: Any, url: str) -> None:
    client = Client()
    client.force_login(med.med_admin)
    med.new()
    few = _queries(client, url)
    for _ in range(6):
        med.new()
    assert _queries(client, url) == few
