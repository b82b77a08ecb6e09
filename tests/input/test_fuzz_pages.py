"""No page answers 5xx, whatever it is sent.

Every named URL pattern of the pages (tests/input/surface.py) is filled with real ids and opened as each
persona of `land`; the first personas that can see it attack it: generated query strings on the page and
on its filter forms (the fields the form and the page's own links use, and others), generated bodies on
every form the page shows (the form's fields with hostile values, files with odd names and contents,
urlencoded and raw bodies Django cannot read). A pattern that only takes POST is attacked by the
personas an empty POST does not turn away. Each request runs in a savepoint rolled back afterwards, so
the examples are independent. The routes are split into shards that pytest-xdist runs in parallel.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from hypothesis import given
from hypothesis import strategies as st

from tests.input.conftest import PERSONAS, client_for
from tests.input.hostile import form_data, fuzz_settings, params, raw_bodies, uploads
from tests.input.surface import Form, Route, forms_in, routes, url_of

SHARDS = 4
PERSONAS_PER_PAGE = 2


def page_routes() -> list[Route]:
    return [route for route in routes() if route.area == "pages"]


@dataclass
class Target:
    persona: str
    method: str
    url: str
    fields: dict[str, set[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} as {self.persona}"


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def _to_login(response: Any) -> bool:
    """Sent to log in first (a logout, which also ends on the login page, is not)."""
    location = response.get("Location", "")
    logins = (resolve_url(settings.LOGIN_URL), resolve_url("citizen:login"))
    return response.status_code in (301, 302) and location.startswith(logins) and "next=" in location


def _turned_away(response: Any) -> bool:
    return response.status_code in (403, 404) or _to_login(response)


def _merge(targets: dict[tuple[str, str, str], Target], target: Target) -> None:
    # A page as each persona who sees it (up to two); a form once, as the first who sees it (the logout
    # form and the language switch are on every page).
    key = (target.persona if target.method == "get" else "", target.method, target.url)
    if key in targets:
        for name, values in target.fields.items():
            targets[key].fields.setdefault(name, set()).update(values)
        targets[key].files |= target.files
    else:
        targets[key] = target


def discover(land: SimpleNamespace, shard_routes: list[Route]) -> tuple[list[Target], list[str]]:
    """The targets of these routes, and the routes no persona could reach."""
    targets: dict[tuple[str, str, str], Target] = {}
    unreached: list[str] = []
    for route in shard_routes:
        url = url_of(route, {**land.values, **land.route_values.get(route.name, {})})
        query = {name: str(value) for name, value in land.queries.get(route.name, {}).items()}
        seeing: list[str] = []
        posting: list[str] = []
        for persona in PERSONAS:
            with rolled_back():
                response = client_for(land, persona).get(url, query)
            if response.status_code == 405:
                posting.append(persona)
                continue
            if _turned_away(response):
                continue
            seeing.append(persona)
            page = Target(persona, "get", url, {name: {value} for name, value in query.items()})
            if "html" in response.get("Content-Type", ""):
                forms, links = forms_in(url, response.content.decode(errors="replace"))
                for name, values in links.items():
                    page.fields.setdefault(name, set()).update(values)
                for form in forms:
                    _add_form(targets, page, form, persona)
            _merge(targets, page)
            if len(seeing) == PERSONAS_PER_PAGE:
                break
        if posting and not seeing:
            # Only POST: the personas an empty POST does not turn away.
            allowed = []
            for persona in posting:
                with rolled_back():
                    response = client_for(land, persona).post(url, {})
                if not _turned_away(response):
                    allowed.append(persona)
            for persona in allowed[:PERSONAS_PER_PAGE]:
                _merge(targets, Target(persona, "post", url))
            if not allowed:
                unreached.append(route.name)
        elif not seeing:
            unreached.append(route.name)
    return list(targets.values()), unreached


def _add_form(targets: dict[tuple[str, str, str], Target], page: Target, form: Form, persona: str) -> None:
    if not form.action.startswith("/") or form.action.startswith(("/api/", "/open311/", "/admin/")):
        return
    if form.method == "get" and form.action == page.url:
        for name, values in form.fields.items():
            page.fields.setdefault(name, set()).update(values)
        return
    _merge(targets, Target(persona, form.method, form.action, dict(form.fields), set(form.files)))


def send(land: SimpleNamespace, target: Target, kind: str, data: Any) -> Any:
    client = client_for(land, target.persona)
    with rolled_back():
        if target.method == "get":
            return client.get(target.url, data)
        if kind == "multipart":
            return client.post(target.url, data)
        if kind == "urlencoded":
            body = urlencode(data, doseq=True)
            return client.post(target.url, body, content_type="application/x-www-form-urlencoded")
        content_type, raw = data
        return client.generic("POST", target.url, raw, content_type=content_type)


def requests_for(land: SimpleNamespace, target: Target) -> st.SearchStrategy[tuple[str, Any]]:
    fields = form_data(target.fields, land.known)
    if target.method == "get":
        return st.tuples(st.just("query"), st.one_of(fields, params(list(target.fields), land.known)))
    file_names = sorted(target.files) or ["file"]
    with_files = st.builds(
        lambda data, files: {**data, **files},
        fields,
        st.dictionaries(st.sampled_from(file_names), uploads(), max_size=len(file_names)),
    )
    return st.one_of(
        st.tuples(st.just("multipart"), with_files),
        st.tuples(st.just("multipart"), fields),
        st.tuples(st.just("urlencoded"), fields),
        st.tuples(st.just("raw"), raw_bodies()),
    )


def attack(land: SimpleNamespace, target: Target) -> None:
    @fuzz_settings()
    @given(request=requests_for(land, target))
    def never_5xx(request: tuple[str, Any]) -> None:
        kind, data = request
        response = send(land, target, kind, data)
        assert response.status_code < 500, f"{target} ({kind}) answered {response.status_code}"

    never_5xx()


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_page_answers_5xx(land: SimpleNamespace, shard: int) -> None:
    shard_routes = page_routes()[shard::SHARDS]
    started = time.monotonic()
    targets, unreached = discover(land, shard_routes)
    if os.environ.get("FUZZ_VERBOSE"):
        print(f"discovery {time.monotonic() - started:.2f}s, {len(targets)} targets")  # noqa: T201
    # Every pattern is attacked by someone: a new page needs a value in `land` that a persona may see.
    assert unreached == []
    for target in targets:
        started = time.monotonic()
        attack(land, target)
        if os.environ.get("FUZZ_VERBOSE"):
            print(f"{time.monotonic() - started:6.2f}s {target}")  # noqa: T201
