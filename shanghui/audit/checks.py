"""System checks: the audit log's keys and anchor stores are read at start-up (`shanghui check`, and
before `migrate` and `serve`), so a typo stops the deployment instead of the first audited action."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from shanghui.audit import anchors, chain


@checks.register(checks.Tags.security)
def audit_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    try:
        chain.keys()
    except ImproperlyConfigured as exc:
        problems.append(checks.Error(str(exc), id="audit.E001"))
    try:
        anchors.stores()
    except ImproperlyConfigured as exc:
        problems.append(checks.Error(str(exc), id="audit.E002"))
    return problems


@checks.register(checks.Tags.security, deploy=True)
def audit_production_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    # Only the newest key matters: an older one (the development key a first migration used, say) may stay
    # listed to verify its rows, and can never write again once the chain was rotated away from it.
    newest = settings.AUDIT_HMAC_KEYS[0] if settings.AUDIT_HMAC_KEYS else ""
    if newest.partition(":")[2].strip().startswith("dev-only-"):
        problems.append(
            checks.Warning(
                "AUDIT_HMAC_KEYS starts with the development key: anyone who reads the source can rewrite the "
                "audit log",
                hint="Put a key of your own in front, restart, run `shanghui audit rotate-key`; make one with "
                "python -c \"import secrets; print('k1:' + secrets.token_urlsafe(32))\"",
                id="audit.W001",
            )
        )
    if not settings.AUDIT_ANCHOR:
        problems.append(
            checks.Warning(
                "AUDIT_ANCHOR is empty: deleting the newest audit rows goes unnoticed", id="audit.W002"
            )
        )
    return problems
