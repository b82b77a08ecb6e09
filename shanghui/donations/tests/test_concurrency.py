"""Two disbursements of one fund approved at the same instant: the fund's row lock makes the second wait
and read the first one's entry, so together they never overdraw. On PostgreSQL (SQLite runs one writer
at a time anyway, and its test database cannot be shared between threads)."""

from __future__ import annotations

import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from shanghui.donations import ledger, services
from shanghui.donations.models import Disbursement
from shanghui.workflow.machine import TransitionError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"),
]


def test_two_approvals_at_once_never_overdraw(dw: SimpleNamespace) -> None:
    dw.money(dw.fund, "1000")
    first, second = dw.request(dw.fund, "800"), dw.request(dw.fund, "700")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(d: Disbursement) -> None:
        try:
            barrier.wait()
            services.act_on_disbursement(
                actor=dw.chamber_admin, disbursement=d, action="approve", expected_status="requested"
            )
            outcomes.append("approved")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(d,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["approved", "refused"]
    assert ledger.balance_fen(dw.fund) in (20_000, 30_000)
    assert Disbursement.objects.filter(fund=dw.fund, status="approved").count() == 1
    assert ledger.verify_fund(dw.fund) == []
    assert Decimal(ledger.balance_fen(dw.fund)) >= 0
