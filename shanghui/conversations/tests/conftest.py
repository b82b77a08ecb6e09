"""Conversation test helpers. The proxy-case fixtures (`pw`) serve them: a proxy case owns the first
conversations."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.accounts.models import User

ORIGIN = b"http://testserver"


def staff_session(user: User) -> str:
    """The session key of a logged-in staff member (as the login page leaves it)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def citizen_session(mobile: str, *, verified_at: float | None = None) -> str:
    """The session key of a citizen who proved `mobile` with a one-time code at `verified_at` (now)."""
    session = SessionStore()
    session[CITIZEN_SESSION_KEY] = mobile
    session[VERIFIED_AT_KEY] = int(time.time() if verified_at is None else verified_at)
    session.save()
    assert session.session_key is not None
    return session.session_key


def staff_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def citizen_client(mobile: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = citizen_session(mobile)
    return client
