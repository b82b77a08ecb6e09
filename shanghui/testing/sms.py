"""The SMS outbox: what the console SMS backend (the tests' and developers' SMS_BACKEND) sent. Every
test starts with it empty; the `sms_outbox` fixture gives it to a test that reads it.

    def test_the_citizen_gets_a_code(client, sms_outbox):
        ...
        assert sms_outbox.last_code(MOBILE) == ...
        [message] = sms_outbox                  # {"mobile", "template", "params", "text", …}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shanghui.notify.sms import ConsoleSmsBackend

__all__ = ["SmsOutbox", "sms_outbox"]


class SmsOutbox:
    """A view of ConsoleSmsBackend.outbox (the backend's list: messages sent by the server thread of a
    browser test arrive too)."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return ConsoleSmsBackend.outbox

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self.messages))

    def __len__(self) -> int:
        return len(self.messages)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.messages[index]

    def to(self, mobile: str, template: str | None = None) -> list[dict[str, Any]]:
        """The messages sent to `mobile` (of one template if given), oldest first."""
        return [m for m in self.messages if m["mobile"] == mobile and template in (None, m["template"])]

    def last_code(self, mobile: str | None = None) -> str:
        """The one-time code of the last "otp" message (to `mobile` if given)."""
        sent = [m for m in self.messages if m["template"] == "otp" and mobile in (None, m["mobile"])]
        assert sent, f"no one-time code was sent{f' to {mobile}' if mobile else ''}"
        return str(sent[-1]["params"]["code"])

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


@pytest.fixture
def sms_outbox() -> SmsOutbox:
    return SmsOutbox()
