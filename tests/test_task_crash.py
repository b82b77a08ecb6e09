"""Every kind of background task, its worker killed (SIGKILL) at the worst moments, takes effect exactly
once.

The workers are real task worker processes (this project's `db_worker`) on this test's database (a
file on SQLite, the per-process test database on PostgreSQL), started one after another by
tests/crashing_worker.py, which kills each at the next point of a plan. Each task is killed twice before
it may finish: first inside its transaction (just before COMMIT: nothing it did is kept), then after
everything it did was committed but before its row was marked done. The deadline warning and the
overdue check, automatic delivery, automatic closing, an all-or-nothing and a good-rows import, and
notification delivery (killed once after the in-app message was written but before the outbox row was
marked sent, once before the run's row was marked done). Each worker after a kill waits out the
dead one's lease, shortened to a second (TASK_LEASE_SECONDS, NOTIFY_LEASE_SECONDS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shanghui.audit.models import AuditEntry
from shanghui.catalog import services as catalog_services
from shanghui.catalog.models import ImportJob, ItemVersion, ServiceItem
from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import csv_bytes, make_item
from shanghui.notify.models import Notification, OutboxMessage
from shanghui.orgs.models import Organisation
from shanghui.proxy import services as proxy_services
from shanghui.proxy.models import Case, CaseEvent, Channel, Status
from shanghui.proxy.workflow import AGENT, CLERK, transition
from shanghui.testing.cases import pdf_upload
from shanghui.workdays import calendar

pytestmark = pytest.mark.django_db(transaction=True)

PROXY = "shanghui.proxy.tasks."
IMPORT = "shanghui.catalog.tasks.import_catalogue"
DELIVER = "shanghui.notify.tasks.deliver_outbox"
TWICE = ("commit", "done")


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def with_id_card_item(world: SimpleNamespace) -> None:
    """The working-day calendar, and the ID-card item (20 working days) the cases here are submitted for."""
    calendar.seed_from_package()
    calendar.invalidate()
    world.item = make_item(
        world.dept,
        "居民身份证办理（包括临时）",
        promised_limit=20,
        promised_limit_unit="working",
        materials=[MaterialData(name="居民户口簿", form="original", copies=1, required=True)],
    )


def submitted(world: SimpleNamespace) -> Case:
    applicant = proxy_services.Applicant(
        name="张三", id_number="330802199003070017", mobile="13800001234", home_region_code="330802",
        current_city="上海", current_address="上海市浦东新区世纪大道100号",
    )  # fmt: skip
    case = proxy_services.create_case(actor=world.agent, channel=Channel.AGENT, item=world.item,
                                      proxy_point=world.point_a, applicant=applicant, poa_confirmed=True)  # fmt: skip
    proxy_services.add_material(case=case, actor=world.agent, upload=pdf_upload(), slot=0)
    return transition(case_id=case.pk, action="submit", actor=world.agent, actor_kind=AGENT)


def completed(world: SimpleNamespace) -> Case:
    case = submitted(world)
    steps = [("forward", world.agent, AGENT, {"window": world.window}),
             ("accept", world.clerk, CLERK, {"acceptance_number": "KC-2026-0001"}),
             ("complete", world.clerk, CLERK, {"result": "granted", "delivery_method": "pickup"})]  # fmt: skip
    for action, actor, kind, params in steps:
        case = transition(case_id=case.pk, action=action, actor=actor, actor_kind=kind, params=params)
    return case


def start_import(world: SimpleNamespace, rows: list[list[str]], mode: str) -> ImportJob:
    upload = SimpleUploadedFile("目录.csv", csv_bytes(rows))
    return catalog_services.start_import(actor=world.fed_admin, owner=world.city, upload=upload, mode=mode)


def titles_to(title: str) -> Counter[str]:
    return Counter(Notification.objects.filter(title=title).values_list("user__username", flat=True))


def test_each_kind_of_task_killed_twice_at_the_worst_moments_takes_effect_exactly_once(
    world: SimpleNamespace, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PROXY_AUTO_DELIVER_DAYS = 0
    with_id_card_item(world)

    # Given a submitted case whose pre-review reminder and overdue check have come due,
    late = submitted(world)
    checks = [r for r in DBTaskResult.objects.filter(task_path=PROXY + "check_deadline")
              if r.args_kwargs["args"][0] == late.pk]  # fmt: skip
    assert sorted(r.args_kwargs["args"][3] for r in checks) == ["overdue", "warn"]
    DBTaskResult.objects.filter(pk__in=[r.pk for r in checks]).update(run_after=timezone.now())
    # a completed case due for automatic delivery (then, at once, closing: PROXY_AUTO_CLOSE_DAYS=0),
    done = completed(world)
    # an all-or-nothing import naming a department that does not exist yet, and a good-rows import
    # with one bad row,
    whole = start_import(world, [["衢州市公安局", "未分类", "居民身份证办理", "CR-1", "20"],
                                 ["衢州市市场监管局", "", "食品经营许可", "CR-2", "1"],
                                 ["衢州市公安局", "", "户口迁移", "CR-3", "7"]], ImportJob.Mode.ALL_OR_NOTHING)  # fmt: skip
    partial = start_import(world, [["衢州市公安局", "", "临时身份证", "CR-4", "20"],
                                   ["衢州市公安局", "", "坏行", "CR-5", "3"],
                                   ["衢州市公安局", "", "户籍证明", "CR-6", "20"]], ImportJob.Mode.GOOD_ROWS)  # fmt: skip
    # and a plan that kills a worker twice in each of these tasks, and twice in notification delivery
    plan: list[dict[str, Any]] = []
    for stage in ("warn", "overdue"):
        plan += [{"task": PROXY + "check_deadline", "args": [late.pk, stage], "at": at} for at in TWICE]
    for name in ("auto_deliver", "auto_close"):
        plan += [{"task": PROXY + name, "args": [done.pk], "at": at} for at in TWICE]
    for job in (whole, partial):
        plan += [{"task": IMPORT, "args": [job.pk], "at": at} for at in TWICE]
    plan += [{"task": DELIVER, "at": "sent", "channel": "in_app"}, {"task": DELIVER, "at": "done"}]

    # When the workers run, one killed after another, until one finishes
    marks, log = tmp_path / "marks", tmp_path / "workers.log"
    env = {
        **os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": settings.MEDIA_ROOT, "REDIS_URL": "",
        "TASK_LEASE_SECONDS": "1", "NOTIFY_LEASE_SECONDS": "1", "PROXY_AUTO_CLOSE_DAYS": "0",
        "NOTIFY_EXTERNAL_ENABLED": "false", "CRASH_PLAN": json.dumps(plan), "CRASH_MARKS": str(marks),
    }  # fmt: skip
    with log.open("wb") as out:
        workers = subprocess.run(  # noqa: S603  (our interpreter, our test script)
            [sys.executable, "-m", "tests.crashing_worker"], env=env, stdout=out, stderr=subprocess.STDOUT,
            cwd=django_settings.BASE_DIR, timeout=600, check=False,
        )  # fmt: skip
    output = log.read_text()
    assert workers.returncode == 0, output
    # (every point of the plan was reached: each task really was killed twice)
    assert sorted(int(p.name) for p in marks.iterdir()) == list(range(len(plan))), output

    # Then no task is left running or given up
    left = DBTaskResult.objects.filter(status__in=[TaskResultStatus.RUNNING, TaskResultStatus.FAILED])
    assert not left.exists()
    # the reminder reached the agent once, the overdue case was recorded and escalated once
    assert titles_to(f"办件{late.number}即将超期") == {"agent": 1}
    assert titles_to(f"办件{late.number}已超期") == {"agent": 1, "dept_admin": 1, "fed_admin": 1}
    assert CaseEvent.objects.filter(case=late, action="overdue").count() == 1
    # the completed case was delivered and closed by the system once each
    done.refresh_from_db()
    assert done.status == Status.CLOSED
    assert Counter(CaseEvent.objects.filter(case=done, actor_kind="system").values_list("action", flat=True)) == {
        "deliver": 1, "close": 1,
    }  # fmt: skip
    assert DBTaskResult.objects.filter(task_path=PROXY + "auto_close").count() == 1
    # each import wrote its items once, with the right counts, one version each, one audit row
    whole.refresh_from_db()
    partial.refresh_from_db()
    assert (whole.status, whole.created_count, whole.processed_rows) == ("succeeded", 3, 3)
    assert (partial.status, partial.created_count, partial.total_rows) == ("succeeded", 2, 3)
    assert [e["row"] for e in partial.errors] == [3]
    codes = ["CR-1", "CR-2", "CR-3", "CR-4", "CR-6"]
    assert sorted(ServiceItem.objects.filter(code__startswith="CR-").values_list("code", flat=True)) == codes
    assert ItemVersion.objects.filter(item__code__startswith="CR-").count() == 5
    assert Organisation.objects.filter(name="衢州市市场监管局").count() == 1
    for job in (whole, partial):
        assert AuditEntry.objects.filter(action="catalog.import", object_id=str(job.pk)).count() == 1
    # and every in-app notification was delivered, once
    in_app = OutboxMessage.objects.filter(channel="in_app")
    assert set(in_app.values_list("state", flat=True)) == {"sent"}
    assert Notification.objects.count() == in_app.count()
