"""What one person may post, from the settings CITIZEN_* and STAFF_* (citizens, who log in with a
one-time code and have no account, are held to stricter limits than staff). Read here, enforced where
posts are stored: message rates in conversations/services.py (counted by lib/ratelimit.py), upload
quotas in proxy/quotas.py (counted from the stored files)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from shanghui.lib.ratelimit import Rate, parse_rate

MB = 1024 * 1024


@dataclass(frozen=True)
class Quotas:
    messages_per_socket: Rate | None  # None: no limit
    messages_per_person: Rate | None
    case_files: int  # 0: no limit
    case_bytes: int
    daily_bytes: int


def quotas_for(*, citizen: bool) -> Quotas:
    prefix = "CITIZEN" if citizen else "STAFF"

    def setting(name: str) -> object:
        return getattr(settings, f"{prefix}_{name}")

    return Quotas(
        messages_per_socket=parse_rate(str(setting("MESSAGES_PER_SOCKET"))),
        messages_per_person=parse_rate(str(setting("MESSAGES_PER_PERSON"))),
        case_files=int(str(setting("CASE_MAX_FILES"))),
        case_bytes=int(str(setting("CASE_MAX_MB"))) * MB,
        daily_bytes=int(str(setting("DAILY_UPLOAD_MB"))) * MB,
    )


def megabytes(size: int) -> str:
    """A size for a Chinese message: "12.3 MB"."""
    return f"{size / MB:.1f} MB"
