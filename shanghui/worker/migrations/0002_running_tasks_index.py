"""A partial index on the task table's RUNNING rows: every worker's sweep reads them every few seconds
(shanghui/worker/lease.py), and the table keeps every finished task until it is pruned. The table is
django-tasks-db's, so the index is created here in SQL; on PostgreSQL without locking out writers."""

from django.db import migrations

INDEX = "shanghui_tasks_running_idx"


def create(apps, schema_editor):
    table = schema_editor.quote_name(apps.get_model("django_tasks_database", "DBTaskResult")._meta.db_table)
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON {table} (started_at) WHERE status = 'RUNNING'"
    )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("worker", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
