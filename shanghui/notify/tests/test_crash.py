"""The delivery worker killed in the middle of an SMS request — after the provider accepted the message,
before the worker heard so — and started again: every notification arrives exactly once.

The worker is the real task worker (`python -m shanghui db_worker`) in a subprocess, on this test's
database (a file on SQLite, the per-process test database on PostgreSQL), sending to the local provider
servers of this process. The Aliyun server holds its answer to the third message until the worker is
dead. The five-minute lease is then moved into the past instead of waited for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shanghui.notify import services
from shanghui.notify.models import OutboxMessage
from shanghui.notify.services import notify_mobile, notify_users
from shanghui.notify.tests.factories import make_robot
from shanghui.notify.tests.servers import AliyunSmsServer, DingTalkServer, WeComServer

pytestmark = pytest.mark.django_db(transaction=True)

CITIZENS = ["13800000001", "13800000002", "13800000003", "13800000004"]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "shanghui", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR)  # noqa: S603


@pytest.fixture
def servers() -> Any:
    with DingTalkServer() as ding, WeComServer() as wecom, AliyunSmsServer() as sms:
        yield SimpleNamespace(ding=ding, wecom=wecom, sms=sms)
        sms.release.set()


def test_a_worker_killed_during_an_sms_request_delivers_everything_exactly_once(
    world: SimpleNamespace, servers: SimpleNamespace, tmp_path: Path, settings: Any
) -> None:
    # Given robots, a person who chose SMS and e-mail too, and four citizens to tell by SMS
    ding_token, wecom_key = servers.ding.add_robot(secret="SECcrash"), servers.wecom.add_robot()
    settings.DINGTALK_API_BASE, settings.WECOM_API_BASE = servers.ding.base, servers.wecom.base
    make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=servers.ding.webhook(ding_token),
               secret="SECcrash", name="钉钉群")  # fmt: skip
    make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=servers.wecom.webhook(wecom_key),
               kind="wecom", name="企业微信群")  # fmt: skip
    world.agent.email = "agent@example.gov.cn"
    world.agent.save(update_fields=["email"])
    services.set_preferences(actor=world.agent, user=world.agent,
                             grid={("case.submit", "sms"): True, ("case.submit", "email"): True})  # fmt: skip
    for i in range(3):
        notify_users(users=[world.agent], event="case.submit", key=f"case:{i}:event:{i}", title=f"办件{i}：提交申请",
                     body="居民身份证办理", url=f"/cases/{i}/", orgs=[world.point_a])  # fmt: skip
    for i, mobile in enumerate(CITIZENS):
        notify_mobile(mobile=mobile, event="case.submit", key=f"case:{i}:event:{i}", template="case_update",
                      params={"number": f"3308022026100100000{i}", "status": "待预审", "query_code": "ABCD2345"},
                      title=f"办件{i}：提交申请", organisation=world.point_a)  # fmt: skip
    sms_keys = set(OutboxMessage.objects.filter(channel="sms").values_list("key", flat=True))
    assert OutboxMessage.objects.count() == 3 * 5 + 4

    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "NOTIFY_EXTERNAL_ENABLED": "true",
        "NOTIFY_HTTP_TIMEOUT": "30",
        "DINGTALK_API_BASE": servers.ding.base,
        "WECOM_API_BASE": servers.wecom.base,
        "ALIYUN_SMS_ENDPOINT": servers.sms.base,
        "ALIYUN_SMS_ACCESS_KEY_ID": AliyunSmsServer.KEY_ID,
        "ALIYUN_SMS_ACCESS_KEY_SECRET": AliyunSmsServer.KEY_SECRET,
        "ALIYUN_SMS_TEMPLATES": AliyunSmsServer.settings_templates(),
        "SMS_BACKEND": "shanghui.notify.channels.aliyun_sms.AliyunSmsBackend",
        "SMS_SIGNATURE": AliyunSmsServer.SIGN_NAME,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = tmp_path / "worker.log"
    servers.sms.hold = lambda sms: len(servers.sms.accepted) == 3

    # When the worker is killed while the provider holds its answer to the third SMS
    first = worker(env, log)
    try:
        assert servers.sms.held.wait(timeout=90), log.read_text()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    servers.sms.release.set()
    assert first.returncode == -signal.SIGKILL
    unknown = OutboxMessage.objects.get(attempt_started_at__isnull=False)
    assert unknown.channel == "sms" and unknown.state == "pending"
    assert OutboxMessage.objects.exclude(state="sent").count() > 1  # it really stopped half-way

    # and started again once the dead worker's lease has run out
    now = timezone.now()
    OutboxMessage.objects.filter(state__in=["pending", "failed"]).update(next_attempt_at=now)
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=now)
    second = worker(env, log)
    assert second.wait(timeout=180) == 0, log.read_text()

    # Then every notification was delivered, each exactly once
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}, log.read_text()
    accepted = Counter(s.out_id for s in servers.sms.accepted)
    assert set(accepted) == sms_keys and set(accepted.values()) == {1}
    assert "QuerySendDetails" in servers.sms.actions
    unknown.refresh_from_db()
    assert unknown.provider_id.startswith("aliyun-outid@") and unknown.attempts == 1
    assert len(servers.ding.robots[ding_token].messages) == 3
    assert len(servers.wecom.robots[wecom_key].messages) == 3
    message_ids = [
        line
        for f in mail_dir.iterdir()
        for line in f.read_text().splitlines()
        if line.startswith("Message-ID:")
    ]
    assert len(message_ids) == len(set(message_ids)) == 3
    assert world.agent.notifications.count() == 3
