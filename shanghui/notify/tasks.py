"""Delivery of the outbox.

A run claims one due row at a time with a row lock (SKIP LOCKED on PostgreSQL, so several workers share
the work) and a lease (NOTIFY_LEASE_SECONDS, five minutes by default), then for that row:

1. if an earlier attempt's outcome is unknown (`attempt_started_at` still set: its worker died during
   the network call), asks the provider whether it has the message, where the provider can tell (SMS:
   QuerySendDetails by OutId = the row key); if it has, the row is marked sent and nothing is sent;
2. takes a place in the target's rate-limit window (throttle.py) — or, when the window is full or the
   provider asked to wait, reschedules the row for when it frees, without counting an attempt;
3. records "attempt started" (attempts + 1, `attempt_started_at`) and commits, then calls the provider
   outside any transaction;
4. records the outcome: sent; rate limited (rescheduled after the provider's wait, the attempt not
   counted); failed with a back-off (BACKOFF); or dead — after the last attempt, or at once when trying
   again cannot help. Dead rows wait on the administrators' page "发送失败的通知" for a resend.

Exactly once, and where it is only at least once. In-app rows are idempotent (one Notification per row).
An SMS whose worker died after the provider accepted it is found by step 1 and never sent twice. A
group robot (DingTalk, WeCom) and SMTP offer no look-up: a worker that dies after the robot accepted a
message but before step 4 committed leaves the row "attempt started", and it is sent again when the lease
expires. That window is the length of one HTTP call plus one UPDATE (milliseconds); the robot then shows
the message twice. E-mail sent again carries the same Message-ID (derived from the row key), so mail
systems and readers can recognise the copy.

A run that claims a row also schedules a later run for when its lease expires, and every run schedules
one for the earliest row still waiting (a back-off, a rate limit, another worker's lease), so a row is
picked up again even when the worker that held it was killed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from shanghui.notify import throttle
from shanghui.notify.channels import ChannelError, Route, route_for
from shanghui.notify.models import OutboxMessage
from shanghui.notify.services import BACKOFF, MAX_ATTEMPTS

logger = logging.getLogger("shanghui.notify")

BATCH = 200
LEASE = dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
WAITING = [OutboxMessage.State.PENDING, OutboxMessage.State.FAILED]


@dataclass
class Run:
    now: dt.datetime | None = None
    safety_net: bool = False

    def clock(self) -> dt.datetime:
        return self.now or timezone.now()


def _claim(run: Run) -> OutboxMessage | None:
    now = run.clock()
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(state__in=WAITING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            # Only the outbox row: the robot configuration (an outer join) is read, not locked.
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        message = qs.select_related("config").first()
        if message is None:
            return None
        # A lease: other runs skip the row until it expires (a crashed run's row comes back then).
        message.next_attempt_at = now + LEASE
        message.save(update_fields=["next_attempt_at"])
        if not run.safety_net:
            # In the same transaction as the lease: if this worker dies, a run comes back for the row.
            _schedule_run(message.next_attempt_at)
            run.safety_net = True
        return message


def _failed(
    message: OutboxMessage,
    exc: ChannelError,
    now: dt.datetime,
    *,
    route: Route | None,
    counted: bool,
    keep_started: bool = False,
) -> str:
    """Record a failure. `counted`: whether `message.attempts` already counts this attempt (a network
    call was started); `keep_started`: the earlier attempt's outcome is still unknown (keep the mark)."""
    started = {} if keep_started else {"attempt_started_at": None}
    if exc.rate_limited and exc.retry_after is not None:
        # The provider's limit: wait as asked, for every row to the same target; not an attempt.
        if route is not None and route.target:
            throttle.block(route.target, now + exc.retry_after)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") - (1 if counted else 0), next_attempt_at=now + exc.retry_after,
            last_error=str(exc)[:300], **started,
        )  # fmt: skip
        logger.info("notification %s rate limited, retry in %s", message.pk, exc.retry_after)
        return "rate_limited"
    attempts = message.attempts + (0 if counted else 1)
    dead = not exc.retryable or attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.DEAD if dead else OutboxMessage.State.FAILED,
        attempts=attempts,
        last_error=str(exc)[:300],
        next_attempt_at=now + BACKOFF[min(attempts - 1, len(BACKOFF) - 1)],
        **started,
    )
    logger.warning(
        "notification %s failed (attempt %s%s): %s", message.pk, attempts, ", dead" if dead else "", exc
    )
    return "dead" if dead else "failed"


def _sent(message: OutboxMessage, provider_id: str, now: dt.datetime) -> str:
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.SENT, provider_id=provider_id[:120], sent_at=now, last_error="",
        attempt_started_at=None,
    )  # fmt: skip
    return "sent"


def _start(message: OutboxMessage, route: Route, now: dt.datetime) -> OutboxMessage | dt.datetime | None:
    """Take the rate-limit place and record the attempt as started, in one committed transaction.
    Returns the row as updated; or when to come back (the target is full); or None (the lease was lost)."""
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=message.pk, state__in=WAITING, next_attempt_at=message.next_attempt_at)
            .first()
        )
        if row is None:
            return None
        if route.target:
            free_at = throttle.reserve(route.target, route.limits, now)
            if free_at is not None:
                row.next_attempt_at = free_at
                row.save(update_fields=["next_attempt_at"])
                return free_at
        row.attempts += 1
        row.attempt_started_at = now
        row.save(update_fields=["attempts", "attempt_started_at"])
    row.config = message.config
    return row


def deliver_one(message: OutboxMessage, *, now: dt.datetime | None = None) -> str:
    """Deliver one claimed row; returns what happened: sent, found (the provider already had it),
    waiting (rate limit), rate_limited (the provider said so), failed, dead, or lost (the lease)."""
    now = now or timezone.now()
    try:
        route = route_for(message)
    except ChannelError as exc:
        return _failed(message, exc, now, route=None, counted=False)
    if message.attempt_started_at is not None and route.lookup is not None:
        try:
            found = route.lookup()
        except ChannelError as exc:
            # Cannot tell whether the provider has it: sending could double it, so ask again later.
            unsure = ChannelError(
                f"无法确认上次发送结果：{exc}", retryable=exc.retryable, retry_after=exc.retry_after
            )
            return _failed(message, unsure, now, route=None, counted=False, keep_started=True)
        if found:
            logger.info("notification %s was already accepted by the provider: not sent again", message.pk)
            _sent(message, found, now)
            return "found"
    started = _start(message, route, now)
    if started is None:
        return "lost"
    if isinstance(started, dt.datetime):
        return "waiting"
    try:
        provider_id = route.send()
    except ChannelError as exc:
        return _failed(started, exc, now, route=route, counted=True)
    except Exception as exc:  # an unexpected failure is recorded on the row like any other, never lost
        logger.exception("notification %s: unexpected error", message.pk)
        return _failed(
            started, ChannelError(f"内部错误：{type(exc).__name__}"), now, route=route, counted=True
        )
    return _sent(started, provider_id, now)


def deliver_due(limit: int = BATCH, *, now: dt.datetime | None = None) -> int:
    """Deliver up to `limit` due messages; returns how many were handled. `now` fixes the clock (tests)."""
    run = Run(now=now)
    count = 0
    while count < limit:
        message = _claim(run)
        if message is None:
            break
        deliver_one(message, now=run.clock())
        count += 1
    return count


def _schedule_run(run_after: dt.datetime) -> None:
    """A delivery run at `run_after`, unless one is already waiting to run by then."""
    if not deliver_outbox.get_backend().supports_defer:
        return  # e.g. the immediate backend: every enqueue already ran to the end
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult, get_date_max

        waiting = DBTaskResult.objects.filter(
            task_path=deliver_outbox.module_path, status=TaskResultStatus.READY
        )
        if waiting.filter(Q(run_after__lte=run_after) | Q(run_after=get_date_max())).exists():
            return
    deliver_outbox.using(run_after=run_after).enqueue()


def schedule_next(now: dt.datetime | None = None) -> None:
    """A run for the earliest row still waiting (back-off, rate limit, a lease held by another worker)."""
    upcoming = OutboxMessage.objects.filter(state__in=WAITING).order_by("next_attempt_at").first()
    if upcoming is not None:
        _schedule_run(max(upcoming.next_attempt_at, now or timezone.now()))


@task()
def deliver_outbox() -> int:
    delivered = deliver_due()
    # Housekeeping where it is cheap: one indexed, bounded DELETE per run keeps the rate-limit
    # windows to the targets that sent recently (every SMS number and robot would stay forever).
    throttle.prune(timezone.now())
    if delivered == BATCH:
        deliver_outbox.enqueue()
    else:
        schedule_next()
    return delivered
