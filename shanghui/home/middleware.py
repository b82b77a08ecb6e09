from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import translation

from shanghui.lib.bounds import NUL_MESSAGE, nul_inputs

# Everything is served from this origin: no CDN, no inline script. htmx needs no eval. connect-src 'self'
# also covers WebSockets to this site (ws/wss of the page's host and port, CSP Level 3) and nothing else:
# the conversation's socket goes to the page's own host, a script injected anywhere cannot send elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


class LanguageMiddleware:
    """Chinese unless the user chose English with the language switch (a cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: staff on an
    English-language browser still get the Chinese interface their colleagues see. The REST API is the
    exception: its clients (apps) have no language cookie, and its error messages are shown to their
    users, so without the cookie it answers in the language the client asks for (Accept-Language)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        if not chosen and request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        request.LANGUAGE_CODE = language  # as LocaleMiddleware sets it
        # override, not activate: the thread goes back to its language afterwards, so a worker thread
        # (or a test) that serves an English request does not carry English into unrelated work.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The Django admin uses inline scripts; it keeps its own defaults.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response


class RefuseNulMiddleware:
    """A NUL character (\\x00) anywhere in a page request — URL, query, form field, file name, JSON body —
    is refused with a 400 page before the view runs: no person types one, PostgreSQL cannot store one,
    and raw `request.GET`/`request.POST` reads would pass it on. Forms say the same per field, but not every
    view reads its input through a form. The REST API and Open311 refuse it in their own error shapes
    (their views are marked with lib.bounds.checks_own_input and skipped here)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "checks_own_input", False):
            return None
        # A body Django cannot read raises here: Django answers MultiPartParserError and
        # SuspiciousOperation with 400 itself.
        names = nul_inputs(request)
        if not names:
            return None
        message = f"请求中的 {'、'.join(n[:40] for n in names[:5])} {NUL_MESSAGE}，请删除后重试。"
        return HttpResponseBadRequest(render_to_string("400.html", {"message": message}, request=None))
