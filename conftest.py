"""Personas shared by every test: a small Quzhou with two chambers, a department and its window,
and one user per role, plus an outsider who holds no role anywhere."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache

from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.tests.factories import PASSWORD, UserFactory, grant, make_org


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    # The workflow kernel's example programme has models no migration makes (its tests import them, and
    # then a deleted user cascades to them in any test): its tables are in every test database.
    from shanghui.workflow.tests.example import create_tables

    with django_db_blocker.unblock():
        create_tables()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: object) -> None:
    # Argon2 is the production hasher (tested in accounts); tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


_anchor_files = itertools.count()


@pytest.fixture(autouse=True)
def _audit_anchors_of_this_test(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Each test's database starts empty: its audit anchors must not meet another test's (nor the
    # developer's var/audit-anchors.log). Periodic anchors only where a test turns them on.
    path = tmp_path_factory.getbasetemp() / f"audit-anchors-{next(_anchor_files)}.log"
    settings.AUDIT_ANCHOR = [f"file:{path}"]  # type: ignore[attr-defined]
    settings.AUDIT_ANCHOR_INTERVAL = 0  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_rate_windows() -> Iterator[None]:
    # Rate windows (shanghui/lib/ratelimit.py) live in the cache, which outlives a test's database: each
    # test starts with none, or one test's posts would count against the next one's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Iterator[None]:
    # The search index lives in the process and re-reads the catalogue at most once a second; a test's
    # rolled-back items must not answer the next test's searches (CI saw exactly that).
    from shanghui.catalog import search

    yield
    search.invalidate()


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    w = SimpleNamespace(password=PASSWORD)
    w.city = make_org(OrgKind.FEDERATION, "衢州市工商联", region_code="330800")
    w.county = make_org(OrgKind.FEDERATION, "柯城区工商联", w.city, region_code="330802")
    w.county2 = make_org(OrgKind.FEDERATION, "龙游县工商联", w.city, region_code="330825")
    w.chamber_a = make_org(OrgKind.CHAMBER, "衢州在上海商会", w.city, city="上海")
    w.point_a = make_org(OrgKind.PROXY_POINT, "上海代办点", w.chamber_a)
    w.enterprise_a = make_org(OrgKind.ENTERPRISE, "衢州甲科技有限公司", w.chamber_a)
    w.chamber_b = make_org(OrgKind.CHAMBER, "龙游在杭州商会", w.county2, city="杭州")
    w.point_b = make_org(OrgKind.PROXY_POINT, "杭州代办点", w.chamber_b)
    w.dept = make_org(OrgKind.DEPARTMENT, "衢州市公安局", w.city)
    w.window = make_org(OrgKind.WINDOW, "柯城区公安窗口", w.dept, region_code="330802")
    w.dept2 = make_org(OrgKind.DEPARTMENT, "衢州市人力社保局", w.city)
    w.window2 = make_org(OrgKind.WINDOW, "龙游县人社窗口", w.dept2, region_code="330825")

    def person(username: str, org: object | None, role: str | None) -> object:
        user = UserFactory(username=username)
        if org is not None and role is not None:
            grant(user, org, role)  # type: ignore[arg-type]
        return user

    w.fed_admin = person("fed_admin", w.city, Role.FEDERATION_ADMIN)
    w.fed_staff = person("fed_staff", w.city, Role.FEDERATION_STAFF)
    w.county_admin = person("county_admin", w.county2, Role.FEDERATION_ADMIN)
    w.chamber_admin = person("chamber_admin", w.chamber_a, Role.CHAMBER_ADMIN)
    w.chamber_staff = person("chamber_staff", w.chamber_a, Role.CHAMBER_STAFF)
    w.agent = person("agent", w.point_a, Role.AGENT)
    w.chamber_admin_b = person("chamber_admin_b", w.chamber_b, Role.CHAMBER_ADMIN)
    w.agent_b = person("agent_b", w.point_b, Role.AGENT)
    w.dept_admin = person("dept_admin", w.dept, Role.DEPARTMENT_ADMIN)
    w.clerk = person("clerk", w.window, Role.WINDOW_CLERK)
    w.mediator = person("mediator", w.chamber_a, Role.MEDIATOR)
    w.lecturer = person("lecturer", w.chamber_a, Role.LECTURER)
    w.party_officer = person("party_officer", w.chamber_a, Role.PARTY_OFFICER)
    w.auditor = person("auditor", w.city, Role.AUDITOR)
    w.outsider = person("outsider", None, None)
    return w
