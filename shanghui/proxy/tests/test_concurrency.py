"""People acting on the same case at the same moment, in threads with a connection each: exactly one
wins, the others get Conflict, and the timeline holds exactly the winner's event. Concurrent intakes get
unique, gap-free numbers; a form submitted twice at once creates one case.

The conflicting transitions need real row locks (PostgreSQL). The numbering tests also run on SQLite,
where IMMEDIATE transactions serialise the writers.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from shanghui.notify.models import OutboxMessage
from shanghui.orgs.models import Role
from shanghui.proxy.models import Case, CaseEvent, DailySerial, Status
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK, Conflict, transition
from shanghui.testing.personas import person

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises whole transactions instead",
)

ROUNDS = 4  # cases raced per test: more chances for the threads to really overlap


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released at the same instant; each job's result or exception."""
    start = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def worker(n: int) -> None:
        try:
            start.wait()
            outcomes[n] = jobs[n]()
        except BaseException as exc:  # reported by the test
            outcomes[n] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def act(case: Case, action: str, actor: Any, kind: str, seen: str, **params: Any) -> Callable[[], Case]:
    def job() -> Case:
        return transition(
            case_id=case.pk, action=action, actor=actor, actor_kind=kind, expected_status=seen, params=params
        )

    return job


def one_winner(case: Case, jobs: dict[str, Callable[[], Case]]) -> str:
    """Race the jobs on `case`; check exactly one won and the timeline holds exactly its event."""
    before = list(CaseEvent.objects.filter(case=case).values_list("id", flat=True))
    names = list(jobs)
    outcomes = dict(zip(names, run_together(list(jobs.values())), strict=True))

    unexpected = {n: o for n, o in outcomes.items() if not isinstance(o, Case | Conflict)}
    assert unexpected == {}
    winners = [n for n, o in outcomes.items() if isinstance(o, Case)]
    assert len(winners) == 1, outcomes
    winner = winners[0]
    action = winner.split("#")[0]

    case.refresh_from_db()
    assert case.status == outcomes[winner].status
    new_events = list(
        CaseEvent.objects.filter(case=case).exclude(id__in=before).values_list("action", flat=True)
    )
    assert new_events == [action]
    # The losers were told what happened, and their notifications were never written.
    for name, outcome in outcomes.items():
        if name != winner:
            assert case.get_status_display() in outcome.message
    # Every notification of the case belongs to an event on its timeline, and none is doubled.
    event_ids = set(CaseEvent.objects.filter(case=case).values_list("id", flat=True))
    keys = list(OutboxMessage.objects.filter(subject=f"proxy.case:{case.pk}").values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert {int(key.split(":")[3]) for key in keys if ":event:" in key} <= event_ids
    return action


@pytest.fixture
def crowd(pw: SimpleNamespace) -> SimpleNamespace:
    pw.agent2 = person("agent2", (pw.point_a, Role.AGENT))
    pw.clerk2 = person("clerk2", (pw.window, Role.WINDOW_CLERK))
    return pw


@postgresql_only
def test_two_agents_forwarding_and_the_citizen_withdrawing_at_once_leave_one_winner(crowd):
    winners: Counter[str] = Counter()
    for _ in range(ROUNDS):
        # Given a submitted case that two agents and the citizen all see as submitted
        case = crowd.submitted()
        seen = Status.SUBMITTED
        # When they act at the same moment
        action = one_winner(
            case,
            {
                "forward#1": act(case, "forward", crowd.agent, AGENT, seen, window=crowd.window),
                "forward#2": act(case, "forward", crowd.agent2, AGENT, seen, window=crowd.window),
                "withdraw": act(case, "withdraw", None, APPLICANT, seen),
                "request_correction": act(case, "request_correction", crowd.agent2, AGENT, seen,
                                          correction_items=["照片不清晰"]),
            },
        )  # fmt: skip
        winners[action] += 1
        # Then the winner's effects were written once: one SMS to the citizen for a forward
        if action == "forward":
            assert OutboxMessage.objects.filter(subject=f"proxy.case:{case.pk}", event="case.forward",
                                                channel="sms").count() == 1  # fmt: skip
    assert sum(winners.values()) == ROUNDS


@postgresql_only
def test_two_clerks_accepting_and_refusing_at_once_leave_one_winner(crowd):
    for _ in range(ROUNDS):
        case = crowd.case_in("forwarded")
        seen = Status.FORWARDED
        action = one_winner(
            case,
            {
                "accept#1": act(case, "accept", crowd.clerk, CLERK, seen, acceptance_number="KC-1"),
                "accept#2": act(case, "accept", crowd.clerk2, CLERK, seen, acceptance_number="KC-2"),
                "refuse": act(case, "refuse", crowd.clerk2, CLERK, seen, reason="非本窗口受理范围"),
                "withdraw": act(case, "withdraw", None, APPLICANT, seen),
            },
        )
        case.refresh_from_db()
        if action == "accept":
            assert case.acceptance_number in {"KC-1", "KC-2"} and case.processing_due_at is not None
        if action == "refuse":
            assert case.refusal_reason == "非本窗口受理范围" and case.acceptance_number == ""


@postgresql_only
def test_the_same_action_twice_at_once_happens_once_without_an_expected_status(crowd):
    # Two deliveries (citizen and agent) and the automatic one, none sending what they saw.
    for _ in range(ROUNDS):
        case = crowd.case_in("forwarded")
        case = crowd.act(case, "accept", CLERK, acceptance_number="KC-3")
        case = crowd.act(case, "complete", CLERK, result="granted", delivery_method="pickup")

        def deliver(case_id: int, actor: Any, kind: str) -> Callable[[], Case]:
            return lambda: transition(case_id=case_id, action="deliver", actor=actor, actor_kind=kind)

        jobs = {
            "deliver#1": deliver(case.pk, None, APPLICANT),
            "deliver#2": deliver(case.pk, crowd.agent, AGENT),
            "deliver#3": deliver(case.pk, None, "system"),
        }
        one_winner(case, jobs)


# --- Numbers and idempotency (PostgreSQL and SQLite) ----------------------------------------------------

INTAKE_THREADS = 12
PER_THREAD = 3


def serials(region: str = "330802") -> list[int]:
    return sorted(
        int(n[-6:]) for n in Case.objects.filter(number__startswith=region).values_list("number", flat=True)
    )


def test_concurrent_intakes_get_unique_gap_free_numbers(pw):
    def intake() -> list[str]:
        return [pw.new_case().number for _ in range(PER_THREAD)]

    outcomes = run_together([intake] * INTAKE_THREADS)

    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    numbers = [n for batch in outcomes for n in batch]
    total = INTAKE_THREADS * PER_THREAD
    assert len(set(numbers)) == total
    assert serials() == list(range(1, total + 1))
    assert {n[:14] for n in numbers} == {numbers[0][:14]}  # one region, one day
    assert DailySerial.objects.get().last == total
    assert CaseEvent.objects.filter(action="create").count() == total


def test_a_form_submitted_several_times_at_once_creates_one_case_and_wastes_no_number(pw):
    # Given one intake form (one idempotency key) sent by several clicks at the same moment
    outcomes = run_together([lambda: pw.new_case(idempotency_key="form-7f3a")] * 8)

    # Then every request answers with the same case
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert len({case.pk for case in outcomes}) == 1
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(action="create").count() == 1
    # and the next intake of the day gets the next number: no serial was used up by the duplicates
    assert int(pw.new_case().number[-6:]) == 2
    assert serials() == [1, 2]
