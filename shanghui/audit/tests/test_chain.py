"""The hash chain: appends link up, any change made behind the application's back is found and named,
and `shanghui audit verify` reports it with its exit code."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import GENESIS_HASH, AuditEntry
from shanghui.audit.services import record, verify_chain
from shanghui.orgs.tests.factories import UserFactory

TABLE = AuditEntry._meta.db_table


def raw_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(TABLE)), params)


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.fixture
def chain(db):
    actor = UserFactory(username="chain_actor")
    return [
        record(
            actor=actor,
            action=AuditAction.ORG_UPDATE,
            object_type="test",
            object_id=str(n),
            detail={"n": n, "名": "值"},
        )
        for n in range(1, 6)
    ]


def test_appends_link_each_row_to_the_one_before(chain):
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False))
    assert chain[0].actor_label == f"{chain[0].actor_id}:chain_actor"


def test_hash_survives_the_database_round_trip(chain):
    for entry in AuditEntry.objects.all():
        assert entry.compute_hash() == entry.hash


def test_verify_passes_on_an_empty_chain(db):
    assert verify_chain().ok
    assert "OK：已校验 0 行" in verify()


def test_verify_passes_on_a_fresh_database_with_the_personas(world):
    # Building the personas wrote org.create and role.grant rows.
    count = AuditEntry.objects.count()
    assert count > 10
    output = verify()
    assert "OK" in output and f"已校验 {count} 行" in output


def test_altered_action_is_found_and_named(chain):
    raw_sql("UPDATE {table} SET action = %s WHERE seq = %s", ["test.innocent", 3])
    report = verify_chain()
    assert (report.broken_seq, report.checked) == (3, 2)
    assert "被改动" in report.reason
    with pytest.raises(CommandError) as info:
        verify()
    assert info.value.returncode == 1
    assert "第 3 行" in str(info.value)


def test_altered_detail_is_found_and_named(chain):
    raw_sql("UPDATE {table} SET detail = %s WHERE seq = %s", ['{"n": 99, "名": "值"}', 4])
    assert verify_chain().broken_seq == 4


def test_altered_hash_is_found_at_the_next_row(chain):
    # Recomputing a row's own hash after changing it does not help: the next row's link breaks.
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "test.forged"
    raw_sql(
        "UPDATE {table} SET action = %s, hash = %s WHERE seq = %s", [entry.action, entry.compute_hash(), 2]
    )
    report = verify_chain()
    assert report.broken_seq == 3
    assert "链接" in report.reason


def test_deleted_middle_row_is_named_as_a_gap(chain):
    raw_sql("DELETE FROM {table} WHERE seq = %s", [3])
    report = verify_chain()
    assert report.broken_seq == 3
    assert "缺失" in report.reason
    with pytest.raises(CommandError, match="第 3 行"):
        verify()


def test_deleted_first_row_is_found(chain):
    raw_sql("DELETE FROM {table} WHERE seq = %s", [1])
    assert verify_chain().broken_seq == 1


def test_verify_in_small_batches_finds_a_late_break(chain):
    raw_sql("UPDATE {table} SET object_id = %s WHERE seq = %s", ["x", 5])
    assert verify_chain(batch_size=2).broken_seq == 5
    out = StringIO()
    with pytest.raises(CommandError, match="第 5 行"):
        call_command("audit", "verify", "--batch-size", "2", stdout=out)


def test_saving_an_existing_entry_raises(chain):
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "test.changed"
    with pytest.raises(RuntimeError):
        entry.save()
    assert AuditEntry.objects.get(seq=2).action == AuditAction.ORG_UPDATE


def test_deleting_an_entry_raises(chain):
    with pytest.raises(RuntimeError):
        AuditEntry.objects.get(seq=2).delete()
    assert AuditEntry.objects.count() == 5


def test_bulk_update_and_delete_raise(chain):
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(seq=2).update(action="test.changed")
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(seq__gte=4).delete()
    assert verify_chain().ok


def test_deleting_a_user_leaves_the_chain_intact(chain):
    # The actor's id is part of each row's hash: deleting the account must not rewrite the rows.
    chain[0].actor.delete()
    assert verify_chain().ok
    entry = AuditEntry.objects.get(seq=1)
    assert entry.actor_username == "chain_actor"


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:10.1.2.3", "::ffff:10.1.2.3"),
        ("not-an-address", None),
    ],
)
def test_client_address_is_stored_as_the_database_returns_it(db, remote_addr, stored):
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)
    record(actor=None, action=AuditAction.LOGIN, request=request)
    assert AuditEntry.objects.get().ip == stored
    assert verify_chain().ok


def test_json_detail_of_every_kind_verifies(db):
    record(
        actor=None,
        action=AuditAction.ORG_UPDATE,
        detail={
            "int": 7,
            "float": 1.5,
            "bool": True,
            "none": None,
            "list": [1, "二"],
            "nested": {"b": 1, "a": 2},
        },
    )
    assert verify_chain().ok
