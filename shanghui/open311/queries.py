"""GET requests: the spec's filters and the widely used extensions, parsed and applied.

Spec: service_request_id (comma list, overrides every other argument), service_code (comma list),
start_date/end_date on requested_datetime (at most 90 days apart; by default the last 90 days),
status (open, closed; comma list); at most 1000 requests.
Extensions: page (from 1) and page_size (1–1000, default 1000); updated_after/updated_before on
updated_datetime. With either of those and no start_date/end_date, the 90-day default on
requested_datetime does not apply (a client catching up on changes wants old requests that changed),
and the list is in updated_datetime order so that it can be paged through while it grows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from shanghui.lib.bounds import DATE_MESSAGE, date_in_range, parse_int
from shanghui.open311.errors import Open311Error
from shanghui.open311.serializers import BEIJING, CLOSED_LABEL, OPEN_LABEL
from shanghui.proxy.models import OPEN_STATUSES, Case

MAX_SPAN = dt.timedelta(days=90)
MAX_REQUESTS = 1000
# A "+" in an unencoded query string arrives as a space: 2026-01-01T00:00:00 08:00.
_SPACE_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


def parse_w3(name: str, raw: str) -> dt.datetime:
    """A w3 datetime (2010-01-01T00:00:00Z, …+08:00) or date (a Beijing day's start)."""
    text = _SPACE_OFFSET.sub(r"+\1", raw.strip())
    try:
        value = parse_datetime(text)
        day = None if value else parse_date(text)
    except ValueError:
        value, day = None, None
    if value is None and day is not None:
        value = dt.datetime.combine(day, dt.time.min)
    if value is None:
        raise Open311Error(400, f"{name} 不是有效的日期时间，请使用 W3C 格式，如 2026-01-01T00:00:00+08:00")
    if not date_in_range(value):
        raise Open311Error(400, f"{name} 超出范围：{DATE_MESSAGE}")
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)


def _comma_list(params: QueryDict, name: str) -> list[str]:
    return [part.strip() for value in params.getlist(name) for part in value.split(",") if part.strip()]


def _positive(params: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    value = parse_int(raw)
    if value is None or not 1 <= value <= maximum:
        raise Open311Error(400, f"{name} 应为 1 到 {maximum} 之间的整数")
    return value


@dataclass
class RequestQuery:
    ids: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    page: int = 1
    page_size: int = MAX_REQUESTS

    @property
    def by_update(self) -> bool:
        return not self.ids and (self.updated_after is not None or self.updated_before is not None)

    def apply(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        if self.ids:
            return cases.filter(number__in=self.ids).order_by("-submitted_at", "-pk")
        if self.codes:
            cases = cases.filter(item__code__in=self.codes)
        if self.statuses == {OPEN_LABEL}:
            cases = cases.filter(status__in=OPEN_STATUSES)
        elif self.statuses == {CLOSED_LABEL}:
            cases = cases.exclude(status__in=OPEN_STATUSES)
        if self.start is not None:
            cases = cases.filter(submitted_at__gte=self.start)
        if self.end is not None:
            cases = cases.filter(submitted_at__lte=self.end)
        if self.updated_after is not None:
            cases = cases.filter(updated_at__gt=self.updated_after)
        if self.updated_before is not None:
            cases = cases.filter(updated_at__lt=self.updated_before)
        if self.by_update:
            return cases.order_by("updated_at", "pk")
        return cases.order_by("-submitted_at", "-pk")

    def page_of(self, cases: QuerySet[Case]) -> tuple[list[Case], bool]:
        """This page's cases and whether another page follows (one row more is read to know)."""
        if self.ids:
            return list(cases), False
        offset = (self.page - 1) * self.page_size
        rows = list(cases[offset : offset + self.page_size + 1])
        return rows[: self.page_size], len(rows) > self.page_size


def parse_request_query(params: QueryDict, now: dt.datetime) -> RequestQuery:
    errors: list[str] = []
    query = RequestQuery()

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Open311Error as exc:
            errors.extend(exc.descriptions)
            return None

    query.ids = _comma_list(params, "service_request_id")
    if query.ids:
        # The spec: service_request_id overrides every other argument.
        if len(query.ids) > MAX_REQUESTS:
            raise Open311Error(400, f"service_request_id 一次最多 {MAX_REQUESTS} 个")
        return query
    query.codes = _comma_list(params, "service_code")
    query.statuses = set(_comma_list(params, "status"))
    if bad := query.statuses - {OPEN_LABEL, CLOSED_LABEL}:
        errors.append(f"status 只能是 open 或 closed（收到：{'、'.join(sorted(bad))[:60]}）")
    dates = {}
    for name in ("start_date", "end_date", "updated_after", "updated_before"):
        raw = (params.get(name) or "").strip()
        dates[name] = attempt(parse_w3, name, raw) if raw else None
    query.updated_after, query.updated_before = dates["updated_after"], dates["updated_before"]
    start, end = dates["start_date"], dates["end_date"]
    if start and end and start > end:
        errors.append(gettext("start_date 不能晚于 end_date"))
    elif start and end and end - start > MAX_SPAN:
        errors.append(gettext("start_date 与 end_date 相隔不能超过 90 天"))
    if start is None and end is None and not query.by_update:
        end, start = now, now - MAX_SPAN
    elif start is not None and end is None:
        end = start + MAX_SPAN
    elif end is not None and start is None:
        start = end - MAX_SPAN
    query.start, query.end = start, end
    query.page = attempt(_positive, params, "page", 1, 10**6) or 1
    query.page_size = attempt(_positive, params, "page_size", MAX_REQUESTS, MAX_REQUESTS) or MAX_REQUESTS
    if errors:
        raise Open311Error(400, errors)
    return query
