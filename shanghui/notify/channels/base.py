"""What every channel client shares: the one error type with its three outcomes, a small HTTP client
(standard library, no new dependency) and safe truncation of UTF-8 text.

A client never puts a credential (a webhook token, an access key, a signature) or personal data into an
error: errors are stored on the outbox row and shown to administrators.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# (window, most sends inside it) pairs: a target may take a send only while every window has room.
Limits = tuple[tuple[dt.timedelta, int], ...]

ELLIPSIS = "…"


class ChannelError(Exception):
    """A delivery that did not happen, with what to do about it:

    * retryable (default): try again after the back-off; counts as an attempt;
    * permanent (`retryable=False`): trying again cannot help (a bad token, an invalid number), the row
      is dead-lettered at once for an administrator to look at;
    * rate limited (`retry_after` set): the provider asks to wait; the row is rescheduled after the wait
      and the attempt does not count.

    The message is Chinese, for the administrators' page, and never holds a credential or personal data.
    """

    def __init__(
        self, message: str, *, retryable: bool = True, retry_after: dt.timedelta | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.retryable = retryable or retry_after is not None
        self.retry_after = retry_after
        self.code = code

    @property
    def rate_limited(self) -> bool:
        return self.retry_after is not None


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ChannelError(f"服务商返回了无法解析的应答（HTTP {self.status}）") from None
        if not isinstance(data, dict):
            raise ChannelError(f"服务商返回了无法解析的应答（HTTP {self.status}）")
        return data


def post(url: str, *, data: bytes, content_type: str) -> HttpAnswer:
    """POST and return the answer whatever its status. Network failures (refused, reset, timeout) are
    retryable errors that do not name the URL (it may hold a token)."""
    request = urllib.request.Request(  # noqa: S310  (the URL was checked against the configured API base)
        url,
        data=data,
        method="POST",
        headers={"Content-Type": content_type, "User-Agent": "shanghui-notify/1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:  # noqa: S310
            return HttpAnswer(response.status, response.read())
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, exc.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChannelError(f"网络错误：{type(reason).__name__}", code="network") from None


def post_json(url: str, payload: dict[str, Any]) -> HttpAnswer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return post(url, data=body, content_type="application/json; charset=utf-8")


def truncate_utf8(text: str, max_bytes: int, ellipsis: str = ELLIPSIS) -> str:
    """`text` cut to at most `max_bytes` bytes of UTF-8, never inside a character, ending with an
    ellipsis when something was cut."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    room = max_bytes - len(ellipsis.encode("utf-8"))
    # errors="ignore" drops the partial character that a byte cut may leave at the end.
    return encoded[: max(room, 0)].decode("utf-8", errors="ignore") + ellipsis


def absolute_url(path: str) -> str:
    """A link for people outside the site (robots, e-mail): NOTIFY_SITE_URL in front of a local path."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.NOTIFY_SITE_URL.rstrip("/") + path


def webhook_under(url: str, base: str, path: str, token_param: str) -> bool:
    """Whether `url` is the robot API's webhook under the configured base (https://oapi.dingtalk.com…),
    with its token parameter: the server posts only there, never to an address an administrator typed."""
    head, _, query = url.strip().partition("?")
    token = urllib.parse.parse_qs(query).get(token_param, [""])[0]
    return head == base.rstrip("/") + path and bool(token) and "#" not in url


def mask_webhook(url: str) -> str:
    """The webhook with its token cut to its first and last four characters, for lists."""
    head, sep, query = url.partition("?")
    if not sep:
        return head
    parts = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if eq and len(value) > 8:
            value = value[:4] + "…" + value[-4:]
        elif eq:
            value = "…"
        parts.append(f"{name}{eq}{value}")
    return head + "?" + "&".join(parts)
