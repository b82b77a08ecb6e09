"""The test kit does what it says: case_in walks through the real workflow, the clock stays where it is
put, the outbox holds what was sent, persons hold the roles given."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shanghui.orgs.models import Membership, Role
from shanghui.proxy import otp
from shanghui.proxy.models import CaseEvent
from shanghui.proxy.workflow import APPLICANT
from shanghui.testing.cases import PATHS
from shanghui.testing.clock import Clock
from shanghui.testing.personas import person, superuser
from shanghui.testing.sms import SmsOutbox
from shanghui.workflow.testing import status_of


@pytest.mark.parametrize("state", list(PATHS))
def test_case_in_walks_a_fresh_case_through_the_workflow(pw: SimpleNamespace, state: str) -> None:
    case = pw.case_in(state)

    assert case.status == status_of(state)
    events = CaseEvent.objects.filter(case=case).order_by("pk")
    assert list(events.values_list("action", flat=True)) == ["create", *PATHS[state]]
    assert case.materials.count() == 1


def test_case_in_takes_inputs_actors_and_the_case_s_own_fields(pw: SimpleNamespace) -> None:
    case = pw.case_in(
        "delivered",
        params={"accept": {"acceptance_number": "KC-9"}, "complete": {"delivery_method": "post",
                                                                       "tracking_number": "EMS9"}},
        by={"deliver": APPLICANT},
        proxy_point=pw.point_b,
        actor=pw.agent_b,
    )  # fmt: skip
    assert (case.acceptance_number, case.delivery_method, case.proxy_point) == ("KC-9", "post", pw.point_b)
    assert CaseEvent.objects.get(case=case, action="deliver").actor_kind == APPLICANT


def test_the_clock_stands_still_until_moved(clock: Clock) -> None:
    start = timezone.now()
    assert timezone.now() == start == clock.start
    assert clock.advance(minutes=5) == timezone.now() == start + dt.timedelta(minutes=5)
    moment = dt.datetime(2026, 10, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    clock.set(moment)
    assert timezone.now() == moment and timezone.now().tzinfo == dt.UTC


def test_the_outbox_holds_what_was_sent_and_starts_empty(db: None, sms_outbox: SmsOutbox) -> None:
    assert len(sms_outbox) == 0
    otp.request_code("13800001234")
    [message] = sms_outbox
    assert sms_outbox.last_code("13800001234") == message["params"]["code"]
    assert sms_outbox.to("13900001234") == []


def test_person_holds_the_roles_given(world: SimpleNamespace) -> None:
    someone = person(
        "someone", (world.chamber_a, Role.CHAMBER_STAFF), (world.point_a, Role.AGENT), name="赵六"
    )
    assert someone.name == "赵六" and someone.check_password(world.password)
    assert set(Membership.objects.filter(user=someone).values_list("role", flat=True)) == {
        Role.CHAMBER_STAFF, Role.AGENT,
    }  # fmt: skip
    assert not Membership.objects.filter(user=person()).exists()
    assert superuser("root").is_superuser
