"""Channel clients behind one interface: `route_for(message)` says where an outbox row goes — the
rate-limit target and its limits, how to send it (returning the provider's id or raising ChannelError),
and, where the provider offers one, how to look up an earlier attempt whose outcome was lost.

With NOTIFY_EXTERNAL_ENABLED off (the default, for development and demo databases whose invented
people have invented mobile numbers that may belong to real people) nothing leaves the server: SMS go
to the console backend, e-mail and robot messages to the log, each marked sent with a "console:" id.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from shanghui.lib.masking import mask_mobile
from shanghui.notify import sms
from shanghui.notify.channels import dingtalk, email, in_app, wecom
from shanghui.notify.channels.base import ChannelError, Limits
from shanghui.notify.models import ChannelConfig, ChannelKind, OutboxMessage, RobotKind

logger = logging.getLogger("shanghui.notify")

__all__ = [
    "ChannelError",
    "Route",
    "describe_target",
    "robot_limits",
    "robot_target",
    "route_for",
    "send_robot",
]


@dataclass(frozen=True)
class Route:
    # Rate-limit key ("" for none): the robot's webhook or the mobile number, as keyed hashes.
    target: str
    limits: Limits
    send: Callable[[], str]
    # Whether the provider already has an earlier attempt of this row (its id) — None where the
    # provider offers no look-up (robots, e-mail): those are sent again.
    lookup: Callable[[], str | None] | None = None


def robot_limits(config: ChannelConfig) -> Limits:
    return dingtalk.LIMITS if config.kind == RobotKind.DINGTALK else wecom.LIMITS


def robot_target(config: ChannelConfig) -> str:
    return f"robot:{config.webhook_hash}"


def send_robot(message: OutboxMessage, config: ChannelConfig) -> str:
    if config.kind == RobotKind.DINGTALK:
        return dingtalk.send(message, config)
    return wecom.send(message, config)


def _to_log(message: OutboxMessage, where: str) -> str:
    logger.info("[%s → %s] %s", message.get_channel_display(), where, message.title)
    return f"console:{message.channel}:{secrets.token_hex(4)}"


def route_for(message: OutboxMessage) -> Route:
    """Where `message` goes. Raises a permanent ChannelError when it cannot go anywhere."""
    external = settings.NOTIFY_EXTERNAL_ENABLED
    channel = message.channel
    if channel == ChannelKind.IN_APP:
        return Route("", (), lambda: in_app.send(message))
    if channel == ChannelKind.SMS:
        if not message.address:
            raise ChannelError("没有手机号码", retryable=False, code="address")
        gateway = sms.backend() if external else sms.console()

        def send_sms() -> str:
            sent = gateway.send(mobile=message.address, template=message.template, params=message.params,
                                out_id=message.key)  # fmt: skip
            return sent.provider_id or "sms"

        def look_up() -> str | None:
            assert message.attempt_started_at is not None
            return gateway.lookup(
                mobile=message.address, out_id=message.key, since=message.attempt_started_at
            )

        target = sms.rate_target(message.address, message.template)
        return Route(target, sms.limits_for(message.template), send_sms, look_up)
    if channel == ChannelKind.EMAIL:
        if not message.address:
            raise ChannelError("没有电子邮箱地址", retryable=False, code="address")
        if not external:
            return Route("", (), lambda: _to_log(message, "邮箱"))
        return Route("", (), lambda: email.send(message))
    if channel in (ChannelKind.DINGTALK, ChannelKind.WECOM):
        config = message.config
        if config is None:
            raise ChannelError("群机器人配置已删除", retryable=False, code="config")
        if not config.enabled:
            raise ChannelError("群机器人已停用", retryable=False, code="disabled")
        limits = robot_limits(config)
        if not external:
            return Route(robot_target(config), limits, lambda: _to_log(message, config.name))
        return Route(robot_target(config), limits, lambda: send_robot(message, config))
    raise ChannelError(f"未知的渠道 {channel}", retryable=False, code="channel")


def describe_target(message: OutboxMessage) -> str:
    """Who a row is for, as an administrator may see it (masked)."""
    if message.channel in (ChannelKind.DINGTALK, ChannelKind.WECOM):
        return message.config.name if message.config is not None else "（已删除的群机器人）"
    if message.channel == ChannelKind.SMS:
        return mask_mobile(message.address)
    if message.channel == ChannelKind.EMAIL:
        name, _, domain = message.address.partition("@")
        return f"{name[:2]}***@{domain}" if domain else "***"
    return ""
