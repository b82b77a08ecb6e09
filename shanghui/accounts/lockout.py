"""Log-in lock-out (django-axes, settings AXES_*): by account and address together, plus a limit per
address across accounts.

A staff member's login mobile may be known to anyone (a card, a signature), so failures counted per
account alone would let anyone lock that person out, again and again. Here a failure counts against
the pair (account, client address): AXES_FAILURE_LIMIT failures lock that account *from that address*,
and the owner logging in from their own address is never locked by someone else's failures. So that one
address cannot instead try a few passwords on each of many accounts, its failures across all accounts
are counted too: LOGIN_ADDRESS_FAILURE_LIMIT of them block that address, for every account, and no
other. Both counts use axes' rows (one per account, address and browser) within the cool-off
(AXES_COOLOFF_MINUTES since the row's last failure).

A successful log-in clears the failures of that account from that address only: the attacker's failures
elsewhere stay with the attacker's address. `shanghui axes_reset_username <username>` clears an
account's failures from every address; `shanghui axes_reset_ip <address>` an address's.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Set on the request when the address (not the account) is what is blocked, for the message.
ADDRESS_BLOCKED = "shanghui_address_blocked"


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with two limits: per (account, address) and per address."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """What axes compares with AXES_FAILURE_LIMIT: the failures of this account from this address,
        or the limit itself once the address has reached its own limit across accounts."""
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        )
        by_account = _failures(recent.filter(username=get_client_username(request, credentials)))
        address_limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
        blocked = bool(address_limit) and _failures(recent) >= address_limit
        setattr(request, ADDRESS_BLOCKED, blocked)
        if blocked:
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """After a successful log-in: this account's failures from this address, nobody else's."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return int(count)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The lock-out page (HTTP 429), saying in Chinese what is locked and for how long."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    context = {"minutes": minutes, "address_blocked": getattr(request, ADDRESS_BLOCKED, False)}
    return render(
        request, "accounts/locked.html", context, status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    )
