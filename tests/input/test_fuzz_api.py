"""No REST API operation answers 5xx, and every error keeps the API's shape.

The operations come from the OpenAPI documents the server serves (/api/v1/ and the public /api/), so a
new endpoint is attacked without editing this test; tests/input/test_surface.py checks that every URL
pattern of the APIs is in a document. For each: path parameters (real ids mostly, hostile sometimes),
the declared query parameters and others (repeated, hostile, forged cursors), a body that loosely follows
the declared schema (huge integers, NUL, extreme dates, wrong types) or is not what it says it is
(broken JSON, multipart Django cannot read), sent with the write token of a persona drawn at random.
schemathesis (tests/api/test_schemathesis.py) checks conformance with the document; this checks the
inputs it does not generate.
"""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import given, note
from hypothesis import strategies as st

from shanghui.api import api, api_v1
from tests.input.hostile import (
    JsonSchemas,
    fuzz_settings,
    json_bytes,
    params,
    raw_bodies,
    text_values,
    uploads,
)

PERSONAS = ("agent", "clerk", "fed_admin", "outsider")
SHARDS = 2


def operations(prefix: str) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, path template, operation, document) of every operation of the API at `prefix`."""
    ninja = api_v1 if prefix == "/api/v1" else api
    document = ninja.get_openapi_schema(path_prefix=prefix)
    return [
        (method.upper(), path, operation, document)
        for path, item in sorted(document["paths"].items())
        for method, operation in sorted(item.items())
    ]


ALL = operations("/api/v1") + operations("/api")


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CURSORS = st.one_of(
    text_values(),
    st.lists(
        st.one_of(
            st.integers(min_value=-(2**70), max_value=2**70),
            st.sampled_from(
                ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-01-01T00:00:00"]
            ),
            text_values(),
            st.none(),
        ),
        max_size=3,
    ).map(_cursor),
)


def request_for(
    land: SimpleNamespace, method: str, path: str, operation: dict[str, Any], document: dict[str, Any]
) -> st.SearchStrategy[dict[str, Any]]:
    schemas = JsonSchemas(document, known_ints=[int(v) for v in land.known if v.isdigit()])
    declared = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    names = [p["name"] for p in declared]
    query = st.builds(
        lambda mine, extra, cursor: {**extra, **mine, **cursor},
        st.fixed_dictionaries(
            {},
            optional={
                p["name"]: st.lists(
                    st.one_of(schemas.strategy(p.get("schema", {})).map(_as_text), text_values(land.known)),
                    min_size=1,
                    max_size=2,
                )
                for p in declared
            },
        ),
        params(names, land.known),
        st.fixed_dictionaries({}, optional={"cursor": st.lists(CURSORS, min_size=1, max_size=1)})
        if "cursor" in names
        else st.just({}),
    )
    path_values = {
        p["name"]: st.one_of(
            st.just(str(land.values.get(p["name"], "accept" if p["name"] == "action" else 1))),
            st.sampled_from(list(p.get("schema", {}).get("enum", [])) or ["1"]),
            text_values(land.known),
        )
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    content = operation.get("requestBody", {}).get("content", {})
    bodies: list[st.SearchStrategy[tuple[str, Any]]] = [st.tuples(st.just("raw"), raw_bodies())]
    if "application/json" in content:
        bodies.append(st.tuples(st.just("json"), schemas.strategy(content["application/json"]["schema"])))
    if "multipart/form-data" in content:
        form_schema = schemas.resolve(content["multipart/form-data"]["schema"])
        fields = [n for n, s in form_schema.get("properties", {}).items() if s.get("format") != "binary"]
        files = [n for n, s in form_schema.get("properties", {}).items() if s.get("format") == "binary"]
        bodies.append(
            st.tuples(
                st.just("multipart"),
                st.builds(
                    lambda data, uploaded: {**data, **uploaded},
                    params(fields, land.known),
                    st.dictionaries(st.sampled_from(files or ["file"]), uploads(), max_size=2),
                ),
            )
        )
    if method == "GET":
        bodies = [st.just(("none", None))]
    return st.fixed_dictionaries(
        {
            "persona": st.sampled_from(PERSONAS),
            "path": st.fixed_dictionaries(path_values),
            "query": query,
            "body": st.one_of(bodies),
            "idempotency_key": st.one_of(st.none(), text_values()),
        }
    )


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def send(land: SimpleNamespace, client: Client, method: str, template: str, request: dict[str, Any]) -> Any:
    path = template
    for name, value in request["path"].items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    if request["query"]:
        path += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, vs in request["query"].items() for v in vs)
    note(f"{method} {path[:300]} as {request['persona']}, body {str(request['body'])[:300]}")
    headers = {"Authorization": f"Bearer {land.tokens[request['persona']]}"}
    if request["idempotency_key"] is not None and "\n" not in request["idempotency_key"]:
        headers["Idempotency-Key"] = request["idempotency_key"]
    kind, body = request["body"]
    with transaction.atomic():
        try:
            if kind == "none":
                return client.generic(method, path, headers=headers)
            if kind == "json":
                return client.generic(method, path, json_bytes(body), "application/json", headers=headers)
            if kind == "multipart":
                return client.post(path, body, headers=headers)
            content_type, raw = body
            return client.generic(method, path, raw, content_type, headers=headers)
        finally:
            transaction.set_rollback(True)


def check_shape(path: str, response: Any) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.content[:500]!r}"
    if response.status_code < 400:
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    if path.startswith("/api/v1/"):
        assert set(body) == {"error"}, body
        error = body["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["fields"], dict)
    else:
        assert "detail" in body, body


def attack(
    land: SimpleNamespace, method: str, template: str, operation: dict[str, Any], document: dict[str, Any]
) -> None:
    client = Client()

    @fuzz_settings(examples=2 * fuzz_settings().max_examples)
    @given(request=request_for(land, method, template, operation, document))
    def never_5xx(request: dict[str, Any]) -> None:
        check_shape(template, send(land, client, method, template, request))

    never_5xx()


@pytest.fixture
def tokens(land: SimpleNamespace, make_token: Any) -> SimpleNamespace:
    land.tokens = {persona: make_token(getattr(land, persona)) for persona in PERSONAS}
    return land


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_api_operation_answers_5xx_and_errors_keep_their_shape(
    tokens: SimpleNamespace, shard: int
) -> None:
    for method, template, operation, document in ALL[shard::SHARDS]:
        attack(tokens, method, template, operation, document)


@fuzz_settings(examples=4 * fuzz_settings().max_examples)
@given(
    path=st.lists(text_values(), min_size=1, max_size=3).map(
        lambda parts: "/".join(quote(p, safe="") for p in parts)
    )
)
def test_unknown_api_paths_are_404_in_the_api_shape(db: None, path: str) -> None:
    response = Client().get(f"/api/v1/{path}")
    check_shape("/api/v1/", response)
