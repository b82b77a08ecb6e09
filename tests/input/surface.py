"""The surface the fuzz tests attack, found programmatically so that a new page, filter or form is
attacked without editing the tests: every named URL pattern of the root URLconf (walked like Django's
resolver walks it), filled with the ids of real objects, and the forms each page shows (parsed from the
HTML it renders for a persona who can see it: filter forms, action forms, htmx posts, the query links).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    name: str  # "proxy:detail"
    route: str  # "cases/<int:case_id>/"
    kwargs: tuple[str, ...]
    callback: Callable[..., Any]

    @property
    def area(self) -> str:
        """pages, api, open311, admin: who attacks it."""
        first = self.route.split("/", 1)[0]
        return {"api": "api", "open311": "open311", "admin": "admin"}.get(first, "pages")


def routes() -> list[Route]:
    """Every named URL pattern with its keyword arguments."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespaces: list[str]) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                regex = pattern.pattern.regex
                yield Route(
                    name=":".join([*namespaces, pattern.name]),
                    route=prefix + str(pattern.pattern),
                    kwargs=tuple(regex.groupindex),
                    callback=pattern.callback,
                )

    found.extend(walk(get_resolver().url_patterns, "", []))
    return found


def url_of(route: Route, values: dict[str, Any]) -> str:
    """The route's URL with each keyword argument taken from `values` (KeyError names a missing one)."""
    return reverse(route.name, kwargs={name: values[name] for name in route.kwargs})


# --- Forms in a page -------------------------------------------------------------------------------------


@dataclass
class Form:
    method: str  # "get" or "post"
    action: str  # a path on this site
    fields: dict[str, set[str]] = field(default_factory=dict)  # name → values the page offers
    files: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: dict[str, set[str]] = {}
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _target(self, attrs: dict[str, str | None]) -> tuple[str, str] | None:
        for attr, method in (("hx-post", "post"), ("hx-get", "get"), ("action", None)):
            if attr in attrs:
                url = attrs[attr] or self.page
                parts = urlsplit(url)
                if parts.scheme or parts.netloc or url.startswith(("javascript:", "#")):
                    return None
                path = parts.path or self.page
                return (method or (attrs.get("method") or "get").lower(), path)
        return None

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        name = attrs.get("name") or ""
        if tag == "form":
            target = self._target(attrs) or ((attrs.get("method") or "get").lower(), self.page)
            self._form = Form(method=target[0], action=target[1])
            self.forms.append(self._form)
            return
        if tag == "a" and attrs.get("href"):
            parts = urlsplit(attrs["href"] or "")
            if (not parts.path or parts.path == self.page) and parts.query:
                for key, value in parse_qsl(parts.query, keep_blank_values=True):
                    self.links.setdefault(key, set()).add(value)
            return
        if self._form is None:
            # htmx on a button or link outside a form: a request without fields.
            htmx = self._target({k: v for k, v in attrs.items() if k.startswith("hx-")})
            if htmx is not None:
                self.forms.append(Form(method=htmx[0], action=htmx[1]))
            return
        values = self._form.fields.setdefault(name, set()) if name else set()
        if tag == "input" and name:
            if (attrs.get("type") or "").lower() == "file":
                self._form.files.add(name)
                self._form.fields.pop(name, None)
            elif attrs.get("value") is not None:
                values.add(attrs["value"] or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            self._form.fields.setdefault(self._select, set()).add(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
        elif tag == "button" and name:
            values.add(attrs.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea and data.strip():
            self._form.fields.setdefault(self._textarea, set()).add(data.strip())


def forms_in(page: str, html: str) -> tuple[list[Form], dict[str, set[str]]]:
    """The forms of the HTML page at path `page`, and the query parameters its own links use."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms, parser.links
