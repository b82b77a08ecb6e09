"""The citizen's session: citizens have no account; they prove a mobile number with a one-time SMS code
(shanghui/proxy/otp.py sends and checks the codes) and the session then holds the number for
SESSION_SECONDS. Every programme's citizen pages and the conversation sockets read it from here."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils import timezone

CITIZEN_SESSION_KEY = "citizen_mobile"
VERIFIED_AT_KEY = "citizen_verified_at"
SESSION_SECONDS = 2 * 3600


def citizen_session(session: Any, *, now: float | None = None) -> tuple[str, float]:
    """(mobile, valid until as a Unix time) of the number proved in this session, or ("", 0) when none
    or expired."""
    if session is None:
        return "", 0.0
    mobile = str(session.get(CITIZEN_SESSION_KEY, "") or "")
    verified_at = session.get(VERIFIED_AT_KEY)
    if not mobile or not isinstance(verified_at, int):
        return "", 0.0
    until = float(verified_at + SESSION_SECONDS)
    if (time.time() if now is None else now) > until:
        return "", 0.0
    return mobile, until


def sign_in(request: HttpRequest, mobile: str) -> None:
    """Remember the proved number. A new session key (and CSRF token), as at any login, so a session
    id planted before the login is worth nothing after it."""
    request.session.cycle_key()
    rotate_token(request)
    request.session[CITIZEN_SESSION_KEY] = mobile
    request.session[VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    if not request.user.is_authenticated:
        # Staff sessions keep their own lifetime; the citizen mark expires on its own (verified_mobile).
        request.session.set_expiry(SESSION_SECONDS)


def sign_out(request: HttpRequest) -> None:
    request.session.pop(CITIZEN_SESSION_KEY, None)
    request.session.pop(VERIFIED_AT_KEY, None)


def verified_mobile(request: HttpRequest) -> str:
    """The number proved in this session within SESSION_SECONDS, or "" (and an expired mark is dropped)."""
    if not request.session.get(CITIZEN_SESSION_KEY):
        return ""
    mobile, _until = citizen_session(request.session, now=timezone.now().timestamp())
    if not mobile:
        sign_out(request)
    return mobile
