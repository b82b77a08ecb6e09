"""`shanghui rotate_keys`: re-encrypt every EncryptedTextField of every installed model with the newest
key of settings.FIELD_ENCRYPTION_KEYS, so that the older keys can be dropped afterwards.

The fields are found by type, so a model added later is covered without touching this command.
Rows already encrypted with the newest key are left alone: running the command twice changes nothing
the second time. Each batch is one transaction with its rows locked, so a concurrent edit of the same
row waits instead of being overwritten with the old value.

With --rehash it also recomputes the keyed hash kept beside each encrypted field (`<field>_hash`),
which is needed after settings.FIELD_HASH_KEY changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.db.models.functions import Cast

from shanghui.lib.crypto import EncryptedTextField, decrypt, is_current, keyed_hash, rotate


@dataclass
class FieldCounts:
    label: str
    rows: int = 0
    rotated: int = 0
    rehashed: int = 0


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every EncryptedTextField stored in a table of its own model (not inherited, not a proxy)."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for field in meta.local_concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found


def _hash_field(model: type[models.Model], field: EncryptedTextField) -> models.Field[Any, Any] | None:
    try:
        hash_field = model._meta.get_field(f"{field.name}_hash")
    except FieldDoesNotExist:
        return None
    return hash_field if isinstance(hash_field, models.CharField) else None


def rotate_field(
    model: type[models.Model], field: EncryptedTextField, *, batch_size: int, rehash: bool
) -> FieldCounts:
    counts = FieldCounts(label=f"{model._meta.label}.{field.name}")
    hash_field = _hash_field(model, field) if rehash else None
    # The raw token, read without the field's decrypting converter (Cast gives a plain text column).
    raw = Cast(field.attname, output_field=models.TextField())
    manager = model._base_manager
    last_pk: Any = None
    while True:
        with transaction.atomic():
            batch = manager.select_for_update().exclude(**{f"{field.attname}__isnull": True})
            batch = batch.exclude(**{field.attname: ""})
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch.order_by("pk").annotate(_token=raw).values_list("pk", "_token")[:batch_size])
            for pk, token in rows:
                changes: dict[str, Any] = {}
                if not is_current(token):
                    # A plain-text Value, so that the field does not encrypt the token a second time.
                    changes[field.attname] = models.Value(rotate(token), output_field=models.TextField())
                    counts.rotated += 1
                if hash_field is not None:
                    digest = keyed_hash(decrypt(token))
                    changes[hash_field.attname] = digest
                    counts.rehashed += 1
                if changes:
                    manager.filter(pk=pk).update(**changes)
            counts.rows += len(rows)
        if len(rows) < batch_size:
            return counts
        last_pk = rows[-1][0]


class Command(BaseCommand):
    help = "用最新的 FIELD_ENCRYPTION_KEY 重新加密所有加密字段（如身份证号），之后即可移除旧密钥"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每个事务处理的行数（默认 500）")
        parser.add_argument(
            "--rehash", action="store_true", help="同时按 FIELD_HASH_KEY 重新计算旁边的 <字段>_hash 查找哈希"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(1, options["batch_size"])
        total_rows = total_rotated = 0
        for model, field in encrypted_fields():
            counts = rotate_field(model, field, batch_size=batch_size, rehash=options["rehash"])
            total_rows += counts.rows
            total_rotated += counts.rotated
            line = f"{counts.label}：共 {counts.rows} 行有值，重新加密 {counts.rotated} 行"
            if options["rehash"]:
                line += f"，重算哈希 {counts.rehashed} 行"
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"完成：共检查 {total_rows} 行，重新加密 {total_rotated} 行"))
