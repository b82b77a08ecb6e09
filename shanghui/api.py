"""The JSON APIs (django-ninja).

* `api` at /api/: the public catalogue search the citizen pages call (no login).
* `api_v1` at /api/v1/: the REST API for other systems and the pages' scripts, with personal API tokens
  or the session (shanghui/apiv1/). Its OpenAPI document is /api/v1/openapi.json, the interactive
  documentation /api/v1/docs, both served from this server (ninja's bundled Swagger UI, no CDN).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from shanghui.apiv1 import (
    activities,
    cases,
    catalog,
    donations,
    me,
    mediation,
    messages,
    notifications,
    orgs,
    party,
)
from shanghui.apiv1.auth import SessionAuth, TokenAuth
from shanghui.apiv1.errors import install as install_error_handlers
from shanghui.apiv1.errors import json_error
from shanghui.apiv1.naming import install as install_unique_choice_names
from shanghui.apiv1.throttle import TokenRateThrottle
from shanghui.catalog.api import router as catalog_router
from shanghui.lib.bounds import NUL_MESSAGE, UNREADABLE_BODY, checks_own_input, nul_inputs, unreadable_body


class GuardedApi(NinjaAPI):
    """A NinjaAPI whose every view first refuses what no schema should have to see: a body Django cannot
    read (400/413) and NUL characters anywhere in the input (422, lib.bounds), answered in the API's own
    error shape (django-ninja's by default) instead of the pages' HTML."""

    def refuse(
        self, request: HttpRequest, status: int, message: str, fields: dict[str, list[str]]
    ) -> HttpResponse:
        if fields:
            detail = [
                {"type": "nul", "loc": ["request", name], "msg": m} for name, ms in fields.items() for m in ms
            ]
            return JsonResponse({"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False})
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})

    def guard(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                names = nul_inputs(request)
            except UNREADABLE_BODY as exc:
                status, message = unreadable_body(exc) or (400, gettext("请求格式不正确"))
                return self.refuse(request, status, message, {})
            if names:
                fields = {name: [NUL_MESSAGE] for name in names}
                return self.refuse(request, 422, f"输入有误：{names[0]} {NUL_MESSAGE}", fields)
            return view(request, *args, **kwargs)

        return checks_own_input(guarded)

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            URLPattern(p.pattern, self.guard(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in super()._get_urls()
        ]


api = GuardedApi(title="商会+ API", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/catalog/", catalog_router)


class ChineseJSONRenderer(JSONRenderer):
    # Readable Chinese in curl and logs (UTF-8 declared in the content type) instead of \\uXXXX.
    json_dumps_params = {"ensure_ascii": False}


def _json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with a plain-text 405; give it the API's error shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            error = json_error(
                405,
                gettext("不支持 %(method)s 请求，可用：%(allowed)s")
                % {"method": request.method, "allowed": allowed},
            )
            error["Allow"] = allowed
            return error
        return response

    return wrapper


def _api_root(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return json_error(
        404, gettext("这里是 API 的根地址：文档见 /api/v1/docs，OpenAPI 文档见 /api/v1/openapi.json")
    )


def _unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return json_error(404, gettext("没有这个接口，请查看 /api/v1/docs"))


class RestApi(GuardedApi):
    def refuse(
        self, request: HttpRequest, status: int, message: str, fields: dict[str, list[str]]
    ) -> HttpResponse:
        return json_error(status, message, fields=fields)

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls: list[URLPattern | URLResolver] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                # ninja reverses "api-root" to prefix the paths of the OpenAPI document: keep the name.
                pattern = URLPattern(
                    pattern.pattern, self.guard(_api_root), pattern.default_args, pattern.name
                )
            elif isinstance(pattern, URLPattern):
                pattern = URLPattern(
                    pattern.pattern, _json_not_allowed(pattern.callback), pattern.default_args, pattern.name
                )
            urls.append(pattern)
        # Anything else under /api/v1/ is a JSON 404, not the HTML error page.
        # [\s\S], not ".": a path with a newline (%0A) is still ours.
        urls.append(re_path(r"^(?P<rest>[\s\S]*)$", self.guard(_unknown)))
        return urls


install_unique_choice_names()

api_v1 = RestApi(
    title="商会+ REST API",
    version="1.0",
    description=(
        "商会+ 的 REST API：事项目录、代办件（列表、详情、办理操作、材料、代办群消息）、组织与成员、站内消息。\n\n"
        "**认证**：在“API 令牌”页面（右上角用户菜单）创建个人令牌，请求时带上 "
        "`Authorization: Bearer shp_…`。只读令牌不能执行写操作（403）；令牌无效、已吊销或已过期返回 401。"
        "网页自身的脚本使用登录会话，写操作须带 CSRF 令牌（X-CSRFToken）。\n\n"
        "**权限**与网页相同：看不到的对象返回 404，能看不能办的返回 403。\n\n"
        '**错误**统一为 `{"error": {"code": "…", "message": "中文说明", "fields": {…}}}`；'
        "办件状态已被他人改变返回 409（含当前状态），输入有误返回 422，请求过于频繁返回 429（带 Retry-After）。\n\n"
        "**分页**：列表返回 `next_cursor`，把它作为 `cursor` 参数取下一页；新增的数据不会打乱已取的页。"
    ),
    urls_namespace="api_v1",
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[TokenRateThrottle()],
    renderer=ChineseJSONRenderer(),
)
install_error_handlers(api_v1)
api_v1.add_router("/", me.router)
api_v1.add_router("/catalog", catalog.router)
api_v1.add_router("/cases", cases.router)
api_v1.add_router("/cases", messages.router)
api_v1.add_router("/", orgs.router)
api_v1.add_router("/notifications", notifications.router)
api_v1.add_router("/mediation", mediation.router)
api_v1.add_router("/", party.router)
api_v1.add_router("/", donations.router)
api_v1.add_router("/", activities.router)
