"""Accessibility of the main pages, checked by axe-core (from the npm registry, node_modules/axe-core) in
Chromium: no serious or critical violation (WCAG 2 A/AA: contrast of at least 4.5:1, names for every
control and link, labels, landmarks), for citizens on a phone and for staff on a desktop."""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.proxy.models import Case
from shanghui.proxy.workflow import AGENT
from tests.browser.conftest import login

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def axe_violations(page: Any) -> list[str]:
    """The serious and critical violations on the page as it stands, one line each with the elements."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')
                    .replace(/\\s+/g, ' ').slice(0, 160))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {json.dumps(v['nodes'], ensure_ascii=False)}"
        for v in result
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def axe_page(new_page: Any) -> Any:
    """A page that may run axe's script (the site's CSP forbids injected scripts)."""
    return functools.partial(new_page, bypass_csp=True)


def sign_in_citizen(page: Any, live: str, mobile: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[CITIZEN_SESSION_KEY] = mobile
    store[VERIFIED_AT_KEY] = int(time.time())
    store.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live}]
    )


def check(page: Any, paths: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    return found


@pytest.fixture
def case(pw: SimpleNamespace) -> Case:
    case = pw.submitted()
    pw.act(case, "request_correction", AGENT, correction_items=["户口簿首页不清晰，请重新拍摄"])
    return case


def test_citizen_pages_on_a_phone(axe_page: Any, live: str, pw: SimpleNamespace, case: Case) -> None:
    page = axe_page(phone=True)
    found = check(page, ["/s/", "/s/?q=身份证", f"/s/items/{pw.item.pk}/", "/my/login/", "/my/track/"])
    sign_in_citizen(page, live, pw.applicant.mobile)
    found |= check(page, ["/my/", f"/my/cases/{case.pk}/", f"/my/apply/?item={pw.item.pk}"])
    assert found == {}, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)


def test_staff_pages_on_a_desktop(axe_page: Any, pw: SimpleNamespace, case: Case) -> None:
    page = axe_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/accounts/login/")
    found = check(page, ["/accounts/login/"])
    login(page, "agent", pw.password)
    found |= check(page, ["/", "/cases/", f"/cases/{case.pk}/", "/notifications/", "/cases/stats/"])
    page.context.clear_cookies()
    login(page, "fed_admin", pw.password)
    found |= check(
        page, ["/", "/orgs/", f"/orgs/{pw.chamber_a.pk}/", "/audit/", "/catalog/manage/", "/cases/stats/"]
    )
    assert found == {}, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)


SMALL_TARGETS = """() => [...document.querySelectorAll('button, .btn, .nav-link, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), .form-check')]
    .filter(e => e.offsetParent !== null && !e.classList.contains('visually-hidden'))
    .map(e => ({what: (e.getAttribute('data-testid') || e.textContent.trim().slice(0, 12) || e.name || e.tagName), h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width}))
    .filter(t => t.h < 44 || t.w < 44)
    .map(t => `${t.what} ${Math.round(t.w)}×${Math.round(t.h)}`)"""


def test_citizens_tap_targets_are_at_least_44_px(
    axe_page: Any, live: str, pw: SimpleNamespace, case: Case
) -> None:
    page = axe_page(phone=True)
    small: dict[str, list[str]] = {}
    sign_in_citizen(page, live, pw.applicant.mobile)
    for path in ["/s/", "/s/?q=身份证", f"/s/items/{pw.item.pk}/", "/my/", f"/my/cases/{case.pk}/",
                 f"/my/apply/?item={pw.item.pk}", "/my/track/"]:  # fmt: skip
        page.goto(path)
        found = page.evaluate(SMALL_TARGETS)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            found.append("the page is wider than the phone's screen")
        if os.environ.get(
            "SCREENSHOTS"
        ):  # a directory: the pages as a phone shows them, for a person to look at
            name = path.strip("/").replace("/", "_").replace("?", "_") or "search"
            page.screenshot(path=f"{os.environ['SCREENSHOTS']}/{name}.png", full_page=True)
        if found:
            small[path] = found
    assert small == {}, "\n".join(f"{p}: {v}" for p, v in small.items())
