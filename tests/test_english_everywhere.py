"""Every page in English: no Han character outside data.

The demo data set (a small year of every programme) is loaded, then each persona of the demo — the
well-known staff logins, a citizen with proxy cases, a party to a dispute, a volunteer, and a visitor
with no login — browses the site in English (the language switch's cookie), following the links of
every page it sees. From each page the texts that come from the database (every text value of every
row: catalogue names, organisations, people, what users typed) are taken out; any Han character left
is text the product itself shows untranslated, and the test lists each with the page it is on.

The main forms are also submitted empty, so that their error messages are read in English too, and
the JSON API answers errors in English when the client asks for it (Accept-Language: en).
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.accounts.models import User
from shanghui.activities import demo as activities_demo
from shanghui.demo.people import WELL_KNOWN
from shanghui.mediation import demo as mediation_demo
from shanghui.party import demo as party_demo
from shanghui.proxy import demo as proxy_demo

HAN = re.compile(r"[\u4e00-\u9fff]")
# A masked name (张**, lib/masking.py) is data too: its first character and stars.
MASKED_NAME = re.compile(r"[\u4e00-\u9fff]\*+")

# Names of languages are written in their own language (the language switch offers 简体中文).
NOT_PRODUCT_TEXT = {name for _code, name in settings.LANGUAGES} | {"中文"}
# What citizens type: the catalogue is Chinese, so the search box's hint shows Chinese queries.
CHINESE_INPUT_EXAMPLES = ("换身份证", "社保转移", "身份证丢了怎么办")

# Where a crawl never goes: files, downloads, the admin site (Django's own), leaving, switching back.
SKIP_PREFIXES = ("/static/", "/media/", "/admin/", "/i18n/", "/api/", "/open311/")
SKIP_NAMES = {"logout", "citizen:logout"}
SKIP_SUFFIXES = (".pdf", ".xlsx", ".csv", ".zip", ".png", ".jpg", ".ics")
# Query parameters that choose a different view of one page (tabs, filters); others (a page number,
# a search) show the same template again.
VIEW_PARAMS = {"tab", "status", "state", "view", "kind", "filter", "queue", "scope", "level", "year", "step"}
# Pages whose form is also sent back empty, to read its error messages (how the view's name ends).
FORM_PAGES = ("new", "create", "edit", "apply", "profile", "login", "track")
# Each page is read once per view by the first persona that reaches it, and a persona reads at most
# this many pages: enough for every page of its programmes, not every row of the demo year.
PAGES_PER_PERSONA = 120


class _Texts(HTMLParser):
    """The texts a reader sees: text nodes (and inline scripts) and the attributes that are shown or
    spoken (title, placeholder, aria-label, alt, value of buttons, data-* messages)."""

    SHOWN_ATTRS = {"title", "placeholder", "aria-label", "alt", "content", "label"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for name, value in attrs:
            if not value:
                continue
            if (
                name in self.SHOWN_ATTRS
                or name.startswith("data-")
                or (name == "value" and tag == "button")
                or name == "value"
                and tag == "input"
                and values.get("type") in ("submit", "button")
            ):
                self.texts.append(value)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data)


class DataStrings:
    """Every text value in the database, found inside a page's text by its first character(s)."""

    def __init__(self, values: Iterable[str]) -> None:
        self.by_start: dict[str, list[str]] = defaultdict(list)
        for value in {v.strip() for v in values if v and HAN.search(v)}:
            for piece in _pieces(value):
                self.by_start[piece[0]].append(piece)
        for bucket in self.by_start.values():
            bucket.sort(key=len, reverse=True)

    def strip(self, text: str) -> str:
        """The text with every data value it contains taken out (the longest at each place)."""
        out: list[str] = []
        i = 0
        while i < len(text):
            for candidate in self.by_start.get(text[i], ()):
                if text.startswith(candidate, i):
                    i += len(candidate)
                    out.append(" ")
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


def _pieces(value: str) -> Iterator[str]:
    """A value, and its lines and words (a page may show a long text cut, or one line of it); a
    federation's name also names its region (柯城区工商联: 柯城区, see orgs/regions.py)."""
    yield value
    if value.endswith("工商联") and len(value) > 3:
        yield value.removesuffix("工商联")
    for line in value.splitlines():
        if line.strip():
            yield line.strip()
    for word in re.split(r"[\s，。、；：,;:（）()“”《》]+", value):
        if len(word) >= 2:
            yield word


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _json_strings(k)
            yield from _json_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _json_strings(v)


def database_strings() -> list[str]:
    found: list[str] = []
    for model in apps.get_models():
        fields = [
            f.attname for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]  # fmt: skip
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields).iterator():
            for value in row:
                found.extend(_json_strings(value))
    return found


class Crawl:
    def __init__(self, data: DataStrings) -> None:
        self.data = data
        self.seen: set[tuple[str, ...]] = set()
        self.offences: dict[str, set[str]] = defaultdict(set)
        self.pages = 0

    def check(self, url: str, html: str) -> list[str]:
        parser = _Texts()
        parser.feed(html)
        for text in parser.texts:
            self.check_text(url, text)
        return parser.links

    def check_text(self, where: str, text: str) -> None:
        text = " ".join(text.split())
        if text in NOT_PRODUCT_TEXT or not HAN.search(text):
            return
        if HAN.search(MASKED_NAME.sub(" ", self.data.strip(text))):
            self.offences[text].add(where)

    def key(self, url: str) -> tuple[str, ...] | None:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return None
        if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
            return None
        try:
            match = resolve(parts.path)
        except Resolver404:
            return None
        if match.view_name in SKIP_NAMES:
            return None
        query = sorted(
            f"{k}={v}" for k, _, v in (p.partition("=") for p in parts.query.split("&")) if k in VIEW_PARAMS
        )
        return (match.view_name, *query)

    def browse(self, client: Client, persona: str, starts: Iterable[str]) -> None:
        """Breadth first from `starts`. The pages one click from a start (the persona's menu, its
        queues and tabs) are read by every persona, as each sees its own; deeper pages once."""
        queue = [(url, 0) for url in starts]
        mine: set[tuple[str, ...]] = set()
        read = 0
        while queue and read < PAGES_PER_PERSONA:
            url, depth = queue.pop(0)
            key = self.key(url)
            if key is None or key in mine or (depth > 1 and key in self.seen):
                continue
            mine.add(key)
            self.seen.add(key)
            response = client.get(url)
            read += 1
            self.pages += 1
            if response.status_code in (301, 302):
                queue.insert(0, (response["Location"], depth))
                continue
            if not response["Content-Type"].startswith("text/html"):
                continue
            links = self.check(f"{url} ({persona})", response.content.decode())
            if response.status_code == 200 and key[0].rpartition(":")[2].endswith(FORM_PAGES):
                self.submit_empty(client, persona, url)
            queue.extend(
                (urljoin(url, link.split("#")[0]), depth + 1) for link in links if not link.startswith("#")
            )

    def submit_empty(self, client: Client, persona: str, url: str) -> None:
        """A form sent back empty: its error messages (required fields, the form's own checks)."""
        response = client.post(url, {})
        self.pages += 1
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            self.check(f"POST {url} ({persona})", response.content.decode())

    def report(self) -> str:
        lines = [f"{len(self.offences)} Chinese texts on English pages ({self.pages} pages read):"]
        for text, where in sorted(self.offences.items(), key=lambda item: sorted(item[1])[0]):
            more = f" (+{len(where) - 1})" if len(where) > 1 else ""
            lines.append(f"  {text!r}  on {sorted(where)[0]}{more}")
        return "\n".join(lines)


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def citizen(mobile: str) -> Client:
    client = english_client()
    session = client.session
    session[CITIZEN_SESSION_KEY] = mobile
    session[VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    session.save()
    return client


@pytest.fixture
def small_demo(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(proxy_demo, "CASES", 80)
    monkeypatch.setattr(mediation_demo, "DISPUTES", 30)
    monkeypatch.setattr(activities_demo, "ACTIVITIES_PER_CHAMBER", 4)
    monkeypatch.setattr(activities_demo, "VOLUNTEERS_PER_CHAMBER", 8)
    monkeypatch.setattr(party_demo, "PROBLEMS", 20)
    monkeypatch.setattr(party_demo, "DONATION_GIFTS", 8)
    call_command("demo", stdout=io.StringIO(), password="Quzhou#Demo2026")


@pytest.mark.django_db
def test_every_page_is_english_outside_data(small_demo: None) -> None:
    from shanghui.activities.models import Volunteer
    from shanghui.mediation.models import Party
    from shanghui.proxy.models import Case

    crawl = Crawl(DataStrings([*database_strings(), *CHINESE_INPUT_EXAMPLES]))

    visitor = english_client()
    crawl.browse(
        visitor,
        "visitor",
        ["/", "/s/", "/my/track/", "/my/login/", "/v/", "/give/", "/gs/", "/accounts/login/"],
    )

    applicant = Case.objects.exclude(applicant_mobile="").values_list("applicant_mobile", flat=True).first()
    party = Party.objects.values_list("mobile", flat=True).first()
    volunteer = Volunteer.objects.filter(user=None).values_list("mobile", flat=True).first()
    for persona, mobile, starts in (
        ("citizen", applicant, ["/my/", "/my/apply/", "/give/mine/"]),
        ("party", party, ["/my/disputes/", "/my/disputes/new/"]),
        ("volunteer", volunteer, ["/v/", "/v/me/", "/v/me/profile/", "/v/me/hours/", "/v/me/certificates/", "/v/teams/"]),
    ):  # fmt: skip
        assert mobile, persona
        crawl.browse(citizen(mobile), persona, starts)

    for username in ["admin", *(name for name, *_ in WELL_KNOWN)]:
        client = english_client()
        client.force_login(User.objects.get(username=username))
        crawl.browse(client, username, ["/"])

    assert crawl.pages > 100
    assert not crawl.offences, crawl.report()


def test_api_errors_answer_in_english_when_asked(world: Any) -> None:
    """The REST API's errors are shown to users by the client apps: in English when the client asks
    for English (Accept-Language: en), in Chinese otherwise."""
    from shanghui.accounts.tokens import create_token

    _row, token = create_token(actor=world.agent, user=world.agent, name="app", scope="write")
    client = Client()
    english = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    answers = {
        "unknown address": client.get("/api/v1/no-such-thing", headers=english),
        "bad filters": client.get(
            "/api/v1/cases", {"limit": "500", "status": "nope", "overdue": "maybe"}, headers=english
        ),
        "missing and unknown fields": client.post(
            "/api/v1/cases/1/actions/submit", json.dumps({"note": "x", "surprise": 1}),
            content_type="application/json", headers=english,
        ),
        "no token": client.get("/api/v1/me", headers={"Accept-Language": "en"}),
        "no such case": client.get("/api/v1/cases/999999", headers=english),
    }  # fmt: skip
    for what, response in answers.items():
        assert response.status_code >= 400, what
        error = response.json()["error"]
        texts = [error["message"], *(m for messages in error["fields"].values() for m in messages)]
        assert not [t for t in texts if HAN.search(t)], (what, error)

    chinese = client.get("/api/v1/cases", {"limit": "500"}, headers={"Authorization": f"Bearer {token}"})
    assert chinese.json()["error"]["fields"] == {"limit": ["不能大于 100"]}
