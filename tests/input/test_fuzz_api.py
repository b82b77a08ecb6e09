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
from hypothesis import given
from hypothesis import strategies as st

from shanghui.api import api, api_v1
from tests.input.hostile import (
    EXTREME_DATES,
    EXTREME_INTS,
    JsonSchemas,
    fuzz_settings,
    json_bytes,
    params,
    raw_bodies,
    say,
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
    say(f"{method} {path[:300]} as {request['persona']}, body {str(request['body'])[:300]}")
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


def check_shape(path: str, response: Any, sent: object = "") -> None:
    assert response.status_code < 500, (
        f"{str(sent)[:500]} → {response.status_code}: {response.content[:500]!r}"
    )
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


def _kind(schemas: JsonSchemas, schema: dict[str, Any]) -> str:
    schema = schemas.resolve(schema)
    for option in schema.get("anyOf", []):
        if schemas.resolve(option).get("type") != "null":
            return _kind(schemas, option)
    if schema.get("format") in ("date", "date-time"):
        return "date"
    return {"integer": "int", "string": "text", "object": "object", "array": "array"}.get(
        schema.get("type", ""), ""
    )


def _filled(schemas: JsonSchemas, schema: dict[str, Any], kind: str, value: Any) -> Any:
    """A document with `value` in every leaf of `kind` (None: nothing of that kind in it)."""
    schema = schemas.resolve(schema)
    for option in schema.get("anyOf", []):
        if schemas.resolve(option).get("type") != "null":
            return _filled(schemas, option, kind, value)
    own = _kind(schemas, schema)
    if own == "object":
        filled = {n: _filled(schemas, s, kind, value) for n, s in schema.get("properties", {}).items()}
        return {n: v for n, v in filled.items() if v is not None} or None
    if own == "array":
        item = _filled(schemas, schema.get("items", {}), kind, value)
        return None if item is None else [item]
    return value if own == kind else None


def sweeps_of(
    land: SimpleNamespace, operation: dict[str, Any], document: dict[str, Any]
) -> list[dict[str, Any]]:
    """The known extremes in every query parameter, path parameter and body field of their kind."""
    schemas = JsonSchemas(document)
    parameters = operation.get("parameters", [])
    path = {
        p["name"]: str(land.values.get(p["name"], "accept" if p["name"] == "action" else 1))
        for p in parameters
        if p["in"] == "path"
    }
    body_schema = (
        operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    )
    found = []
    for kind, extremes in (("date", EXTREME_DATES), ("int", EXTREME_INTS), ("text", ["a\x00b"])):
        for extreme in extremes:
            value: Any = int(extreme) if kind == "int" else extreme
            query = {
                p["name"]: [extreme]
                for p in parameters
                if p["in"] == "query" and _kind(schemas, p["schema"]) == kind
            }
            paths = {
                **path,
                **{
                    p["name"]: extreme
                    for p in parameters
                    if p["in"] == "path" and _kind(schemas, p["schema"]) == kind
                },
            }
            body = _filled(schemas, body_schema, kind, value) if body_schema else None
            if query or paths != path or body is not None:
                found.append({
                    "persona": "agent", "path": paths, "query": query, "idempotency_key": None,
                    "body": ("none", None) if body is None else ("json", body),
                })  # fmt: skip
    return found


def attack(
    land: SimpleNamespace, method: str, template: str, operation: dict[str, Any], document: dict[str, Any]
) -> None:
    client = Client()
    for request in sweeps_of(land, operation, document):
        check_shape(template, send(land, client, method, template, request), (method, template, request))

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
