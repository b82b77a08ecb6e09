"""Delivery of the outbox against the local provider servers: retries with back-off, throttling
before sending without loss, the providers' own rate-limit answers, dead letters, look-up of an
attempt whose outcome was lost, and the switch that keeps a development database from sending."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from shanghui.notify import services
from shanghui.notify.channels.email import message_id
from shanghui.notify.models import OutboxMessage
from shanghui.notify.services import MAX_ATTEMPTS, notify_mobile, notify_users
from shanghui.notify.sms import VERIFICATION_LIMITS, ConsoleSmsBackend
from shanghui.notify.tasks import deliver_due
from shanghui.notify.tests.factories import make_robot, run_until_delivered
from shanghui.notify.tests.servers import Answer, max_in_window
from shanghui.proxy import otp

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def robot_for(
    kind: str, world: SimpleNamespace, providers: SimpleNamespace, **fields: Any
) -> tuple[object, str]:
    server = providers.ding if kind == "dingtalk" else providers.wecom
    token = server.add_robot()
    config = make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=server.webhook(token),
                        kind=kind, **fields)  # fmt: skip
    return config, token


def robot_messages(world: SimpleNamespace, n: int, *, start: int = 0) -> None:
    for i in range(start, start + n):
        notify_users(users=[], event="case.submit", key=f"case:{i}:event:{i}", title=f"办件{i}：提交申请",
                     body="居民身份证办理", url=f"/cases/{i}/", orgs=[world.point_a])  # fmt: skip


def rows() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.order_by("pk"))


@pytest.mark.parametrize("kind", ["dingtalk", "wecom"])
def test_45_robot_messages_all_arrive_never_more_than_20_a_minute(
    world: SimpleNamespace, providers: SimpleNamespace, kind: str
) -> None:
    # Given 45 case notifications for one group robot, written at once
    _, token = robot_for(kind, world, providers)
    robot_messages(world, 45)
    server = providers.ding if kind == "dingtalk" else providers.wecom
    start = providers.clock()

    # When the delivery task runs every ten seconds
    run_until_delivered(providers.clock, step=dt.timedelta(seconds=10))

    # Then all 45 arrived, none twice, never more than 20 in any minute, and none was refused
    received = server.robots[token]
    assert len(received.messages) == 45
    assert max_in_window(received.sent, MINUTE) == 20
    assert server.requests == 45
    assert providers.clock() - start >= dt.timedelta(minutes=2)
    assert {(r.state, r.attempts) for r in rows()} == {("sent", 1)}


def test_a_provider_throttle_reschedules_without_counting_or_losing(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    # Given another system filled the robot's minute, so DingTalk throttles it for ten minutes
    _, token = robot_for("dingtalk", world, providers)
    providers.ding.robots[token].sent += [providers.clock()] * 20
    robot_messages(world, 3)

    # When the task runs: the first row meets the throttle
    deliver_due(now=providers.clock())
    first, *others = rows()

    # Then it waits a minute, the attempt not counted, and the other rows wait with it without asking
    assert (first.state, first.attempts, first.attempt_started_at) == ("pending", 0, None)
    assert first.next_attempt_at == providers.clock() + dt.timedelta(seconds=60)
    assert "发送过于频繁" in first.last_error
    assert providers.ding.requests == 1
    assert all(r.state == "pending" and r.attempts == 0 for r in others)

    # And once DingTalk lifts the throttle all three arrive, each counted once
    run_until_delivered(providers.clock, step=MINUTE)
    assert len(providers.ding.robots[token].messages) == 3
    assert {(r.state, r.attempts, r.last_error) for r in rows()} == {("sent", 1, "")}
    assert providers.ding.requests <= 3 + 12  # about one probe a minute while throttled


def test_failures_are_retried_with_back_off(world: SimpleNamespace, providers: SimpleNamespace) -> None:
    _, token = robot_for("dingtalk", world, providers)
    providers.ding.fail_next += [Answer(200, {"errcode": -1, "errmsg": "系统繁忙"}), Answer(502, {})]
    robot_messages(world, 1)
    clock = providers.clock

    deliver_due(now=clock())
    [row] = rows()
    assert (row.state, row.attempts) == ("failed", 1) and "钉钉系统繁忙" in row.last_error
    assert row.next_attempt_at == clock() + dt.timedelta(seconds=30)

    assert deliver_due(now=clock.advance(seconds=29)) == 0  # not yet
    deliver_due(now=clock.advance(seconds=1))
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 2) and "HTTP 502" in row.last_error
    assert row.next_attempt_at == clock() + dt.timedelta(minutes=2)

    deliver_due(now=clock.advance(minutes=2))
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(providers.ding.robots[token].messages) == 1


def test_after_the_last_retry_the_row_is_dead_and_a_resend_delivers_it(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    _, token = robot_for("wecom", world, providers)
    providers.wecom.fail_next += [Answer(200, {"errcode": -1, "errmsg": "system error"})] * MAX_ATTEMPTS
    robot_messages(world, 1)

    run_until_delivered(providers.clock, step=dt.timedelta(minutes=5))

    [row] = rows()
    assert (row.state, row.attempts) == ("dead", MAX_ATTEMPTS)
    assert "企业微信返回错误" in row.last_error
    assert providers.wecom.robots[token].messages == []

    services.resend(actor=world.chamber_admin, messages=OutboxMessage.objects.all())
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)
    deliver_due(now=providers.clock())
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)
    assert len(providers.wecom.robots[token].messages) == 1


def test_a_permanent_error_is_dead_at_once(world: SimpleNamespace, providers: SimpleNamespace) -> None:
    make_robot(actor=world.chamber_admin, organisation=world.chamber_a,
               webhook=providers.ding.webhook("f" * 64))  # fmt: skip  # a token DingTalk does not know
    robot_messages(world, 1)

    deliver_due(now=providers.clock())

    [row] = rows()
    assert (row.state, row.attempts) == ("dead", 1)
    assert "access_token" in row.last_error


def test_sms_notifications_to_one_number_keep_to_50_a_day(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    # Given 55 case updates for one citizen (the provider allows 50 a day per number and template)
    for i in range(55):
        notify_mobile(mobile="13800001234", event="case.accept", key=f"case:1:event:{i}", template="case_update",
                      params={"number": "33080220261001000001", "status": "已受理", "query_code": "ABCD2345"},
                      title="办件：受理")  # fmt: skip
    start = providers.clock()

    # When the task runs through the day (every ten minutes)
    run_until_delivered(providers.clock, step=dt.timedelta(minutes=10))

    # Then every one arrived once, 50 on the first day and the rest when the window allowed
    accepted = providers.sms.accepted
    assert sorted(s.out_id for s in accepted) == sorted(f"case:1:event:{i}:sms" for i in range(55))
    assert max_in_window([s.accepted_at for s in accepted], dt.timedelta(days=1)) == 50
    assert providers.clock() - start >= dt.timedelta(days=1)
    assert {(r.state, r.attempts) for r in rows()} == {("sent", 1)}
    assert "BUSINESS_LIMIT_CONTROL" not in "".join(r.last_error for r in rows())


def test_an_sms_the_provider_already_has_is_not_sent_again(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    # Given two rows whose worker died during the request: the provider got the first, not the second
    for i in (1, 2):
        notify_mobile(mobile="13800001234", event="case.forward", key=f"case:9:event:{i}", template="case_update",
                      params={"number": "N", "status": "已转递", "query_code": "Q"}, title="办件：转递")  # fmt: skip
    first, second = rows()
    from shanghui.notify.channels.aliyun_sms import AliyunSmsBackend

    AliyunSmsBackend().send(
        mobile=first.address, template="case_update", params=first.params, out_id=first.key
    )
    OutboxMessage.objects.update(attempts=1, attempt_started_at=providers.clock())

    # When the task takes them up again
    deliver_due(now=providers.clock())

    # Then the provider was asked, and each message exists there exactly once
    assert sorted(s.out_id for s in providers.sms.accepted) == [first.key, second.key]
    assert providers.sms.actions.count("QuerySendDetails") == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "sent" and first.provider_id.startswith("aliyun-outid@") and first.attempts == 1
    assert second.state == "sent" and second.provider_id.endswith("^0") and second.attempts == 2


def test_if_the_provider_cannot_say_nothing_is_sent(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    notify_mobile(mobile="13800001234", event="case.forward", key="case:9:event:1", template="case_update",
                  params={"number": "N", "status": "已转递", "query_code": "Q"}, title="办件：转递")  # fmt: skip
    OutboxMessage.objects.update(attempts=1, attempt_started_at=providers.clock())
    providers.sms.fail_next.append(Answer(503, {"Code": "ServiceUnavailable"}))

    deliver_due(now=providers.clock())

    [row] = rows()
    assert row.state == "failed" and row.attempt_started_at is not None  # still to be checked
    assert "无法确认上次发送结果" in row.last_error
    assert providers.sms.accepted == []
    deliver_due(now=providers.clock.advance(minutes=2))
    row.refresh_from_db()
    assert row.state == "sent" and len(providers.sms.accepted) == 1


def test_a_robot_message_whose_outcome_was_lost_is_sent_again(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    # The documented residual: robots have no look-up, so an unknown outcome means at least once.
    _, token = robot_for("dingtalk", world, providers)
    robot_messages(world, 1)
    OutboxMessage.objects.update(attempts=1, attempt_started_at=providers.clock())

    deliver_due(now=providers.clock())

    [row] = rows()
    assert (row.state, row.attempts) == ("sent", 2)
    assert len(providers.ding.robots[token].messages) == 1


def test_email_carries_a_message_id_from_the_row_key(world: SimpleNamespace, settings: object) -> None:
    settings.NOTIFY_EXTERNAL_ENABLED = True  # type: ignore[attr-defined]
    world.clerk.email = "clerk@example.gov.cn"
    world.clerk.save(update_fields=["email"])
    services.set_preferences(actor=world.clerk, user=world.clerk, grid={("case.forward", "email"): True})
    notify_users(users=[world.clerk], event="case.forward", key="case:7:event:8", title="办件7：预审通过并转递",
                 body="居民身份证办理", url="/cases/7/")  # fmt: skip

    deliver_due()
    # A crash after the SMTP server took it: the copy carries the same Message-ID.
    OutboxMessage.objects.filter(channel="email").update(state="pending", attempt_started_at=timezone.now(),
                                                         next_attempt_at=timezone.now())  # fmt: skip
    deliver_due()

    first, again = mail.outbox
    assert first.to == ["clerk@example.gov.cn"] and "办件7：预审通过并转递" in first.subject
    assert "http://127.0.0.1:8000/cases/7/" in first.body
    assert (
        first.extra_headers["Message-ID"]
        == again.extra_headers["Message-ID"]
        == message_id(f"case:7:event:8:email:{world.clerk.pk}")
    )


def test_in_app_delivered_twice_shows_once(world: SimpleNamespace) -> None:
    notify_users(users=[world.clerk], event="case.forward", key="case:7:event:8", title="t", body="b")
    deliver_due()
    OutboxMessage.objects.update(
        state="pending", attempt_started_at=timezone.now(), next_attempt_at=timezone.now()
    )
    deliver_due()
    [row] = rows()
    assert (row.state, row.attempts) == ("sent", 2)
    assert world.clerk.notifications.count() == 1


def test_nothing_leaves_the_server_while_external_sending_is_off(
    world: SimpleNamespace, providers: SimpleNamespace, settings: object
) -> None:
    settings.NOTIFY_EXTERNAL_ENABLED = False  # type: ignore[attr-defined]  # the default
    robot_for("dingtalk", world, providers)
    world.agent.email = "agent@example.gov.cn"
    world.agent.save(update_fields=["email"])
    services.set_preferences(actor=world.agent, user=world.agent,
                             grid={("case.submit", "sms"): True, ("case.submit", "email"): True})  # fmt: skip
    notify_users(users=[world.agent], event="case.submit", key="case:5:event:6", title="办件5：提交申请", body="b",
                 orgs=[world.point_a])  # fmt: skip
    notify_mobile(mobile="13800001234", event="case.submit", key="case:5:event:6", template="case_update",
                  params={"number": "N", "status": "待预审", "query_code": "Q"}, title="办件5")  # fmt: skip

    deliver_due()

    assert providers.ding.requests == providers.sms.requests == 0 and mail.outbox == []
    assert {r.state for r in rows()} == {"sent"}
    assert {r.channel for r in rows() if r.provider_id.startswith("console:")} == {"dingtalk", "email"}
    assert {m["mobile"] for m in ConsoleSmsBackend.outbox} == {"13800001234", world.agent.mobile}


def test_the_outbox_and_the_one_time_codes_follow_the_same_provider_limits() -> None:
    assert [(w, n) for w, n, _ in otp.SEND_LIMITS] == list(VERIFICATION_LIMITS)


def test_rows_of_a_run_that_died_come_back_by_themselves(world: SimpleNamespace) -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from shanghui.notify.tasks import LEASE, Run, _claim, deliver_outbox

    notify_users(users=[world.clerk], event="case.forward", key="k", title="t", body="b")
    DBTaskResult.objects.all().delete()  # the immediate run it enqueued never happens
    start = timezone.now()

    # A run claims the row, then dies before delivering it
    assert _claim(Run(now=start)) is not None
    runs = DBTaskResult.objects.filter(task_path=deliver_outbox.module_path, status=TaskResultStatus.READY)
    # It had already scheduled a run for when its lease ends (once, however many runs claim)
    assert [r.run_after for r in runs] == [start + LEASE]
    assert deliver_due(now=start + LEASE - dt.timedelta(seconds=1)) == 0
    assert runs.count() == 1
    # And that run delivers it
    deliver_due(now=start + LEASE)
    assert world.clerk.notifications.count() == 1


def test_the_task_schedules_itself_for_the_first_row_that_waits(
    world: SimpleNamespace, providers: SimpleNamespace
) -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from shanghui.notify.tasks import deliver_outbox

    robot_for("dingtalk", world, providers)
    robot_messages(world, 21)
    DBTaskResult.objects.all().delete()

    assert deliver_outbox.call() == 21  # 20 sent, 1 waiting for the robot's minute

    [waiting_row] = OutboxMessage.objects.exclude(state="sent")
    runs = DBTaskResult.objects.filter(task_path=deliver_outbox.module_path, status=TaskResultStatus.READY)
    assert waiting_row.attempts == 0
    # A run when the robot's minute frees (besides the one for the lease, in case this run had died)
    assert waiting_row.next_attempt_at in {r.run_after for r in runs}
