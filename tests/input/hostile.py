"""What a careless user or an attacker sends, as hypothesis strategies: text with NUL and control
characters, integers beyond 64 bits, dates at the ends of the calendar, very long values, wrong types,
repeated keys, files with odd names and contents, bodies Django cannot read.

The fuzz tests (test_fuzz_*.py) mix these with plausible values (the ids of real objects, the options a
form offers), so that a request gets past the first check and reaches the code behind it.

Examples per target: FUZZ_EXAMPLES (default below); with CI set, hypothesis runs derandomized, so CI runs
the same examples every time. Locally each run explores new ones (FUZZ_EXAMPLES=200 for a long hunt).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from shanghui.lib.bounds import MAX_INT

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )


UTC_OFFSETS = [dt.timezone(dt.timedelta(hours=h)) for h in (14, 8, 0, -12)]

SPECIAL = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "01",
    "+1",
    "1.5",
    "1e309",
    "-0",
    "0x10",
    "1_000",
    "NaN",
    "inf",
    "²",
    "١٢",
    "٣",
    "Ⅻ",
    "𝟙",
    str(MAX_INT),
    str(MAX_INT + 1),
    str(-MAX_INT - 2),
    str(2**64),
    "9" * 40,
    "-" + "9" * 40,
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "1900-01-01",
    "2999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2026-01-01T00:00:00",
    "2026-01-01 08:00",
    "true",
    "false",
    "null",
    "None",
    "[]",
    "{}",
    "on",
    "off",
    "yes",
    "\x00",
    "a\x00b",
    "%00",
    "\x1b[31m",
    "\r\n",
    "\u202e",
    "\ufeff",
    "\u200b",
    "𠀀",
    "😀",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "=cmd|' /C calc'!A0",
    "{{7*7}}",
    "proxy.case",
    "draft",
    "submitted",
    "review",
    "all",
    "xlsx",
    "answer",
    "withdraw",
    "citizen",
    "330802",
    "330802199003070017",
    "13800001234",
    "张三",
    "上海",
]
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\x85\u2028\u2029"

_any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
_control_text = st.text(alphabet=CONTROL, min_size=1, max_size=6)
_big_ints = st.integers(min_value=-(2**70), max_value=2**70)
_dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
_datetimes = st.builds(
    lambda day, offset: dt.datetime.combine(day, dt.time(0, 0), offset),
    _dates,
    st.sampled_from(UTC_OFFSETS),
)


def text_values(known: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """One query or form value: hostile, random, or one of `known` (real ids, a form's options)."""
    parts = [
        st.sampled_from(SPECIAL),
        st.sampled_from(["x", "长", "9"]).flatmap(lambda c: st.integers(100, 5000).map(lambda n: c * n)),
        _big_ints.map(str),
        _dates.map(dt.date.isoformat),
        _datetimes.map(dt.datetime.isoformat),
        _any_text,
        _control_text,
    ]
    if known:
        parts.append(st.sampled_from(sorted(set(known))))
    return st.one_of(parts)


COMMON_NAMES = [
    "page", "q", "export", "queue", "status", "limit", "cursor", "next", "as", "item", "point", "id",
    "created_from", "created_to", "after", "before", "seq", "state", "unread", "format",
]  # fmt: skip


def params(names: Sequence[str] = (), known: Sequence[str] = ()) -> st.SearchStrategy[dict[str, list[str]]]:
    """A query string or a form: the names a page uses (and some others), each repeated 1–3 times."""
    choices: list[st.SearchStrategy[str]] = [
        st.sampled_from(COMMON_NAMES),
        _any_text.filter(bool),
        _control_text,
    ]
    if names:
        own = st.sampled_from(sorted(set(names)))
        choices = [own, own, own, *choices]  # the page's own names most of the time
    keys = st.one_of(choices)
    return st.dictionaries(keys, st.lists(text_values(known), min_size=1, max_size=3), max_size=8)


def form_data(
    fields: dict[str, set[str]], known: Sequence[str] = ()
) -> st.SearchStrategy[dict[str, list[str]]]:
    """A form's fields (each with the values the page offers as well as hostile ones), some left out,
    plus a few that are not the form's."""
    own = st.fixed_dictionaries(
        {},
        optional={
            name: st.lists(text_values([*values, *known]), min_size=1, max_size=2)
            for name, values in fields.items()
            if name
        },
    )
    return st.builds(
        lambda mine, extra: {**extra, **mine}, own, params((), known).map(lambda d: dict(list(d.items())[:2]))
    )


FILE_NAMES = [
    "户口簿.pdf", "a.pdf", "../../x.pdf", "a\x00b.pdf", "a/b\\c.pdf", "CON", "x" * 250 + ".pdf",
    "文" * 200 + ".jpg", "no-extension", "photo.JPG", "\u202etxt.exe",
]  # fmt: skip
FILE_CONTENTS = [
    b"", b"\x00", b"%PDF-1.4\n%%EOF\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"\xff\xd8\xff\xe0" + b"\x00" * 32,
    b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"PK\x03\x04", b"<html><script>alert(1)</script>", b"a,b\n=1+1,2\n",
    b"\xff" * 3000,
]  # fmt: skip


def uploads() -> st.SearchStrategy[SimpleUploadedFile]:
    return st.builds(
        lambda name, content, content_type: SimpleUploadedFile(name, content, content_type=content_type),
        # Not "", "." or "..": Django's own UploadedFile refuses them before anything is sent.
        (st.sampled_from(FILE_NAMES) | _any_text).filter(
            lambda n: os.path.basename(n) not in ("", ".", "..")
        ),
        st.sampled_from(FILE_CONTENTS) | st.binary(max_size=512),
        st.sampled_from(["application/pdf", "image/png", "text/plain", "", "application/x-msdownload"]),
    )


def _multipart(header: bytes, body: bytes = b"%PDF-1.4\n", boundary: bytes = b"zz") -> bytes:
    return b"--" + boundary + b"\r\n" + header + b"\r\n\r\n" + body + b"\r\n--" + boundary + b"--\r\n"


RAW_BODIES: list[tuple[str, bytes]] = [
    ("multipart/form-data", b"garbage"),
    ("multipart/form-data; boundary=zz", b""),
    ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a"),
    ("multipart/form-data; boundary=zz", _multipart(b'Content-Disposition: form-data; name="file"; filename="'
                                                    + "户".encode() * 500 + b'.pdf"')),  # a part's headers over 1 KB
    ("multipart/form-data; boundary=zz", _multipart(b'Content-Disposition: form-data; name="' + b"n" * 3000 + b'"')),
    ("multipart/form-data; boundary=zz", _multipart(b'Content-Disposition: form-data; name="body"', b"a\x00b")),
    ("multipart/form-data; boundary=zz", _multipart(b"Content-Transfer-Encoding: base64\r\n"
                                                    b'Content-Disposition: form-data; name="x"', b"!!!")),
    ("multipart/form-data; boundary=" + "b" * 300, b""),
    ("multipart/form-data; boundary=\x00", b"--\x00--"),
    ("application/x-www-form-urlencoded", b"a=%00&%ff=%fe&x&=&&q=%E4%B8"),
    ("application/x-www-form-urlencoded", b"k=v&" * 1500),  # more fields than Django takes
    ("application/json", b"{"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b'{"body": "a\\u0000b", "ids": [9223372036854775808], "x": 1e999}'),
    ("application/json", b"\xff\xfe{}"),
    ("text/plain", b"\x00\x01\x02"),
    ("application/octet-stream", b""),
    ("", b"a=1"),
]  # fmt: skip


def raw_bodies() -> st.SearchStrategy[tuple[str, bytes]]:
    """(content type, body): mostly bodies that are not what they say they are."""
    return st.one_of(
        st.sampled_from(RAW_BODIES),
        st.tuples(
            st.sampled_from(["multipart/form-data; boundary=zz", "application/json", "text/plain"]),
            st.binary(max_size=300),
        ),
    )


# --- JSON documents from a JSON schema (the OpenAPI document's) -----------------------------------------


def hostile_json() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        _big_ints,
        st.floats(allow_nan=True, allow_infinity=True),
        text_values(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_any_text, inner, max_size=3),
        max_leaves=6,
    )


class JsonSchemas:
    """Documents that follow a schema loosely: each value is either of the declared type (with hostile
    content: huge integers, NUL, extreme dates) or anything at all."""

    def __init__(self, document: dict[str, Any], known_ints: Sequence[int] = ()) -> None:
        self.document = document
        self.known_ints = list(known_ints)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def strategy(self, schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        typed = self._typed(schema, depth)
        return st.one_of(typed, typed, hostile_json()) if depth < 3 else hostile_json()

    def _typed(self, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                return st.one_of([self.strategy(s, depth + 1) for s in schema[key]])
        if "enum" in schema:
            return st.sampled_from(schema["enum"]) | text_values()
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            return st.fixed_dictionaries(
                {}, optional={name: self.strategy(sub, depth + 1) for name, sub in properties.items()}
            )
        if kind == "array":
            return st.lists(self.strategy(schema.get("items", {}), depth + 1), max_size=4)
        if kind == "integer":
            known = [st.sampled_from(self.known_ints)] if self.known_ints else []
            return st.one_of(
                [*known, _big_ints, st.sampled_from([0, -1, MAX_INT, MAX_INT + 1, -(2**63) - 1])]
            )
        if kind == "number":
            return st.floats(allow_nan=True, allow_infinity=True) | _big_ints
        if kind == "boolean":
            return st.booleans()
        if kind == "string":
            return text_values()
        return hostile_json()


def json_bytes(value: Any) -> bytes:
    # allow_nan: NaN and Infinity are not JSON, but Python's parser (and so django-ninja's) takes them.
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode()
