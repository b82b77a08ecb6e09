"""What the server accepts from outside, in one place: integers that fit a 64-bit column, dates and times
far enough from the ends of the calendar that any time-zone conversion or "+1 day" stays in range, and
text without NUL characters (PostgreSQL cannot store them). Forms, the REST API, Open311 and the
middleware check input with these rules, so that an extreme value is a clear 4xx and never a 500.

Why each rule: SQLite refuses to bind an integer beyond 64 bits (OverflowError) where Django does not
catch it (foreign keys, `__in` lists); `date(9999, 12, 31) + 1 day` and `0001-01-01T00:00+14:00` in UTC
are outside Python's datetime; PostgreSQL refuses NUL in text (DataError).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import annotated_types
from django import forms
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
INT_MESSAGE = "数值超出范围"

MIN_YEAR, MAX_YEAR = 1900, 2999
DATE_MIN, DATE_MAX = dt.date(MIN_YEAR, 1, 1), dt.date(MAX_YEAR, 12, 31)
DATE_RANGE = f"{DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d}"
DATE_MESSAGE = f"日期应在 {DATE_RANGE} 之间"

NUL = "\x00"
NUL_MESSAGE = "不能包含空字符（NUL，\\x00）"


def int_in_range(value: int) -> bool:
    return MIN_INT <= value <= MAX_INT


def date_in_range(value: dt.date) -> bool:
    """A date, or a datetime (its own calendar day: a time zone moves it by less than a day)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def validate_int(value: int) -> None:
    """A Django validator (forms.IntegerField(validators=[…]))."""
    if not int_in_range(value):
        raise ValidationError(INT_MESSAGE, code="int_range")


def validate_date(value: dt.date) -> None:
    """A Django validator for date and datetime fields."""
    if not date_in_range(value):
        raise ValidationError(DATE_MESSAGE, code="date_range")


class DayField(forms.DateField):
    """A date typed into a filter or form: Django's DateField within DATE_MIN–DATE_MAX."""

    default_validators = [validate_date]


def parse_int(raw: str | None) -> int | None:
    """An integer typed by someone (a query or form value), or None when it is not one or out of range."""
    text = (raw or "").strip()
    try:
        value = int(text)
    except ValueError:
        return None
    return value if int_in_range(value) else None


# --- The same rules as pydantic types (django-ninja schemas and parameters) -----------------------------


def _pydantic_date(value: dt.date) -> dt.date:
    if not date_in_range(value):
        raise PydanticCustomError("date_range", DATE_MESSAGE)
    return value


def _pydantic_text(value: str) -> str:
    if NUL in value:
        raise PydanticCustomError("nul", NUL_MESSAGE)
    return value


# An id, a count or any integer that reaches the database.
Int = Annotated[int, annotated_types.Interval(ge=MIN_INT, le=MAX_INT)]
Day = Annotated[dt.date, AfterValidator(_pydantic_date)]
Moment = Annotated[dt.datetime, AfterValidator(_pydantic_date)]
Text = Annotated[str, AfterValidator(_pydantic_text)]


# --- NUL ------------------------------------------------------------------------------------------------


def _json_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _json_strings(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}.{index}" if path else str(index))


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def nul_inputs(request: HttpRequest) -> list[str]:
    """The names of the request's inputs that hold a NUL character: query and form fields (name or
    value), uploaded files' names, strings anywhere in a JSON body (`applicant.name`, `ids.0`), and
    `path` for the URL itself. Reading the form may raise what Django raises for a malformed or too
    large body (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent): the caller answers those."""
    found: list[str] = []
    if NUL in request.path:
        found.append("path")
    sources = [request.GET]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            if NUL in key or any(NUL in v for v in values):
                found.append(key.replace(NUL, "\\x00"))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        for key, files in request.FILES.lists():
            if NUL in key or any(NUL in (f.name or "") for f in files):
                found.append(key.replace(NUL, "\\x00"))
        # Anything but a form is read as JSON, as django-ninja reads a body whatever its declared type.
        if request.content_type not in FORM_TYPES and request.body:
            try:
                document = json.loads(request.body)
            except ValueError:
                document = None  # not JSON: the view answers that
            for name, text in _json_strings(document, ""):
                if NUL in text:
                    found.append(name.replace(NUL, "\\x00") or "__all__")
    return list(dict.fromkeys(found))


V = TypeVar("V", bound=Callable[..., Any])


def checks_own_input(view: V) -> V:
    """Marks a view that refuses NUL and unreadable bodies itself, in the error shape of its API (the REST
    API, Open311): the pages' middleware (home.middleware.RefuseNulMiddleware) leaves it alone."""
    view.checks_own_input = True  # type: ignore[attr-defined]
    return view


# What Django raises while reading a request body it cannot use.
UNREADABLE_BODY = (MultiPartParserError, BadRequest, SuspiciousOperation)


def unreadable_body(exc: BaseException) -> tuple[int, str] | None:
    """(HTTP status, Chinese explanation) when `exc` says the request body could not be read, else None."""
    if isinstance(exc, RequestDataTooBig):
        return 413, "请求体过大"
    if isinstance(exc, MultiPartParserError):
        # Django reads at most 1 KB of each part's headers: a file name that long cannot be read.
        if "header size" in str(exc):
            return 400, "上传内容无法读取：文件名或字段名过长，请改短文件名后重试"
        return 400, "上传内容无法读取：请求体不是有效的 multipart/form-data"
    if isinstance(exc, RawPostDataException):
        # A multipart body (read as a form by the input checks) sent where a JSON body is expected.
        return 400, "请求体应为 JSON（Content-Type: application/json）"
    if isinstance(exc, UNREADABLE_BODY):
        return 400, "请求格式不正确"
    return None
