"""Several writers appending at once must still leave one valid chain with contiguous numbers: on SQLite
the IMMEDIATE transactions serialise them, on PostgreSQL the advisory lock does."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record, verify_chain

THREADS = 8
APPENDS = 10


def run_in_threads(target) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            start.wait()
            target(n)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_leave_a_valid_contiguous_chain():
    record(actor=None, action=AuditAction.ORG_CREATE)

    def append(n: int) -> None:
        for i in range(APPENDS):
            record(actor=None, action=AuditAction.ORG_UPDATE, detail={"thread": n, "i": i})

    assert run_in_threads(append) == []
    total = 1 + THREADS * APPENDS
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    report = verify_chain()
    assert report.ok, report.reason
    assert report.checked == total


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_inside_longer_transactions():
    # Appends made inside a caller's transaction (as services do) hold the chain until that commits.
    def append(n: int) -> None:
        for i in range(3):
            with transaction.atomic():
                record(actor=None, action=AuditAction.ORG_UPDATE, detail={"thread": n, "i": i})
                record(actor=None, action=AuditAction.USER_UPDATE, detail={"thread": n, "i": i})

    assert run_in_threads(append) == []
    assert AuditEntry.objects.count() == THREADS * 3 * 2
    assert verify_chain().ok
