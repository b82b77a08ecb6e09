"""The shared shape of staff list pages: search, filters from the query string, pagination."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int | None = None, count: int | None = None
) -> Page[Any]:
    """A page of `queryset`; `count`, when the caller already knows how many rows it has, spares
    counting them again."""
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: set here, it is not computed
    # get_page() turns a bad or out-of-range page number into the nearest valid page.
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
