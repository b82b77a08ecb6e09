"""The chain's hash is keyed (HMAC-SHA256 under AUDIT_HMAC_KEYS): whoever can write the database but
lacks the key cannot recompute it; keys rotate through a row in the chain; rows from before keys stay
as they were, pinned by the first keyed row."""

from __future__ import annotations

import importlib
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shanghui.audit import chain
from shanghui.audit.actions import AuditAction
from shanghui.audit.checks import audit_production_settings, audit_settings
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import KEY_ROTATE, _append, record, rotate_key, verify_chain

TABLE = AuditEntry._meta.db_table
K1 = "k1:" + "1" * 40
K2 = "k2:" + "2" * 40
K3 = "k3:" + "3" * 40
boundary_migration = importlib.import_module("shanghui.audit.migrations.0004_legacy_boundary")


def raw_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", connection.ops.quote_name(TABLE)), params)


def rewrite(entry: AuditEntry) -> None:
    """Store a row's content and hash behind the application's back (as a database administrator can)."""
    raw_sql(
        "UPDATE {table} SET action = %s, prev_hash = %s, hash = %s, key_id = %s WHERE seq = %s",
        [entry.action, entry.prev_hash, entry.hash, entry.key_id, entry.seq],
    )


def steps(n: int, start: int = 1) -> list[AuditEntry]:
    return [
        record(actor=None, action=AuditAction.ORG_UPDATE, detail={"n": i}) for i in range(start, start + n)
    ]


@pytest.fixture
def keyed(db, settings):
    settings.AUDIT_HMAC_KEYS = [K1]
    return steps(5)


def test_rows_are_hashed_with_the_key_and_name_it(keyed):
    assert {e.key_id for e in keyed} == {"k1"}
    # Not the plain SHA-256 anyone can compute.
    assert keyed[0].hash != chain.row_hash(chain.hashed_fields(keyed[0]), chain.LEGACY_KEY_ID)
    assert verify_chain().ok


def test_a_chain_recomputed_with_the_models_own_function_without_the_key_fails(keyed, settings):
    # Given a database administrator who rewrites row 3 and recomputes every later hash with the
    # model's own function, in an environment that lacks the production key (they guess one)
    settings.AUDIT_HMAC_KEYS = ["k1:" + "guessed-key-" * 4]
    prev = AuditEntry.objects.get(seq=2).hash
    for seq in (3, 4, 5):
        entry = AuditEntry.objects.get(seq=seq)
        if seq == 3:
            entry.action = "test.innocent"
        entry.prev_hash = prev
        entry.hash = entry.compute_hash()
        rewrite(entry)
        prev = entry.hash
    # When the server, which holds the key, verifies
    settings.AUDIT_HMAC_KEYS = [K1]
    report = verify_chain()
    # Then the first rewritten row is named
    assert (report.broken_seq, report.checked) == (3, 2)
    assert "被改动" in report.reason


def test_a_chain_recomputed_as_plain_sha256_fails(keyed):
    # The hash the model computed before keys existed: rows passed off as legacy ones.
    prev = AuditEntry.objects.get(seq=2).hash
    for seq in (3, 4, 5):
        entry = AuditEntry.objects.get(seq=seq)
        entry.action = "test.innocent" if seq == 3 else entry.action
        entry.prev_hash, entry.key_id = prev, chain.LEGACY_KEY_ID
        entry.hash = entry.compute_hash()
        rewrite(entry)
        prev = entry.hash
    report = verify_chain()
    assert report.broken_seq == 3
    assert "旧式哈希" in report.reason


def test_rotation_moves_the_chain_to_the_new_key_and_old_rows_still_verify(keyed, settings):
    # Given the new key configured in front on every process
    settings.AUDIT_HMAC_KEYS = [K2, K1]
    # rows go on under the chain's key until the rotation
    assert steps(1, 6)[0].key_id == "k1"
    out = StringIO()
    call_command("audit", "rotate-key", stdout=out)
    assert "k1 → k2" in out.getvalue()
    rotation = AuditEntry.objects.get(seq=7)
    assert (rotation.action, rotation.key_id, rotation.detail) == (
        KEY_ROTATE,
        "k2",
        {"from": "k1", "to": "k2"},
    )
    assert [e.key_id for e in steps(2, 8)] == ["k2", "k2"]
    report = verify_chain()
    assert report.ok, report.reason
    assert report.checked == 9


def test_rotation_refuses_the_current_an_unknown_and_a_used_key(keyed, settings):
    settings.AUDIT_HMAC_KEYS = [K1, K2]
    with pytest.raises(CommandError, match="已在使用密钥 'k1'"):
        call_command("audit", "rotate-key")
    with pytest.raises(ValidationError, match="不在 AUDIT_HMAC_KEYS"):
        rotate_key(to="k9")
    rotate_key(to="k2")
    with pytest.raises(ValidationError, match="此前已被更换下来"):
        rotate_key(to="k1")
    assert verify_chain().ok


def test_an_unknown_key_id_fails_clearly(keyed, settings):
    # The operator removed the key that made the first rows.
    settings.AUDIT_HMAC_KEYS = [K2, K1]
    rotate_key()
    settings.AUDIT_HMAC_KEYS = [K2]
    report = verify_chain()
    assert report.broken_seq == 1
    assert "所用密钥 'k1' 不在 AUDIT_HMAC_KEYS 中" in report.reason
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify", stdout=StringIO())
    assert info.value.returncode == 1


def test_a_retired_key_cannot_write_rows_after_the_rotation(keyed, settings):
    settings.AUDIT_HMAC_KEYS = [K2, K1]
    rotate_key()
    # Whoever holds the retired key (say it leaked) appends a row signed with it.
    forged = _append(action="test.forged", actor_id=None, actor_label="", key_id="k1")
    assert forged.hash == forged.compute_hash()
    report = verify_chain()
    assert report.broken_seq == forged.seq
    assert "未经更换密钥" in report.reason
    # Nor can a forged rotation row bring the retired key back.
    raw_sql("DELETE FROM {table} WHERE seq = %s", [forged.seq])
    back = _append(action=KEY_ROTATE, actor_id=None, actor_label="", key_id="k1")
    report = verify_chain()
    assert report.broken_seq == back.seq
    assert "已更换下来的密钥 'k1'" in report.reason


def test_a_process_that_lacks_the_chains_key_keeps_working_and_verify_names_its_rows(keyed, settings):
    settings.AUDIT_HMAC_KEYS = [K2, K1]
    rotate_key()
    settings.AUDIT_HMAC_KEYS = [K3]  # a process started without k2
    stray = record(actor=None, action=AuditAction.ORG_UPDATE)
    assert stray.key_id == "k3"
    settings.AUDIT_HMAC_KEYS = [K3, K2, K1]
    report = verify_chain()
    assert report.broken_seq == stray.seq
    assert "有进程未配置密钥 'k2'" in report.reason


# --- rows from before keys -----------------------------------------------------------------------


def legacy_rows(n: int) -> list[AuditEntry]:
    return [
        _append(action="test.old", actor_id=None, actor_label="", detail={"n": i}, key_id=chain.LEGACY_KEY_ID)
        for i in range(n)
    ]


def run_boundary_migration() -> None:
    boundary_migration.key_legacy_rows(apps, SimpleNamespace(connection=connection))


def test_legacy_rows_verify_once_the_migration_pinned_them(db, settings):
    settings.AUDIT_HMAC_KEYS = [K1]
    old = legacy_rows(3)
    assert old[0].hash == chain.row_hash(chain.hashed_fields(old[0]), "")  # plain SHA-256, as before
    # Before the migration, a chain of legacy rows only could be anybody's.
    assert "旧式哈希结尾" in verify_chain().reason
    run_boundary_migration()
    boundary = AuditEntry.objects.get(seq=4)
    assert (boundary.action, boundary.key_id) == (KEY_ROTATE, "k1")
    assert boundary.detail == {"from": "", "to": "k1", "legacy_rows": 3}
    assert boundary.actor_display == "系统"
    # New rows follow under the key, and the old rows keep their hashes.
    assert record(actor=None, action=AuditAction.ORG_UPDATE).key_id == "k1"
    assert AuditEntry.objects.get(seq=1).hash == old[0].hash
    report = verify_chain()
    assert report.ok, report.reason
    assert report.checked == 5


def test_the_migration_leaves_a_keyed_or_empty_chain_alone(keyed):
    run_boundary_migration()
    assert AuditEntry.objects.count() == 5
    AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)
    run_boundary_migration()
    assert AuditEntry.objects.count() == 0


def test_rewriting_a_legacy_row_after_the_migration_breaks_at_the_boundary(db, settings):
    settings.AUDIT_HMAC_KEYS = [K1]
    legacy_rows(3)
    run_boundary_migration()
    # The legacy hash is public: the forger recomputes rows 2 and 3, but row 4's keyed hash covers row 3.
    prev = AuditEntry.objects.get(seq=1).hash
    for seq in (2, 3):
        entry = AuditEntry.objects.get(seq=seq)
        entry.action = "test.innocent"
        entry.prev_hash = prev
        entry.hash = entry.compute_hash()
        rewrite(entry)
        prev = entry.hash
    report = verify_chain()
    assert report.broken_seq == 4
    assert "链接" in report.reason


def test_a_legacy_row_after_keyed_rows_is_refused(keyed):
    forged = legacy_rows(1)[0]
    report = verify_chain()
    assert report.broken_seq == forged.seq
    assert "旧式哈希" in report.reason


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "empty"),
        (["no-colon-" + "x" * 40], "id:secret"),
        (["bad id:" + "x" * 40], "id:secret"),
        (["k1:short"], "shorter than 32"),
        ([K1, "k1:" + "9" * 40], "appears twice"),
    ],
)
def test_malformed_keys_stop_the_start(settings, keys, message):
    settings.AUDIT_HMAC_KEYS = keys
    with pytest.raises(ImproperlyConfigured, match=message):
        chain.keys()
    assert [error.id for error in audit_settings()] == ["audit.E001"]


def test_the_deploy_check_warns_about_the_development_key(settings):
    assert [w.id for w in audit_production_settings()] == ["audit.W001"]
    # Kept behind a key of one's own, to verify the rows it made before a rotation, it is fine.
    settings.AUDIT_HMAC_KEYS = [K1, *settings.AUDIT_HMAC_KEYS]
    assert audit_production_settings() == []
