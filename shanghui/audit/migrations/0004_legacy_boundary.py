"""Rows written before the chain had keys keep their plain SHA-256 hashes (key_id ""): the audit log is
never rewritten, and hashes already exported in spreadsheets keep matching. This migration appends one
row under the newest key of AUDIT_HMAC_KEYS ("audit.key_rotate", from "" to that key); its keyed hash
covers the last legacy row's hash, so from here on nobody without the key can change, remove or add a
legacy row, and verify refuses legacy rows anywhere after it."""

from django.db import migrations
from django.utils import timezone

from shanghui.audit import chain

PG_CHAIN_LOCK = 7_305_318_420  # services._PG_CHAIN_LOCK


def key_legacy_rows(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    alias = schema_editor.connection.alias
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_CHAIN_LOCK])
    rows = AuditEntry.objects.using(alias)
    last = rows.order_by("-seq").first()
    if last is None or last.key_id != chain.LEGACY_KEY_ID:
        return
    key_id = chain.newest_key_id()
    entry = AuditEntry(
        seq=last.seq + 1, created_at=timezone.now(), actor_id=None, actor_label="", action="audit.key_rotate",
        object_type="", object_id="", object_repr="", ip=None,
        detail={"from": chain.LEGACY_KEY_ID, "to": key_id, "legacy_rows": rows.filter(key_id="").count()},
        prev_hash=last.hash, key_id=key_id,
    )
    entry.hash = chain.row_hash(chain.hashed_fields(entry), key_id)
    entry.save(using=alias)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_auditentry_key_id"),
    ]

    operations = [
        migrations.RunPython(key_legacy_rows, migrations.RunPython.noop),
    ]
