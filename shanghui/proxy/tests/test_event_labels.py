"""The case timeline's vocabulary (workflow.MACHINE: the table's actions and create / rate / overdue):
each event has its label, in one place, and the staff page, the API and the citizen's page show it;
an event outside the vocabulary is refused before anything is written."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.proxy.citizen_views import CITIZEN_WORDING, TIMELINE_ACTIONS
from shanghui.proxy.models import CaseEvent
from shanghui.proxy.workflow import MACHINE, TRANSITIONS

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_event_of_the_timeline_has_a_chinese_label() -> None:
    assert set(MACHINE.event_labels) == {*TRANSITIONS, "create", "rate", "overdue"}
    for action, label in MACHINE.event_labels.items():
        assert CHINESE.search(label), action
        assert MACHINE.event_label(action) == label
    assert all(MACHINE.event_label(a) == t.label for a, t in TRANSITIONS.items())
    assert set(CITIZEN_WORDING) <= TIMELINE_ACTIONS <= set(MACHINE.event_labels)


def test_an_event_outside_the_vocabulary_is_refused_and_nothing_is_written(pw: SimpleNamespace) -> None:
    case = pw.submitted()
    before = list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True))

    with pytest.raises(ValueError, match="reminder"):
        MACHINE.record_event(case, action="reminder", actor_kind="system", created_at=timezone.now())

    assert list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True)) == before


def _every_event(pw: SimpleNamespace) -> Any:
    """A case whose timeline holds one event of every action of the vocabulary."""
    case = pw.new_case()
    written = {"create"}
    for action in MACHINE.event_labels:
        if action not in written:
            MACHINE.record_event(
                case, action=action, from_status=case.status, to_status=case.status, actor=None,
                actor_kind="system", created_at=timezone.now(),
            )  # fmt: skip
    return case


def test_the_staff_page_and_the_api_name_every_event_by_its_label(
    client: Client, pw: SimpleNamespace
) -> None:
    case = _every_event(pw)
    client.force_login(pw.agent)

    html = client.get(f"/cases/{case.pk}/").content.decode()
    api = client.get(f"/api/v1/cases/{case.pk}").json()  # the session signs API reads in too

    shown = dict(re.findall(r'data-action="([^"]+)">\s*<span class="fw-semibold">([^<]+)</span>', html))
    assert shown == MACHINE.event_labels
    assert {e["action"]: e["label"] for e in api["events"]} == MACHINE.event_labels


def test_the_citizen_sees_the_steps_in_their_own_words(client: Client, pw: SimpleNamespace) -> None:
    case = _every_event(pw)
    session = client.session
    session[CITIZEN_SESSION_KEY] = pw.applicant.mobile
    session[VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    session.save()

    html = client.get(f"/my/cases/{case.pk}/").content.decode()

    shown = re.findall(r'data-testid="timeline-label">([^<]+)<', html)
    written = ["create", *(a for a in MACHINE.event_labels if a != "create")]
    steps = [a for a in written if a in TIMELINE_ACTIONS]
    assert shown == [CITIZEN_WORDING.get(a) or MACHINE.event_label(a) for a in steps]
    assert shown[0] == "填写申请" and MACHINE.event_label("overdue") not in shown  # an internal event
