"""Where the platform already knows an indicator's answer: programmes register proposal sources in their
AppConfig.ready() (`register("party.venue", "阵地登记", fn)`), and a new card proposes each indicator's
value from its source, saying where it came from. The engine imports no programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from shanghui.orgs.models import Organisation

# (organisation, start of the period, end of the period) → (value, where it came from), or None: no data.
Answer = Callable[[Organisation, dt.date, dt.date], tuple[Decimal, str] | None]


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    answer: Answer


_SOURCES: dict[str, Source] = {}


def register(key: str, label: str, answer: Answer) -> None:
    if key in _SOURCES and _SOURCES[key].answer is not answer:
        raise ValueError(f"scorecard source {key!r} registered twice")
    _SOURCES[key] = Source(key, label, answer)


def source(key: str) -> Source | None:
    return _SOURCES.get(key)


def choices() -> list[tuple[str, str]]:
    return [(s.key, s.label) for s in _SOURCES.values()]
