"""Cursor (keyset) pagination: a page is "the next N rows after this one" in a fixed total order, so a
row inserted while a client pages through never shifts the pages (no row seen twice, none skipped among
those that existed when the walk began). The cursor is opaque to clients: the sort key of the last row
of the page, base64-encoded JSON.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema

from shanghui.apiv1.errors import ApiError
from shanghui.lib.bounds import NUL, date_in_range, int_in_range

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class PageParams(Schema):
    cursor: str | None = Field(None, description="上一页返回的 next_cursor；不填为第一页", max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}")


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps(
        [v.isoformat() if isinstance(v, dt.datetime) else v for v in values], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, kinds: Sequence[type]) -> list[Any]:
    invalid = ApiError(422, "分页游标无效，请从第一页重新开始", fields={"cursor": ["分页游标无效"]})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise invalid
    decoded: list[Any] = []
    for value, kind in zip(values, kinds, strict=True):
        try:
            if kind is dt.datetime:
                parsed = dt.datetime.fromisoformat(value)
                if parsed.tzinfo is None or not date_in_range(parsed):
                    raise ValueError
                decoded.append(parsed)
            elif kind is int:
                if not isinstance(value, int) or isinstance(value, bool) or not int_in_range(value):
                    raise ValueError
                decoded.append(value)
            else:
                if not isinstance(value, str) or NUL in value:
                    raise ValueError
                decoded.append(value)
        except (TypeError, ValueError):
            raise invalid from None
    return decoded


def keyset_page(
    queryset: QuerySet[M],
    params: PageParams,
    *,
    keys: Sequence[tuple[str, type]],
    descending: bool,
) -> tuple[list[M], str | None]:
    """(rows of this page, cursor of the next page or None). `keys` name the sort fields and their
    types, ending with a unique one (the primary key, or a unique path)."""
    names = [name for name, _kind in keys]
    order = [f"-{name}" if descending else name for name in names]
    if params.cursor:
        after = _decode(params.cursor, [kind for _name, kind in keys])
        queryset = queryset.filter(_after_q(names, after, descending))
    rows = list(queryset.order_by(*order)[: params.limit + 1])
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, _encode([getattr(last, name) for name in names])


def _after_q(names: Sequence[str], values: Sequence[Any], descending: bool) -> Q:
    """Rows strictly after `values` in the (name1, name2, …) order: (a < x) or (a = x and b < y) …"""
    op = "lt" if descending else "gt"
    q = Q(pk__in=[])
    for i, name in enumerate(names):
        equal = {n: v for n, v in zip(names[:i], values[:i], strict=True)}
        q |= Q(**equal, **{f"{name}__{op}": values[i]})
    return q


def page_of(rows: list[M], next_cursor: str | None, item: Callable[[M], Any]) -> dict[str, Any]:
    return {"items": [item(row) for row in rows], "next_cursor": next_cursor}
