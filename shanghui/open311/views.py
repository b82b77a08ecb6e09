"""The Open311 GeoReport v2 endpoints under /open311/v2/ (docs/open311.md). Each view: the format from
the extension, the jurisdiction, an access check, at most one service call, a document in XML or JSON.
Every error is the spec's list of code/description, in the format asked for (XML when the extension
itself is unknown: XML is the format the spec requires)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from shanghui.accounts.tokens import TokenProblem, check_token
from shanghui.catalog.models import ProxyPointCatalog, ServiceItem, Synonym
from shanghui.catalog.services import current_version
from shanghui.lib.bounds import NUL_MESSAGE, UNREADABLE_BODY, checks_own_input, nul_inputs, unreadable_body
from shanghui.open311 import access
from shanghui.open311.errors import Open311Error
from shanghui.open311.models import RequestToken
from shanghui.open311.queries import parse_request_query
from shanghui.open311.serializers import (
    CONTENT_TYPES,
    SPECIFICATION,
    definition_dict,
    post_response_dict,
    render,
    request_dict,
    service_dict,
    snapshot_materials,
    w3,
)
from shanghui.open311.services import PostedRequest, submit_request
from shanghui.orgs.models import FederationLevel, Organisation, OrgKind
from shanghui.proxy.poa import poa_text

logger = logging.getLogger("shanghui.open311")
View = Callable[..., HttpResponse]
REQUEST_RELATED = ("item", "item_version", "department", "proxy_point", "proxy_point__parent")


def _check_input(request: HttpRequest) -> None:
    """A body Django cannot read, or a NUL character anywhere in the input (lib.bounds): a 400 in the
    spec's error document, before any view reads a parameter."""
    try:
        names = nul_inputs(request)
    except UNREADABLE_BODY as exc:
        status, message = unreadable_body(exc) or (400, gettext("请求格式不正确"))
        raise Open311Error(status, message) from None
    if names:
        raise Open311Error(400, [f"{name[:40]} {NUL_MESSAGE}" for name in names])


def endpoint(*methods: str) -> Callable[[View], View]:
    """Format check, method check, input check, Open311Error → the spec's error document; an unexpected
    failure is a 500 in that document too, never the HTML error page. No CSRF: a POST carries its
    api_key, never a session cookie. Public data: any origin may read it (CORS)."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @checks_own_input
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            answer_in = fmt if fmt in CONTENT_TYPES else "xml"
            try:
                if fmt not in CONTENT_TYPES:
                    raise Open311Error(404, f"不支持的格式 .{fmt[:10]}，请使用 .xml 或 .json")
                if request.method not in allowed:
                    raise Open311Error(400, f"此接口不支持 {request.method} 方法")
                _check_input(request)
                response = view(request, fmt, *args, **kwargs)
            except Open311Error as exc:
                response = render(answer_in, "errors", exc.as_list(), status=exc.status)
            except Http404:
                response = render(
                    answer_in, "errors", Open311Error(404, gettext("资源不存在")).as_list(), status=404
                )
            except Exception:
                # Never the exception text: it may carry personal data or internals.
                logger.exception("Open311 %s %s failed", request.method, request.path)
                error = Open311Error(500, gettext("服务器内部错误，请稍后再试"))
                response = render(answer_in, "errors", error.as_list(), status=500)
            response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate


def _jurisdiction(request: HttpRequest) -> access.Jurisdiction:
    return access.get_jurisdiction(request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id"))


# --- Discovery -------------------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    # The changeset moves when the service list or a service definition may have changed.
    changed = [
        ServiceItem.objects.aggregate(at=Max("updated_at"))["at"],
        ProxyPointCatalog.objects.aggregate(at=Max("updated_at"))["at"],
        Organisation.objects.filter(kind__in=[OrgKind.PROXY_POINT, OrgKind.DEPARTMENT]).aggregate(
            at=Max("updated_at")
        )["at"],
    ]
    changeset = w3(max((at for at in changed if at is not None), default=None)) or ""
    cities = Organisation.objects.filter(
        kind=OrgKind.FEDERATION, federation_level=FederationLevel.CITY, is_active=True
    ).order_by("path")
    contact = "；".join(
        city.name
        + (
            f"（{' '.join(filter(None, [city.contact_name, city.contact_phone]))}）"
            if city.contact_phone
            else ""
        )
        for city in cities
    )
    codes = "、".join(f"{j.id}（{j.name}）" for j in access.jurisdictions())
    base = reverse("open311:discovery", kwargs={"fmt": fmt}).rsplit("/", 1)[0]
    body = {
        "changeset": changeset,
        "contact": contact or gettext("商会+ 平台管理员"),
        "key_service": (
            "查询无需 api_key。提交办件的 api_key 是代办员本人的 API 令牌：登录商会+ 后在“API 令牌”页面创建，"
            "权限选“读写”，代表机构选其所在代办点。"
            + (f"辖区代码（jurisdiction_id）：{codes}。" if codes else "")
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(base),
                "changeset": changeset,
                "type": "test" if settings.DEBUG else "production",
                "formats": [CONTENT_TYPES["xml"].split(";")[0], CONTENT_TYPES["json"].split(";")[0]],
            }
        ],
    }
    return render(fmt, "discovery", body)


# --- Services -------------------------------------------------------------------------------------------


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    synonyms = list(Synonym.objects.filter(is_active=True).only("phrase", "terms"))
    body = [service_dict(item, synonyms) for item in access.services_for(jurisdiction)]
    return render(fmt, "services", body)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    item = access.get_service(_jurisdiction(request), code)
    # What a POST now pins: the current version's materials, in slot order.
    materials = snapshot_materials(current_version(item).snapshot)
    poa = poa_text(item=item.name, point=gettext("受理的代办点"))
    body = definition_dict(item, materials, poa_text=poa, max_mb=settings.PROXY_MAX_UPLOAD_MB)
    return render(fmt, "service_definition", body)


# --- Service requests -----------------------------------------------------------------------------------


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    jurisdiction = _jurisdiction(request)
    query = parse_request_query(request.GET, timezone.now())
    cases = query.apply(access.requests_for(jurisdiction)).select_related(*REQUEST_RELATED)
    # The encrypted ID number is never shown: do not load (and decrypt) it.
    rows, more = query.page_of(cases.defer("applicant_id_number"))
    response = render(fmt, "service_requests", [request_dict(case) for case in rows])
    if more:
        params = request.GET.copy()
        params["page"] = str(query.page + 1)
        response["Link"] = f'<{request.build_absolute_uri("?" + params.urlencode())}>; rel="next"'
    return response


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    # In the body only, as the spec sends it: a key in the URL would end up in access logs.
    token, problem = check_token(request.POST.get("api_key"))
    if token is None:
        if problem is TokenProblem.MISSING:
            raise Open311Error(403, gettext("缺少 api_key：提交办件需要代办员的读写 API 令牌"))
        raise Open311Error(403, f"api_key 无效：{problem.value if problem else ''}")
    point = access.point_for_token(token)
    jurisdiction = _jurisdiction(request)
    code = (request.POST.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, gettext("缺少 service_code"))
    item = access.get_service(jurisdiction, code)
    posted = PostedRequest.parse(request.POST, request.FILES, request.headers.get("Idempotency-Key", ""))
    submission = submit_request(
        actor=token.user, api_token=token, point=point, jurisdiction=jurisdiction, item=item, posted=posted
    )
    body = [post_response_dict(submission.case, submission.token.token)]
    return render(fmt, "service_requests", body, status=200 if submission.replayed else 201)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    case = access.get_request(_jurisdiction(request), number)
    return render(fmt, "service_requests", [request_dict(case)])


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    row = (
        RequestToken.objects.filter(token=token, case__in=access.requests_for(jurisdiction))
        .select_related("case")
        .first()
    )
    if row is None:
        raise Open311Error(404, f"token {token[:40]} 不存在")
    return render(fmt, "service_requests", [{"service_request_id": row.case.number, "token": row.token}])


@checks_own_input
@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    fmt = "json" if rest.endswith(".json") else "xml"
    error = Open311Error(404, f"没有这个接口：{rest[:80]}（见 discovery.xml）")
    return render(fmt, "errors", error.as_list(), status=404)
