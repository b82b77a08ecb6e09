"""Every login, logout and failed login goes to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.crypto import keyed_hash


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor=user, action=AuditAction.LOGOUT, obj=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The login typed may be a mobile number: store only its keyed hash, never the text.
    login = str(credentials.get("username") or "").strip().lower()
    record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        request=request,
        detail={"login_hash": keyed_hash(login)[:16]},
    )
