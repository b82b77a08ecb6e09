"""The example programme (example.py) gets the kernel's generated tests, its clock and its conversation:
what every later programme gets for declaring a table, a clock and an owner."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.http import Http404

from shanghui.conversations import services as conversations
from shanghui.lib import owners
from shanghui.lib.owners import Viewer
from shanghui.lib.workdays import end_of_day
from shanghui.testing.clock import Clock
from shanghui.workdays import calendar
from shanghui.workflow.machine import SYSTEM
from shanghui.workflow.testing import Walks
from shanghui.workflow.tests.example import (
    CLOCKS,
    HELPER,
    MACHINE,
    REQUESTER,
    Errand,
    ErrandOwner,
)  # fmt: skip


@pytest.fixture
def errands(world: SimpleNamespace) -> SimpleNamespace:
    calendar.seed_from_package()
    calendar.invalidate()
    world.requester, world.helper = world.chamber_staff, world.agent
    world.new = lambda: Errand.objects.create(requester=world.requester, helper=world.helper)
    return world


WALKS = Walks(
    machine=MACHINE,
    fixture="errands",
    actor_kinds=(REQUESTER, HELPER, SYSTEM),
    paths={"draft": [], "open": ["open"], "done": ["open", "finish"], "cancelled": ["cancel"]},
    new=lambda w: w.new(),
    actor_for=lambda w, kind: {REQUESTER: w.requester, HELPER: w.helper}.get(kind),
    params_for=lambda w, action: {"result": "已代买并送达"} if action == "finish" else {},
)
(
    test_an_allowed_action_moves_the_record_and_writes_one_event,
    test_every_refused_action_raises_and_changes_nothing,
    test_an_action_without_its_required_inputs_is_refused,
    test_the_table_reaches_every_status_and_final_ones_have_no_way_out,
) = WALKS.tests(final={Errand.Status.DONE, Errand.Status.CANCELLED})


def test_opening_starts_the_clock_on_working_days_and_finishing_stops_it_on_time(
    errands: SimpleNamespace, clock: Clock
) -> None:
    # Given an errand opened on Wednesday 30 September 2026, before the National Day holiday
    opened = dt.datetime(2026, 9, 30, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    errand = errands.new()
    clock.set(opened)
    errand = MACHINE.transition(pk=errand.pk, action="open", actor=errands.requester, actor_kind=REQUESTER)

    # Then two working days end on Friday 9 October (1–8 October are holidays; Sunday the 11th works)
    assert errand.due_at == end_of_day(dt.date(2026, 10, 9))
    assert CLOCKS.running(errand) == ("reply", opened, errand.due_at)
    assert Errand.objects.filter(CLOCKS.overdue_q(opened + dt.timedelta(days=10))).get() == errand
    assert not Errand.objects.filter(CLOCKS.overdue_q(opened)).exists()

    # When the helper finishes on the 9th, the clock stops, on time
    finished = opened + dt.timedelta(days=9)
    clock.set(finished)
    errand = MACHINE.transition(
        pk=errand.pk, action="finish", actor=errands.helper, actor_kind=HELPER, params={"result": "办好了"}
    )
    assert CLOCKS.running(errand) == ("", None, None)
    assert [(s.key, s.state) for s in CLOCKS.states(errand, finished)] == [("reply", "按时完成")]


def test_the_errand_owns_a_conversation_only_its_two_people_see(errands: SimpleNamespace) -> None:
    owners.register("workflow.errand", ErrandOwner())
    errand = errands.new()
    conversation, access = conversations.open_for(
        "workflow.errand", errand.pk, Viewer(user=errands.requester)
    )
    assert access.post

    conversations.post_message(
        conversation=conversation, viewer=Viewer(user=errands.requester), body="明天能办吗？"
    )

    _conv, helper_access = conversations.open_for("workflow.errand", errand.pk, Viewer(user=errands.helper))
    assert [m.body for m in conversations.visible(conversation, helper_access)] == ["明天能办吗？"]
    for stranger in (errands.outsider, errands.fed_admin):
        with pytest.raises(Http404):
            conversations.open_for("workflow.errand", errand.pk, Viewer(user=stranger))
