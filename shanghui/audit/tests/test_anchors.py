"""Anchors: the chain's head written outside the database — on every verify, and after appends once per
AUDIT_ANCHOR_INTERVAL — and verify failing when the database no longer holds an anchored head."""

from __future__ import annotations

import datetime as dt
import json
import socket
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shanghui.audit import tasks
from shanghui.audit.actions import AuditAction
from shanghui.audit.checks import audit_settings
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record, verify_chain
from shanghui.orgs.models import Role
from shanghui.orgs.services import grant_role

TABLE = AuditEntry._meta.db_table


def raw_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(TABLE)), params)


def anchor_file(settings: Any) -> Path:
    return Path(settings.AUDIT_ANCHOR[0].removeprefix("file:"))


def anchored(settings: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in anchor_file(settings).read_text().splitlines()]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def chain(db):
    return [record(actor=None, action=AuditAction.ORG_UPDATE, detail={"n": n}) for n in range(1, 6)]


def test_verify_writes_the_verified_head(chain, settings):
    output = verify()
    [line] = anchored(settings)
    assert (line["seq"], line["hash"], line["key_id"]) == (5, chain[-1].hash, "dev")
    assert dt.datetime.fromisoformat(line["time"]) <= dt.datetime.now(dt.UTC)
    assert f"已写入锚点：第 5 行 {chain[-1].hash}" in output
    assert "OK：已校验 5 行和 0 个锚点" in output
    # The next verify checks the chain against it.
    assert "已校验 5 行和 1 个锚点" in verify()


def test_deleting_the_newest_rows_after_an_anchor_is_found(world, client, settings):
    # Given the newest rows — a reveal of an ID number and a role grant — and a verify that anchored them
    case_reveal = record(
        actor=world.fed_admin, action=AuditAction.PII_REVEAL, obj=world.agent, detail={"field": "id_number"}
    )
    grant_role(
        actor=world.fed_admin, user=world.outsider, organisation=world.city, role=Role.FEDERATION_ADMIN
    )
    verify()
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None and last.action == "role.grant"
    # When a database administrator deletes them
    raw_sql("DELETE FROM {table} WHERE seq >= %s", [case_reveal.seq])
    # Then verify names the missing rows and fails
    report = verify_chain()
    assert report.broken_seq == case_reveal.seq
    assert f"第 {case_reveal.seq}–{last.seq} 行缺失" in report.reason
    assert "末尾的行被删除" in report.reason
    with pytest.raises(CommandError) as info:
        verify()
    assert info.value.returncode == 1
    # and writes no anchor of the shortened chain
    assert [line["seq"] for line in anchored(settings)] == [last.seq]


def test_deleting_every_row_after_an_anchor_is_found(chain):
    verify()
    AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)
    report = verify_chain()
    assert report.broken_seq == 1
    assert "第 1–5 行缺失" in report.reason


def test_a_chain_rewritten_with_the_stolen_key_still_differs_from_its_anchor(chain):
    # Even with the key (stolen from a server), rewriting an anchored row shows against the anchor.
    verify()
    prev = AuditEntry.objects.get(seq=2).hash
    for seq in (3, 4, 5):
        entry = AuditEntry.objects.get(seq=seq)
        entry.action = "test.innocent" if seq == 3 else entry.action
        entry.prev_hash = prev
        entry.hash = entry.compute_hash()
        raw_sql("UPDATE {table} SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [entry.action, entry.prev_hash, entry.hash, seq])  # fmt: skip
        prev = entry.hash
    report = verify_chain()
    assert report.broken_seq == 5
    assert "锚点不符" in report.reason


def test_rows_after_the_last_anchor_are_covered_by_the_next_one(chain, settings):
    verify()
    record(actor=None, action=AuditAction.ORG_UPDATE)
    verify()
    assert [line["seq"] for line in anchored(settings)] == [5, 6]
    raw_sql("DELETE FROM {table} WHERE seq = %s", [6])
    assert verify_chain().broken_seq == 6


def test_a_broken_chain_is_not_anchored(chain, settings):
    raw_sql("UPDATE {table} SET action = %s WHERE seq = %s", ["test.innocent", 2])
    with pytest.raises(CommandError):
        verify()
    assert not anchor_file(settings).exists()


def test_an_unreadable_anchor_file_fails_verify_with_exit_code_2(chain, settings):
    verify()
    with anchor_file(settings).open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(CommandError) as info:
        verify()
    assert info.value.returncode == 2
    assert "第 2 行无法解析" in str(info.value)


def test_an_unwritable_anchor_store_fails_verify_with_exit_code_2(chain, settings, tmp_path):
    settings.AUDIT_ANCHOR = [f"file:{tmp_path}"]  # a directory: cannot be appended to
    with pytest.raises(CommandError) as info:
        verify()
    assert info.value.returncode == 2
    assert f"无法写入锚点文件 {tmp_path}" in str(info.value)
    # The chain itself is intact, and the report says so.
    report = verify_chain()
    assert report.ok and not report.complete


def test_several_stores_are_each_written_and_read(chain, settings, tmp_path):
    second = tmp_path / "second.log"
    settings.AUDIT_ANCHOR = [*settings.AUDIT_ANCHOR, f"file:{second}"]
    verify()
    assert second.exists() and anchored(settings)
    # A head deleted from one store only is still known from the other.
    anchor_file(settings).unlink()
    raw_sql("DELETE FROM {table} WHERE seq = %s", [5])
    assert verify_chain().broken_seq == 5


def test_the_anchor_command_writes_the_head(chain, settings):
    out = StringIO()
    call_command("audit", "anchor", stdout=out)
    assert f"已写入锚点：第 5 行 {chain[-1].hash}" in out.getvalue()
    assert anchored(settings)[0]["seq"] == 5


def test_the_anchor_command_on_an_empty_chain_writes_nothing(db, settings):
    out = StringIO()
    call_command("audit", "anchor", stdout=out)
    assert "审计日志为空" in out.getvalue()
    assert not anchor_file(settings).exists()


def test_a_forged_head_is_not_anchored(chain, settings):
    raw_sql("UPDATE {table} SET action = %s WHERE seq = %s", ["test.innocent", 5])
    with pytest.raises(CommandError, match="第 5 行）的哈希不符"):
        call_command("audit", "anchor", stdout=StringIO())
    assert not anchor_file(settings).exists()


# --- periodic anchors ---------------------------------------------------------------------------


def anchor_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=tasks.anchor.module_path, status=TaskResultStatus.READY)
    )


def test_the_first_row_of_a_period_schedules_one_anchor_for_the_periods_end(one_period, db):
    record(actor=None, action=AuditAction.ORG_UPDATE)
    record(actor=None, action=AuditAction.ORG_UPDATE)
    record(actor=None, action=AuditAction.ORG_UPDATE)
    [scheduled] = anchor_tasks()
    period_end = (int(dt.datetime.now(dt.UTC).timestamp()) // 10**9 + 1) * 10**9
    assert scheduled.run_after == dt.datetime.fromtimestamp(period_end, tz=dt.UTC)


def test_a_row_in_a_new_period_schedules_the_next_anchor(db, settings):
    settings.AUDIT_ANCHOR_INTERVAL = 600
    now = dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC)
    tasks.schedule_anchor(previous=now - dt.timedelta(minutes=1), now=now)  # same period: nothing
    assert anchor_tasks() == []
    tasks.schedule_anchor(previous=now - dt.timedelta(minutes=6), now=now)  # 07:59 → 08:05
    assert [t.run_after for t in anchor_tasks()] == [dt.datetime(2026, 12, 1, 8, 10, tzinfo=dt.UTC)]


def test_no_periodic_anchors_when_the_interval_is_zero(db, settings):
    settings.AUDIT_ANCHOR_INTERVAL = 0
    record(actor=None, action=AuditAction.ORG_UPDATE)
    assert anchor_tasks() == []


@pytest.fixture
def one_period(settings):
    settings.AUDIT_ANCHOR_INTERVAL = 10**9  # one period for the whole test (about 31 years)


def test_the_periodic_anchor_catches_a_later_tail_deletion(one_period, world):
    # Given appends (the personas' grants, then one more), and the worker running the anchor task that
    # the first of them scheduled for the end of their period
    grant_role(actor=world.fed_admin, user=world.outsider, organisation=world.city, role=Role.AUDITOR)
    [scheduled] = anchor_tasks()
    assert scheduled.task.call() == AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    # When the role grant is deleted
    raw_sql(
        "DELETE FROM {table} WHERE action = %s AND object_id = %s", ["role.grant", str(world.outsider.pk)]
    )
    # Then verify finds it missing
    report = verify_chain()
    assert not report.ok
    assert "末尾的行被删除" in report.reason


# --- syslog -------------------------------------------------------------------------------------


def test_syslog_receives_each_anchor_and_is_named_write_only(chain, settings):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(10)
        port = collector.getsockname()[1]
        settings.AUDIT_ANCHOR = [*settings.AUDIT_ANCHOR, f"syslog://127.0.0.1:{port}"]
        output = verify()
        datagram = collector.recv(4096).decode()
    # AUTHPRIV (10) × 8 + info (6)
    assert datagram.startswith("<86>shanghui-audit-anchor: {")
    document = json.loads(datagram.split(": ", 1)[1].rstrip("\x00"))
    assert (document["seq"], document["hash"]) == (5, chain[-1].hash)
    assert f"只写不读的锚点：syslog://127.0.0.1:{port}" in output


def test_an_unreachable_local_syslog_is_a_write_error(chain, settings, tmp_path):
    settings.AUDIT_ANCHOR = [f"syslog:{tmp_path / 'no-such-socket'}"]
    report = verify_chain()
    assert report.ok
    assert report.write_errors and f"无法写入 syslog:{tmp_path / 'no-such-socket'}" in report.write_errors[0]


@pytest.mark.parametrize("target", ["ftp://x", "file:", "s3://", "nothing", "syslog://"])
def test_malformed_anchor_targets_stop_the_start(settings, target):
    settings.AUDIT_ANCHOR = [target]
    assert [error.id for error in audit_settings()] == ["audit.E002"]
