"""People acting on the same dispute at the same moment, in threads with a connection each (as for
proxy cases): exactly one wins, the others get Conflict, the timeline holds exactly the winner's event and
its notifications are written once; two admins assigning at once never exceed three mediators; filings
at once get unique numbers.

The conflicting actions need real row locks (PostgreSQL); the filings also run on SQLite, where
IMMEDIATE transactions serialise the writers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shanghui.mediation import services
from shanghui.mediation.models import CommitteeMember, Dispute, DisputeEvent, MemberRole, Status
from shanghui.mediation.workflow import APPLICANT, COMMITTEE, Conflict
from shanghui.notify.models import OutboxMessage
from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import grant, make_user

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises whole transactions instead",
)
ROUNDS = 3


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    start = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def worker(n: int) -> None:
        try:
            start.wait()
            outcomes[n] = jobs[n]()
        except BaseException as exc:  # reported by the test
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


@postgresql_only
def test_accepting_declining_and_withdrawing_at_once_leave_one_winner(med):
    admin2 = make_user(username="admin2")
    CommitteeMember.objects.create(committee=med.committee, user=admin2, role=MemberRole.ADMIN)
    for _ in range(ROUNDS):
        d = med.new()

        def job(
            action: str, actor: Any, kinds: set[str], pk: int = d.pk, **params: Any
        ) -> Callable[[], Dispute]:
            return lambda: services.act(dispute_id=pk, action=action, actor=actor, kinds=kinds,
                                        expected_status=Status.FILED, params=params)  # fmt: skip

        outcomes = run_together([
            job("accept", med.med_admin, {COMMITTEE}), job("accept", admin2, {COMMITTEE}),
            job("decline", admin2, {COMMITTEE}, reason="不属于受理范围"), job("withdraw", None, {APPLICANT}),
        ])  # fmt: skip
        assert [o for o in outcomes if not isinstance(o, Dispute | Conflict)] == []
        winners = [o for o in outcomes if isinstance(o, Dispute)]
        assert len(winners) == 1
        d.refresh_from_db()
        assert d.status == winners[0].status
        moves = list(
            DisputeEvent.objects.filter(dispute=d).exclude(action="create").values_list("action", flat=True)
        )
        assert len(moves) == 1
        keys = list(
            OutboxMessage.objects.filter(subject=f"mediation.dispute:{d.pk}").values_list("key", flat=True)
        )
        assert len(keys) == len(set(keys))
        for loser in (o for o in outcomes if isinstance(o, Conflict)):
            assert d.get_status_display() in loser.message


@postgresql_only
def test_two_admins_assigning_at_once_never_exceed_three_mediators(med):
    extra = []
    for n in range(3):
        user = grant(make_user(username=f"m{n}"), med.chamber_a, Role.MEDIATOR)
        CommitteeMember.objects.create(committee=med.committee, user=user, role=MemberRole.MEDIATOR)
        extra.append(user)
    d = med.new()
    services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator)
    services.assign_mediator(actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=med.mediator2)

    def assign(user: Any) -> Callable[[], Any]:
        return lambda: services.assign_mediator(
            actor=med.med_admin, kinds={COMMITTEE}, dispute_id=d.pk, mediator=user
        )

    outcomes = run_together([assign(u) for u in extra])
    assert sum(1 for o in outcomes if isinstance(o, ValidationError)) == 2
    assert d.assignments.filter(recused_at__isnull=True).count() == 3


def test_filings_at_once_get_unique_numbers(med):
    outcomes = run_together([lambda: [med.new().number for _ in range(2)] for _ in range(6)])
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    numbers = [n for batch in outcomes for n in batch]
    assert len(set(numbers)) == 12 == Dispute.objects.count()
    assert all(n.startswith("TJ") for n in numbers)
