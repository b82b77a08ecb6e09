"""The shared shape of staff list pages: search, filters from the query string, pagination."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int | None = None) -> Page[Any]:
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    # get_page() turns a bad or out-of-range page number into the nearest valid page.
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
