"""Every write of the notifications app.

Writing notifications into the outbox: call notify_users / notify_mobile inside the transaction that
makes the change; the rows commit or roll back with it, and the delivery task is enqueued in the same
transaction. notify_users fans out by each person's preferences (events × channels) and to the group
robots of the organisations involved.

Administration: robot configurations (save, enable/disable, send a test message), personal
preferences, and resending what failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.crypto import keyed_hash
from shanghui.notify import throttle
from shanghui.notify.channels import ChannelError, dingtalk, robot_limits, robot_target, send_robot, wecom
from shanghui.notify.events import DEFAULT_CHANNELS, EVENTS, TEST_EVENT
from shanghui.notify.models import (
    PERSONAL_CHANNELS,
    ChannelConfig,
    ChannelKind,
    MessageFormat,
    Notification,
    OutboxMessage,
    Preference,
    RobotKind,
)
from shanghui.notify.sms import MAX_PARAM_CHARS
from shanghui.orgs.models import PATH_STEP, Membership, Organisation

BACKOFF = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(hours=1))
MAX_ATTEMPTS = len(BACKOFF) + 1

OrgRef = Organisation | int


def _org_id(org: OrgRef) -> int:
    return org if isinstance(org, int) else org.pk


# --- Writing notifications ----------------------------------------------------------------------


def enabled_channels(users: Iterable[User], event: str) -> dict[int, set[str]]:
    """For each user, the personal channels on which `event` reaches them (their choice or the default)."""
    ids = [u.pk for u in users]
    chosen: dict[int, dict[str, bool]] = {pk: {} for pk in ids}
    for user_id, channel, enabled in Preference.objects.filter(user_id__in=ids, event=event).values_list(
        "user_id", "channel", "enabled"
    ):
        chosen[user_id][channel] = enabled
    return {pk: {c for c in PERSONAL_CHANNELS if chosen[pk].get(c, DEFAULT_CHANNELS[c])} for pk in ids}


def _org_paths(orgs: Iterable[OrgRef]) -> dict[int, str]:
    """Paths of the organisations, in the order given: those given as objects are not read again."""
    orgs = [o for o in orgs if o]
    ids = list(dict.fromkeys(_org_id(o) for o in orgs))
    paths = {o.pk: o.path for o in orgs if isinstance(o, Organisation)}
    missing = [pk for pk in ids if pk not in paths]
    if missing:
        paths |= dict(Organisation.objects.filter(pk__in=missing).values_list("pk", "path"))
    return {pk: paths[pk] for pk in ids if pk in paths}


def _robots(paths: Iterable[str], event: str) -> list[ChannelConfig]:
    above = {int(path[i : i + PATH_STEP]) for path in paths for i in range(0, len(path), PATH_STEP)}
    if not above:
        return []
    configs = ChannelConfig.objects.filter(enabled=True, organisation_id__in=above).select_related(
        "organisation"
    )
    return [c for c in configs.order_by("pk") if event in c.events]


def robots_for(orgs: Iterable[OrgRef], event: str) -> list[ChannelConfig]:
    """Enabled robots subscribed to `event` of the given organisations or any organisation above them."""
    return _robots(_org_paths(orgs).values(), event)


def notify_users(
    *,
    users: Iterable[User],
    event: str,
    key: str,
    title: str,
    body: str,
    url: str = "",
    subject: str = "",
    orgs: Iterable[OrgRef] = (),
    deliver: bool = True,
) -> int:
    """Notify staff of a happening. `key` identifies it (e.g. "case:42:event:7"): the same key and
    recipient is stored once however often this is called. Each person gets it on the channels they
    chose for `event` (in-app by default; SMS to their mobile, e-mail to their address when they opted
    in). `orgs` are the organisations involved (a case's proxy point, its window): their group robots and
    those of the organisations above them that subscribe to `event` get one message each, @-mentioning
    the people notified who work under the robot's organisation. Returns how many rows were written.
    `deliver=False`: the caller, writing several notifications in one transaction, calls
    schedule_delivery() once itself."""
    rows = outbox_for_users(
        users=users, event=event, key=key, title=title, body=body, url=url, subject=subject, orgs=orgs
    )
    return write_outbox(rows, deliver=deliver)


def outbox_for_users(
    *,
    users: Iterable[User],
    event: str,
    key: str,
    title: str,
    body: str,
    url: str = "",
    subject: str = "",
    orgs: Iterable[OrgRef] = (),
) -> list[OutboxMessage]:
    """The outbox rows notify_users writes, unsaved: for a caller that writes them with others in one
    insert (write_outbox)."""
    now = timezone.now()
    people = [u for u in {u.pk: u for u in users}.values() if u.is_active]
    org_paths = _org_paths(orgs)
    robots = _robots(org_paths.values(), event)
    workplaces: dict[int, list[str]] = {}
    # Where people work matters for choosing among several organisations and for the robots' mentions.
    if people and (len(org_paths) > 1 or robots):
        memberships = Membership.objects.filter(user__in=people).values_list("user_id", "organisation__path")
        for user_id, path in memberships:
            workplaces.setdefault(user_id, []).append(path)

    def works_under(user: User, org_path: str) -> bool:
        return any(path.startswith(org_path) for path in workplaces.get(user.pk, []))

    def org_of(user: User) -> int | None:
        # The organisation involved that the person works in (the window for a clerk), else the first.
        mine = [pk for pk, path in org_paths.items() if works_under(user, path)]
        return next(iter(mine or org_paths), None)

    common: dict[str, Any] = dict(event=event, title=title[:120], body=body, url=url, subject=subject,
                                  next_attempt_at=now)  # fmt: skip
    rows: list[OutboxMessage] = []
    channels = enabled_channels(people, event)
    for user in people:
        wanted, mine = channels[user.pk], {**common, "organisation_id": org_of(user), "recipient": user}
        if ChannelKind.IN_APP in wanted:
            rows.append(
                OutboxMessage(key=f"{key}:in_app:{user.pk}"[:120], channel=ChannelKind.IN_APP, **mine)
            )
        if ChannelKind.SMS in wanted and user.mobile:
            rows.append(OutboxMessage(
                key=f"{key}:sms:{user.pk}"[:120], channel=ChannelKind.SMS, address=user.mobile,
                template="staff_notice", params={"title": title[:MAX_PARAM_CHARS]}, **mine,
            ))  # fmt: skip
        if ChannelKind.EMAIL in wanted and user.email:
            rows.append(OutboxMessage(key=f"{key}:email:{user.pk}"[:120], channel=ChannelKind.EMAIL,
                                      address=user.email, **mine))  # fmt: skip
    for config in robots:
        mentioned = [u for u in people if u.mobile and works_under(u, config.organisation.path)]
        mobiles = sorted({str(u.mobile) for u in mentioned}) if config.mention else []
        organisation = next(
            (pk for pk, path in org_paths.items() if path.startswith(config.organisation.path)), None
        )
        rows.append(OutboxMessage(key=f"{key}:{config.kind}:{config.pk}"[:120], channel=config.kind, config=config,
                                  params={"mobiles": mobiles}, organisation_id=organisation, **common))  # fmt: skip
    return rows


def write_outbox(rows: list[OutboxMessage], *, deliver: bool = True) -> int:
    """Write outbox rows (of outbox_for_users, outbox_for_mobile) in one insert, each key once (a row
    whose key is stored already is left as it is); `deliver`: and enqueue a delivery run. Returns how
    many rows were given."""
    if not rows:
        return 0
    created = OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if deliver:
        schedule_delivery()
    return len(created)


def notify_mobile(
    *,
    mobile: str,
    event: str,
    key: str,
    template: str,
    params: dict[str, Any],
    title: str,
    subject: str = "",
    organisation: OrgRef | None = None,
    deliver: bool = True,
) -> None:
    """An SMS to a citizen's mobile number through a pre-approved template. `organisation` is the one
    the message is sent for (a case's proxy point): its administrators see it if it fails."""
    row = outbox_for_mobile(mobile=mobile, event=event, key=key, template=template, params=params,
                            title=title, subject=subject, organisation=organisation)  # fmt: skip
    OutboxMessage.objects.bulk_create([row], ignore_conflicts=True)
    if deliver:
        schedule_delivery()


def outbox_for_mobile(
    *,
    mobile: str,
    event: str,
    key: str,
    template: str,
    params: dict[str, Any],
    title: str,
    subject: str = "",
    organisation: OrgRef | None = None,
) -> OutboxMessage:
    """The outbox row notify_mobile writes, unsaved (see outbox_for_users)."""
    return OutboxMessage(
        key=f"{key}:sms"[:120],
        channel=ChannelKind.SMS,
        event=event,
        address=mobile,
        title=title[:120],
        body="",
        template=template,
        params=params,
        subject=subject,
        organisation_id=_org_id(organisation) if organisation else None,
        next_attempt_at=timezone.now(),
    )


def schedule_delivery() -> None:
    """Enqueue a delivery run. With the database task backend the task row is written in the caller's
    transaction, so the worker sees it only once the outbox rows are committed; several enqueues in
    one transaction are harmless (a run delivers every due row and finds nothing left for the next)."""
    from shanghui.notify.tasks import deliver_outbox

    deliver_outbox.enqueue()


# --- The inbox ----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Personal preferences -----------------------------------------------------------------------


def preferences_of(user: User) -> dict[tuple[str, str], bool]:
    """The whole grid of `user`: (event, channel) → whether it reaches them."""
    grid: dict[tuple[str, str], bool] = {
        (event, str(channel)): DEFAULT_CHANNELS[channel] for event in EVENTS for channel in PERSONAL_CHANNELS
    }
    for event, channel, enabled in Preference.objects.filter(user=user).values_list(
        "event", "channel", "enabled"
    ):
        if (event, channel) in grid:
            grid[(event, channel)] = enabled
    return grid


@transaction.atomic
def set_preferences(*, actor: User, user: User, grid: Mapping[tuple[str, str], bool]) -> int:
    """Store `user`'s choices (cells of the grid not given keep their value). Only the person themselves
    chooses. Returns how many cells changed."""
    if actor.pk != user.pk:
        raise ValidationError(_("只能修改自己的通知设置"))
    unknown = [cell for cell in grid if cell[0] not in EVENTS or cell[1] not in PERSONAL_CHANNELS]
    if unknown:
        raise ValidationError(_("通知设置中有未知的事件或渠道"))
    current = preferences_of(user)
    changed = {cell: value for cell, value in grid.items() if current[cell] != value}
    for (event, channel), enabled in changed.items():
        Preference.objects.update_or_create(
            user=user, event=event, channel=channel, defaults={"enabled": enabled}
        )
    return len(changed)


# --- Robot configurations -----------------------------------------------------------------------


def _check_webhook(kind: str, url: str) -> None:
    valid = dingtalk.valid_webhook(url) if kind == RobotKind.DINGTALK else wecom.valid_webhook(url)
    if not valid:
        example = (
            "https://oapi.dingtalk.com/robot/send?access_token=…"
            if kind == RobotKind.DINGTALK
            else "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
        )
        raise ValidationError({"webhook_url": f"请粘贴机器人的完整 Webhook 地址，形如 {example}"})


@transaction.atomic
def save_channel_config(
    *,
    actor: User,
    config: ChannelConfig | None = None,
    organisation: Organisation,
    kind: str,
    name: str,
    webhook_url: str = "",
    secret: str = "",
    events: Iterable[str],
    msg_format: str = MessageFormat.MARKDOWN,
    mention: bool = True,
    enabled: bool = True,
) -> ChannelConfig:
    """Create (`config` None) or change a robot. An empty `webhook_url` or `secret` on a change keeps the
    stored one (they are credentials and are never shown again)."""
    name = name.strip()
    events = sorted(set(events))
    errors: dict[str, str] = {}
    if kind not in RobotKind.values:
        errors["kind"] = "请选择机器人类型"
    if not name:
        errors["name"] = "请填写名称"
    if unknown := [e for e in events if e not in EVENTS]:
        errors["events"] = f"未知的事件：{'、'.join(unknown)}"
    if not events:
        errors["events"] = "请至少选择一个事件"
    if msg_format not in MessageFormat.values:
        errors["msg_format"] = "请选择消息格式"
    if errors:
        raise ValidationError(errors)
    webhook_url = webhook_url.strip() or (config.webhook_url if config else "")
    if not webhook_url:
        raise ValidationError({"webhook_url": "请填写 Webhook 地址"})
    _check_webhook(kind, webhook_url)
    secret = secret.strip() or (config.secret if config and config.kind == kind else "")
    duplicate = ChannelConfig.objects.filter(organisation=organisation, name=name)
    if config is not None:
        duplicate = duplicate.exclude(pk=config.pk)
    if duplicate.exists():
        raise ValidationError({"name": "该组织已有同名的群机器人"})
    creating = config is None
    if config is None:
        config = ChannelConfig(created_by=actor)
    else:
        config = ChannelConfig.objects.select_for_update().get(pk=config.pk)
    config.organisation = organisation
    config.kind = kind
    config.name = name
    config.webhook_url = webhook_url
    config.webhook_hash = keyed_hash(webhook_url)
    config.secret = secret
    config.events = events
    config.msg_format = msg_format
    config.mention = mention
    config.enabled = enabled
    config.save()
    # Which fields changed is enough for the audit: the webhook and secret are credentials.
    record(actor=actor, action=AuditAction.NOTIFY_CHANNEL_CREATE if creating else AuditAction.NOTIFY_CHANNEL_UPDATE, obj=config,
           detail={"organisation": organisation.pk, "kind": kind, "enabled": enabled, "events": events})  # fmt: skip
    return config


@transaction.atomic
def set_channel_enabled(*, actor: User, config: ChannelConfig, enabled: bool) -> ChannelConfig:
    config = ChannelConfig.objects.select_for_update().get(pk=config.pk)
    if config.enabled != enabled:
        config.enabled = enabled
        config.save(update_fields=["enabled", "updated_at"])
        record(actor=actor, action=AuditAction.NOTIFY_CHANNEL_UPDATE, obj=config, detail={"enabled": enabled})
    return config


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def send_test_message(*, actor: User, config: ChannelConfig, now: dt.datetime | None = None) -> TestResult:
    """Send a test message to the robot now (not through the outbox: the administrator waits for the
    answer), within the robot's rate limit like every other message. Returns the provider's answer in
    Chinese. Sent even when NOTIFY_EXTERNAL_ENABLED is off: an administrator asked for it, and it holds
    no personal data."""
    now = now or timezone.now()
    target = robot_target(config)
    with transaction.atomic():
        free_at = throttle.reserve(target, robot_limits(config), now)
    if free_at is not None:
        seconds = max(1, int((free_at - now).total_seconds() + 0.999))
        return TestResult(False, f"该机器人一分钟内已发送20条消息，请{seconds}秒后再试")
    local = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    message = OutboxMessage(
        key=f"test:{config.pk}:{now.timestamp()}", channel=config.kind, event=TEST_EVENT, config=config,
        title="商会+ 测试消息", body=f"这是一条测试消息，由{actor.display_name}于{local}发送。收到即表示配置正确。",
        url="", params={"mobiles": [actor.mobile] if config.mention and actor.mobile else []},
    )  # fmt: skip
    try:
        send_robot(message, config)
    except ChannelError as exc:
        if exc.rate_limited and exc.retry_after is not None:
            throttle.block(target, now + exc.retry_after)
        return TestResult(False, f"发送失败：{exc}")
    return TestResult(
        True, f"测试消息已发送，{config.get_kind_display()}已确认收到（errcode 0）。请到群里查看。"
    )


# --- Failed notifications -----------------------------------------------------------------------


@transaction.atomic
def resend(*, actor: User, messages: QuerySet[OutboxMessage]) -> int:
    """Send failed or dead-lettered notifications again from the start: attempts reset, due now. An
    earlier attempt whose outcome is unknown stays marked, so the provider is asked first (no double)."""
    ids = list(
        messages.select_for_update()
        .filter(state__in=[OutboxMessage.State.FAILED, OutboxMessage.State.DEAD])
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    OutboxMessage.objects.filter(pk__in=ids).update(
        state=OutboxMessage.State.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    for pk in ids:
        record(actor=actor, action=AuditAction.NOTIFY_RESEND, object_type="notify.outboxmessage", object_id=str(pk),
               object_repr=f"通知 {pk}")  # fmt: skip
    schedule_delivery()
    return len(ids)
