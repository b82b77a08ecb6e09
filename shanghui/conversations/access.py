"""Who is asking: the viewers a request or a WebSocket stands for.

A browser session may hold a staff login, a citizen's proved mobile number (the one-time-code check,
shanghui/accounts/citizen.py), or both. Pages say which one they speak as (`as=citizen` on the citizen's case
page); the other comes second, so either page works for a person who is both. What each viewer may do
is the owner's answer (shanghui/lib/owners.py), asked afresh on every request, message and delivered event.
"""

from __future__ import annotations

from typing import Any

from shanghui.accounts.citizen import citizen_session
from shanghui.accounts.models import User
from shanghui.lib.owners import Viewer


def viewers_for(user: Any, session: Any, *, as_citizen: bool = False) -> list[Viewer]:
    """The viewers this session may act as, the preferred one first (empty: an outsider)."""
    staff = [Viewer(user=user)] if isinstance(user, User) and user.is_authenticated and user.is_active else []
    mobile, _until = citizen_session(session)
    citizen = [Viewer(mobile=mobile)] if mobile else []
    return citizen + staff if as_citizen else staff + citizen
