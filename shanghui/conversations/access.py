"""Who is asking: the viewers a request or a WebSocket stands for.

A browser session may hold a staff login, a citizen's proved mobile number (the one-time-code check,
shanghui/proxy/otp.py), or both. Pages say which one they speak as (`as=citizen` on the citizen's case
page); the other comes second, so either page works for a person who is both. What each viewer may do
is the owner's answer (owners.py), asked afresh on every request, message and delivered event.
"""

from __future__ import annotations

import time
from typing import Any

from shanghui.accounts.models import User
from shanghui.conversations.owners import Viewer


def citizen_session(session: Any) -> tuple[str, float]:
    """(mobile, valid until as a Unix time) of the number proved in this session, or ("", 0) when none
    or expired — the rule of otp.verified_mobile(), which needs a request."""
    from shanghui.proxy.access import CITIZEN_SESSION_KEY
    from shanghui.proxy.otp import SESSION_SECONDS, VERIFIED_AT_KEY

    if session is None:
        return "", 0.0
    mobile = str(session.get(CITIZEN_SESSION_KEY, "") or "")
    verified_at = session.get(VERIFIED_AT_KEY)
    if not mobile or not isinstance(verified_at, int):
        return "", 0.0
    until = float(verified_at + SESSION_SECONDS)
    if time.time() > until:
        return "", 0.0
    return mobile, until


def viewers_for(user: Any, session: Any, *, as_citizen: bool = False) -> list[Viewer]:
    """The viewers this session may act as, the preferred one first (empty: an outsider)."""
    staff = [Viewer(user=user)] if isinstance(user, User) and user.is_authenticated and user.is_active else []
    mobile, _until = citizen_session(session)
    citizen = [Viewer(mobile=mobile)] if mobile else []
    return citizen + staff if as_citizen else staff + citizen
