"""No Open311 endpoint answers 5xx, and every error is the spec's list of code/description in the format
asked for (XML when the format itself is unknown).

The endpoints are the URL patterns of shanghui/open311/urls.py (walked like the pages'), each in .json,
.xml and an unknown format; the parameters are the GeoReport v2 ones with our extensions (docs/open311.md),
and a POST's attributes are read from the service definition the server publishes, so a new attribute
is attacked without editing this test.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import given, note
from hypothesis import strategies as st

from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import create_token
from shanghui.open311.models import RequestToken
from tests.input.hostile import form_data, fuzz_settings, params, raw_bodies, text_values, uploads
from tests.input.surface import Route, routes, url_of

FORMATS = ("json", "xml", "html")
KECHENG = "330802"
# GeoReport v2 and our extensions (docs/open311.md).
QUERY = [
    "jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status",
    "updated_after", "updated_before", "page", "page_size",
]  # fmt: skip
POST = [
    "jurisdiction_id", "service_code", "api_key", "lat", "long", "address_string", "address_id", "email",
    "device_id", "account_id", "first_name", "last_name", "phone", "description", "media_url", "idempotency_key",
]  # fmt: skip


@pytest.fixture
def o311_land(land: SimpleNamespace) -> SimpleNamespace:
    _row, land.api_key = create_token(
        actor=land.agent,
        user=land.agent,
        name="对接系统",
        scope=ApiToken.Scope.WRITE,
        organisation=land.point_a,
    )
    land.request_token = RequestToken.objects.create(token="t0k3n", case=land.case, api_token=_row)
    definition = (
        Client().get(f"/open311/v2/services/{land.item.code}.json", {"jurisdiction_id": KECHENG}).json()
    )
    land.attributes = [f"attribute[{a['code']}]" for a in definition.get("attributes", [])]
    land.open311_values = {
        "code": land.item.code,
        "number": land.case.number,
        "token": land.request_token.token,
        "jurisdiction_id": KECHENG,
        "service_code": land.item.code,
        "service_request_id": land.case.number,
        "api_key": land.api_key,
    }
    return land


def endpoints() -> dict[str, str]:
    """The path template of every named Open311 pattern: "/open311/v2/services/{code}.{fmt}"."""
    return {route.name: _template(route) for route in routes() if route.area == "open311"}


def _template(route: Route) -> str:
    path = url_of(route, {name: f"KW{name}KW" for name in route.kwargs})
    for name in route.kwargs:
        path = path.replace(f"KW{name}KW", "{" + name + "}")
    return path


def check_shape(fmt: str, response: Any) -> None:
    note(f"{response.status_code} {response['Content-Type']}: {response.content[:300]!r}")
    assert response.status_code < 500
    if response.status_code < 400:
        return
    answer_in = fmt if fmt in ("json", "xml") else "xml"
    if answer_in == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        errors = response.json()
        assert isinstance(errors, list) and errors
        assert all(set(e) == {"code", "description"} and e["code"] == response.status_code for e in errors)
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        root = ET.fromstring(response.content)  # noqa: S314 (our own server's answer in a test)
        assert root.tag == "errors" and len(root)
        assert all(
            e.findtext("code") == str(response.status_code) and e.findtext("description") for e in root
        )


def requests_for(land: SimpleNamespace, template: str) -> st.SearchStrategy[dict[str, Any]]:
    known = [*land.known, *land.open311_values.values()]
    values = land.open311_values
    query_fields = {name: {str(values[name])} if name in values else set() for name in QUERY}
    post_fields = {name: {str(values[name])} if name in values else set() for name in POST + land.attributes}
    kwargs = {
        name: st.one_of(st.just(str(values[name])), text_values(known))
        for name in ("code", "number", "token")
        if "{" + name + "}" in template
    }
    body = st.one_of(
        st.tuples(st.just("none"), st.none()),
        st.tuples(st.just("form"), form_data(post_fields, known)),
        st.tuples(
            st.just("form"),
            st.builds(
                lambda data, files: {**data, **files},
                form_data(post_fields, known),
                st.dictionaries(
                    st.sampled_from([*land.attributes, "attribute[material_1]", "file"]),
                    uploads(),
                    max_size=3,
                ),
            ),
        ),
        st.tuples(st.just("raw"), raw_bodies()),
    )
    return st.fixed_dictionaries(
        {
            "fmt": st.sampled_from(FORMATS) | text_values(),
            "kwargs": st.fixed_dictionaries(kwargs),
            "method": st.sampled_from(["GET", "GET", "POST", "PUT"]),
            "query": st.one_of(form_data(query_fields, known), params(QUERY, known)),
            "body": body,
            "header_key": st.one_of(st.none(), text_values()),
        }
    )


def send(client: Client, template: str, request: dict[str, Any]) -> Any:
    path = template.replace("{fmt}", quote(request["fmt"], safe=""))
    for name, value in request["kwargs"].items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    if request["query"]:
        path += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, vs in request["query"].items() for v in vs)
    note(f"{request['method']} {path[:300]}")
    headers = {} if request["header_key"] is None else {"Idempotency-Key": request["header_key"]}
    kind, body = request["body"]
    with transaction.atomic():
        try:
            if request["method"] == "GET" or kind == "none":
                return client.generic(request["method"], path, headers=headers)
            if kind == "form":
                return client.post(path, body, headers=headers)
            content_type, raw = body
            return client.generic(request["method"], path, raw, content_type, headers=headers)
        finally:
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", sorted(endpoints()))
def test_no_open311_endpoint_answers_5xx_and_errors_keep_the_spec_shape(
    o311_land: SimpleNamespace, name: str
) -> None:
    template = endpoints()[name]
    client = Client()

    @fuzz_settings(examples=3 * fuzz_settings().max_examples)
    @given(request=requests_for(o311_land, template))
    def never_5xx(request: dict[str, Any]) -> None:
        check_shape(request["fmt"], send(client, template, request))

    never_5xx()
