"""Personas shared by every test: a small Quzhou with two chambers, a department and its window, and
one user per role, plus an outsider who holds no role anywhere (`world`). A test that needs one more
person makes them with `person()`, here too, rather than by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from shanghui.accounts.models import User
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.orgs.tests.factories import PASSWORD, grant, make_org, make_user

__all__ = ["PASSWORD", "person", "superuser", "world"]


def person(username: str | None = None, *roles: tuple[Organisation, str], **fields: Any) -> User:
    """A saved user (password PASSWORD) holding each (organisation, role) given; `fields` are the
    user's own (name, mobile, id_number, is_active…). No role makes an outsider."""
    if username is not None:
        fields["username"] = username
    user = make_user(**fields)
    for organisation, role in roles:
        grant(user, organisation, role)
    return user


def superuser(username: str | None = None, **fields: Any) -> User:
    """A superuser of the staff site (no organisation role)."""
    return person(username, is_superuser=True, is_staff=True, **fields)


def build_world() -> SimpleNamespace:
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

    w.fed_admin = person("fed_admin", (w.city, Role.FEDERATION_ADMIN))
    w.fed_staff = person("fed_staff", (w.city, Role.FEDERATION_STAFF))
    w.county_admin = person("county_admin", (w.county2, Role.FEDERATION_ADMIN))
    w.chamber_admin = person("chamber_admin", (w.chamber_a, Role.CHAMBER_ADMIN))
    w.chamber_staff = person("chamber_staff", (w.chamber_a, Role.CHAMBER_STAFF))
    w.agent = person("agent", (w.point_a, Role.AGENT))
    w.chamber_admin_b = person("chamber_admin_b", (w.chamber_b, Role.CHAMBER_ADMIN))
    w.agent_b = person("agent_b", (w.point_b, Role.AGENT))
    w.dept_admin = person("dept_admin", (w.dept, Role.DEPARTMENT_ADMIN))
    w.clerk = person("clerk", (w.window, Role.WINDOW_CLERK))
    w.mediator = person("mediator", (w.chamber_a, Role.MEDIATOR))
    w.lecturer = person("lecturer", (w.chamber_a, Role.LECTURER))
    w.party_officer = person("party_officer", (w.chamber_a, Role.PARTY_OFFICER))
    w.auditor = person("auditor", (w.city, Role.AUDITOR))
    w.outsider = person("outsider")
    return w


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    return build_world()
