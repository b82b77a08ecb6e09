"""One JSON shape for every error of /api/v1/, whoever raises it (our endpoints, the services, ninja's
own validation, Django's 404 and 405, an unexpected exception):

    {"error": {"code": "not_found", "message": "办件不存在或无权查看", "fields": {}}}

`code` is for machines (stable, English), `message` for people (Chinese), `fields` maps an input field to
its messages (422). A workflow conflict (409) adds the case's current status.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext, ngettext
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from shanghui.lib.bounds import unreadable_body
from shanghui.workflow.machine import Conflict, TransitionError

logger = logging.getLogger("shanghui.api")
E = TypeVar("E", bound=Exception)

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation",
    429: "rate_limited",
    500: "server_error",
}
# Every status an endpoint may answer with besides its success: declared on each operation, so that the
# OpenAPI document describes every response a client can get (schemathesis checks it does).
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429)
NON_FIELD = "__all__"


class ErrorDetail(Schema):
    code: str = Field(
        description="机器可读的错误代码：unauthorized, forbidden, not_found, method_not_allowed, conflict, "
        "validation, bad_request, payload_too_large, rate_limited, server_error"
    )
    message: str = Field(description="中文错误说明，可直接展示给用户")
    fields: dict[str, list[str]] = Field(default_factory=dict, description="各输入项的错误（422）")
    current_status: str | None = Field(None, description="办件当前状态（409 冲突时）")
    current_status_label: str | None = Field(None, description="办件当前状态的中文名称（409 冲突时）")
    retry_after: int | None = Field(None, description="多少秒后可以重试（429 时）")


class ErrorOut(Schema):
    error: ErrorDetail


def error_responses() -> dict[int, type[Schema]]:
    return dict.fromkeys(ERROR_STATUSES, ErrorOut)


def with_errors(success: dict[int, Any]) -> dict[int, Any]:
    """An operation's `response=`: its success bodies and every error status in the one shape."""
    return {**error_responses(), **success}


class ApiError(Exception):
    """Raised by endpoints for an answer other than success; rendered in the one shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES_BY_STATUS.get(status, "error")
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def json_error(status: int, message: str, *, code: str | None = None, **extra: Any) -> JsonResponse:
    """An error response outside ninja's handlers (unknown URL, wrong method)."""
    body = error_body(code or CODES_BY_STATUS.get(status, "error"), message, **extra)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# --- Validation messages in Chinese -----------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOCATIONS = {"body", "query", "path", "header", "form", "file", "cookie"}


def _pydantic_message(error: dict[str, Any]) -> str:
    """pydantic's messages are English; the API answers in Chinese. Messages we wrote ourselves (custom
    validators) are Chinese already and kept."""
    message = str(error.get("msg", ""))
    if _CJK.search(message):
        return message.removeprefix("Value error, ")
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if "expected" in ctx:  # "'read' or 'write'" → "read、write"
        ctx["expected"] = "、".join(re.sub(r"'|\bor\b|,", " ", str(ctx["expected"])).split())
    table = {
        "missing": gettext("此项为必填项"),
        "string_type": gettext("应为字符串"),
        "string_too_short": gettext("至少 %(min_length)s 个字符") % {"min_length": ctx.get("min_length", "")},
        "string_too_long": gettext("不能超过 %(max_length)s 个字符")
        % {"max_length": ctx.get("max_length", "")},
        "string_pattern_mismatch": gettext("格式不正确"),
        "int_parsing": gettext("应为整数"),
        "int_type": gettext("应为整数"),
        "int_from_float": gettext("应为整数"),
        "float_parsing": gettext("应为数字"),
        "bool_parsing": gettext("应为 true 或 false"),
        "bool_type": gettext("应为 true 或 false"),
        "greater_than_equal": gettext("不能小于 %(ge)s") % {"ge": ctx.get("ge", "")},
        "greater_than": gettext("应大于 %(gt)s") % {"gt": ctx.get("gt", "")},
        "less_than_equal": gettext("不能大于 %(le)s") % {"le": ctx.get("le", "")},
        "less_than": gettext("应小于 %(lt)s") % {"lt": ctx.get("lt", "")},
        "enum": gettext("取值无效，可选：%(expected)s") % {"expected": ctx.get("expected", "")},
        "literal_error": gettext("取值无效，可选：%(expected)s") % {"expected": ctx.get("expected", "")},
        "list_type": gettext("应为列表"),
        "too_long": gettext("最多 %(max_length)s 项") % {"max_length": ctx.get("max_length", "")},
        "too_short": gettext("至少 %(min_length)s 项") % {"min_length": ctx.get("min_length", "")},
        "dict_type": gettext("应为对象"),
        "model_type": gettext("应为对象"),
        "model_attributes_type": gettext("应为对象"),
        "extra_forbidden": gettext("不支持此参数"),
        "json_invalid": gettext("请求体不是有效的 JSON"),
        "json_type": gettext("请求体不是有效的 JSON"),
        "datetime_parsing": gettext("应为日期时间，如 2026-09-29T08:00:00+08:00"),
        "datetime_from_date_parsing": gettext("应为日期时间，如 2026-09-29T08:00:00+08:00"),
        "datetime_type": gettext("应为日期时间，如 2026-09-29T08:00:00+08:00"),
        "date_parsing": gettext("应为日期，如 2026-09-29"),
        "date_from_datetime_parsing": gettext("应为日期，如 2026-09-29"),
        "date_type": gettext("应为日期，如 2026-09-29"),
        "string_unicode": gettext("含有无效字符"),
        "value_error": gettext("取值无效"),
    }
    return table.get(kind, gettext("取值无效"))


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in (loc or ())]
    if parts and parts[0] in _LOCATIONS:
        location, parts = parts[0], parts[1:]
        # A JSON body is one parameter named `payload` (see the endpoints): its name is noise.
        if location == "body" and parts and parts[0] == "payload":
            parts = parts[1:]
        if not parts:
            return NON_FIELD if location == "body" else location
    return ".".join(parts) or NON_FIELD


def fields_of_ninja(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc")), []).append(_pydantic_message(error))
    return fields


def fields_of_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


def first_message(fields: dict[str, list[str]], default: str | None = None) -> str:
    for messages in fields.values():
        if messages:
            return messages[0]
    return gettext("输入有误") if default is None else default


# --- Handlers ------------------------------------------------------------------------------------------


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.fields, **exc.extra))

    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = fields_of_ninja(exc.errors)
        message = (
            gettext("输入有误：%(first)s") % {"first": first_message(fields)}
            if fields
            else gettext("输入有误")
        )
        return respond(request, 422, error_body("validation", message, fields))

    def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = fields_of_django(exc)
        if isinstance(exc, TransitionError) and getattr(exc, "code", None) == "forbidden":
            return respond(request, 403, error_body("forbidden", first_message(fields)))
        return respond(request, 422, error_body("validation", first_message(fields), fields))

    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        body = error_body(
            "conflict", exc.message, current_status=exc.status, current_status_label=exc.status_label
        )
        return respond(request, 409, body)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        # Neither a token nor a session: the one case the authenticators leave to ninja.
        return respond(
            request,
            401,
            error_body("unauthorized", gettext("未提供 API 令牌（Authorization: Bearer shp_…），也未登录")),
        )

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, math.ceil(exc.wait)) if exc.wait is not None else None
        message = (
            ngettext("请求过于频繁，请 %(wait)d 秒后再试", "请求过于频繁，请 %(wait)d 秒后再试", wait)
            % {"wait": wait}
            if wait
            else gettext("请求过于频繁，请稍后再试")
        )
        return respond(request, 429, error_body("rate_limited", message, retry_after=wait))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:
            message = gettext("请求体不是有效的 JSON 或表单")
        elif status == 403 and "CSRF" in str(exc):
            message = gettext("CSRF 校验失败，请刷新页面后再试")
        else:
            message = str(exc)
        return respond(request, status, error_body(CODES_BY_STATUS.get(status, "error"), message))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc) if exc.args and _CJK.search(str(exc)) else gettext("资源不存在或无权查看")
        return respond(request, 404, error_body("not_found", message))

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) if exc.args and _CJK.search(str(exc)) else gettext("您没有执行此操作的权限")
        return respond(request, 403, error_body("forbidden", message))

    def on_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A body Django could not read (malformed multipart, a file name over 1 KB, too many fields, too
        # large): the client's fault, said so.
        if unreadable := unreadable_body(exc):
            status, message = unreadable
            return respond(request, status, error_body(CODES_BY_STATUS[status], message))
        # Never the exception text: it may carry personal data or internals.
        logger.exception("API %s %s failed", request.method, request.path)
        return respond(request, 500, error_body("server_error", "服务器内部错误，请稍后再试"))

    def handle(exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]) -> None:
        # ninja types a handler's argument as "the exception or its class"; it always passes the instance.
        api.add_exception_handler(exc_class, handler)  # type: ignore[arg-type]

    handle(ApiError, on_api_error)
    handle(NinjaValidationError, on_ninja_validation)
    handle(DjangoValidationError, on_django_validation)
    handle(Conflict, on_conflict)
    handle(AuthenticationError, on_authentication)
    handle(Throttled, on_throttled)
    handle(HttpError, on_http_error)
    handle(Http404, on_not_found)
    handle(PermissionDenied, on_permission_denied)
    handle(Exception, on_exception)
