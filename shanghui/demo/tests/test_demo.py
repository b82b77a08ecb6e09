"""`shanghui demo`: a believable Quzhou, the same on every run, idempotent, with logins that work."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.shortcuts import resolve_url

from shanghui.accounts.models import User
from shanghui.activities import demo as activities_demo
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import verify_chain
from shanghui.demo.people import WELL_KNOWN
from shanghui.demo.quzhou import COUNTIES
from shanghui.lib.validators import is_valid_credit_code, is_valid_mobile, normalize_phone, phone_error
from shanghui.orgs.models import ChamberKind, FederationLevel, Membership, Organisation, OrgKind, Role
from shanghui.proxy import demo as proxy_demo

PASSWORD = "Quzhou#Demo2026"
COUNTY_CODES = {c.region_code for c in COUNTIES}
WELL_KNOWN_USERNAMES = {"admin"} | {username for username, *_ in WELL_KNOWN}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fewer_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests are about organisations and logins: a small year of proxy cases keeps them fast
    # (shanghui/proxy/tests/test_demo.py loads the full 2,600).
    monkeypatch.setattr(proxy_demo, "CASES", 120)
    # And a few activities per chamber (shanghui/activities/tests/test_demo.py loads the full year).
    monkeypatch.setattr(activities_demo, "ACTIVITIES_PER_CHAMBER", 5)


def run_demo(**options: Any) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    """username → password from the table the command prints (the password is the last column)."""
    rows = (line.split() for line in output.splitlines())
    return {
        cells[0]: cells[-1]
        for cells in rows
        if len(cells) >= 4 and re.fullmatch(r"[a-z][a-z0-9_]*", cells[0])
    }


def login(client: Any, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_demo_loads_a_believable_quzhou() -> None:
    run_demo(password=PASSWORD)
    orgs = Organisation.objects

    city = orgs.get(kind=OrgKind.FEDERATION, federation_level=FederationLevel.CITY)
    assert (city.name, city.region_code, city.parent) == ("衢州市工商联", "330800", None)
    # (The catalogue part adds Guang'an's federation as a root of its own.)
    counties = orgs.filter(kind=OrgKind.FEDERATION, federation_level=FederationLevel.COUNTY, parent=city)
    assert {(c.name, c.region_code, c.parent_id) for c in counties} == {
        ("柯城区工商联", "330802", city.pk), ("衢江区工商联", "330803", city.pk),
        ("龙游县工商联", "330825", city.pk), ("江山市工商联", "330881", city.pk),
        ("常山县工商联", "330822", city.pk), ("开化县工商联", "330824", city.pk),
    }  # fmt: skip

    remote_qs = orgs.filter(kind=OrgKind.CHAMBER, chamber_kind=ChamberKind.REMOTE)
    remote = list(remote_qs)
    assert len(remote) == 16
    assert {c.city for c in remote} == {
        "上海", "杭州", "北京", "深圳", "广州", "宁波", "温州", "南京",
        "苏州", "武汉", "成都", "重庆", "西安", "厦门", "天津", "义乌",
    }  # fmt: skip
    assert set(remote_qs.values_list("parent__kind", flat=True)) == {OrgKind.FEDERATION}
    assert 1 < len({c.parent_id for c in remote}) <= 7, "spread over the city and the county federations"
    assert orgs.filter(name="衢州在上海商会", parent=city).exists()
    assert orgs.filter(name="龙游在杭州商会", parent__name="龙游县工商联").exists()
    for chamber in remote:
        assert chamber.address and chamber.contact_name and chamber.contact_phone, chamber
        points = list(chamber.children.filter(kind=OrgKind.PROXY_POINT))
        assert [p.name for p in points] == [f"{chamber.name}代办点"]
        assert Membership.objects.filter(organisation=points[0], role=Role.AGENT).count() == 2

    local = orgs.filter(kind=OrgKind.CHAMBER).exclude(chamber_kind=ChamberKind.REMOTE)
    assert set(local.values_list("chamber_kind", flat=True)) == {ChamberKind.INDUSTRY, ChamberKind.TOWNSHIP}
    assert set(local.values_list("parent__federation_level", flat=True)) == {FederationLevel.COUNTY}

    departments = orgs.filter(kind=OrgKind.DEPARTMENT, path__startswith=city.path)
    assert departments.count() == 15
    assert set(departments.values_list("parent", flat=True)) == {city.pk}
    for department in departments:
        windows = department.children.filter(kind=OrgKind.WINDOW)
        assert sorted(windows.values_list("region_code", flat=True)) == sorted(COUNTY_CODES), department
    assert orgs.filter(kind=OrgKind.WINDOW).count() == 90
    assert orgs.filter(
        name="柯城区行政服务中心公安窗口", parent__name="衢州市公安局", region_code="330802"
    ).exists()

    enterprises = list(orgs.filter(kind=OrgKind.ENTERPRISE))
    per_chamber = Counter(e.parent_id for e in enterprises)
    assert set(per_chamber) == {c.pk for c in orgs.filter(kind=OrgKind.CHAMBER)}
    assert all(3 <= n <= 6 for n in per_chamber.values())
    codes = [e.credit_code for e in enterprises]
    assert all(is_valid_credit_code(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert {code[2:8] for code in codes} <= COUNTY_CODES
    assert all(e.name.endswith("公司") for e in enterprises)

    villages = orgs.filter(kind=OrgKind.VILLAGE)
    assert villages.count() >= 5
    assert all(v.parent_id == city.pk and v.name.startswith("四川省") for v in villages)

    # A login for every role, the well-known ones where a demonstration expects them.
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="admin").is_superuser
    for username, org_name, role, _ in WELL_KNOWN:
        assert Membership.objects.filter(
            user__username=username, organisation__name=org_name, role=role
        ).exists()
    users = User.objects.exclude(username="admin")
    mobiles = [u.mobile for u in users]
    assert all(mobile and is_valid_mobile(mobile) for mobile in mobiles)
    assert len(set(mobiles)) == len(mobiles)
    # No public contact number is anyone's login mobile (the service guide shows them: anyone could
    # fail logins with it), and every proxy point gives an office number.
    public = {
        normalize_phone(p) for p in orgs.exclude(contact_phone="").values_list("contact_phone", flat=True)
    }
    assert not public & set(mobiles)
    for point in orgs.filter(kind=OrgKind.PROXY_POINT):
        assert phone_error(point.contact_phone) is None and not is_valid_mobile(point.contact_phone), point
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", u.name) for u in users)


def snapshot() -> tuple[list[Any], ...]:
    return (
        list(Organisation.objects.order_by("path").values()),
        list(User.objects.order_by("username").values("username", "name", "mobile", "password")),
        list(Membership.objects.order_by("pk").values("user", "organisation", "role", "title")),
        # Every run of the catalogue importer is audited, also one that changes nothing.
        list(
            AuditEntry.objects.exclude(action="catalog.import")
            .order_by("seq")
            .values_list("action", "object_id")
        ),
    )


def test_second_run_changes_nothing_and_keeps_the_passwords(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_demo(password=PASSWORD)
    before = snapshot()

    output = run_demo(password="Another#Pass2026")

    assert snapshot() == before
    assert "新建：无" in output
    assert "shanghui demo --reset-passwords" in output
    assert set(printed_passwords(output).values()) == {"（未改动）"}
    assert verify_chain().ok
    assert login(client, "clerk", PASSWORD).status_code == 302

    # Until they are reset, here to the shared password from the environment.
    monkeypatch.setenv("DEMO_PASSWORD", "Reset#Quzhou2026")
    output = run_demo(reset_passwords=True)

    assert set(printed_passwords(output).values()) == {"Reset#Quzhou2026"}
    client.logout()
    assert login(client, "clerk", PASSWORD).status_code == 200  # the form again, with an error
    assert login(client, "clerk", "Reset#Quzhou2026").status_code == 302
    assert verify_chain().ok


def test_every_fresh_run_makes_the_same_quzhou() -> None:
    class Rollback(Exception):
        pass

    def fresh() -> tuple[list[Any], list[Any]]:
        with pytest.raises(Rollback), transaction.atomic():
            run_demo(password=PASSWORD)
            orgs = list(
                Organisation.objects.order_by("path").values_list("name", "credit_code", "contact_phone")
            )
            users = list(User.objects.order_by("username").values_list("username", "name", "mobile"))
            raise Rollback
        return orgs, users

    first = fresh()
    assert not Organisation.objects.exists()
    assert fresh() == first


def test_printed_passwords_log_in(client: Any) -> None:
    output = run_demo()

    passwords = printed_passwords(output)
    assert passwords.keys() >= WELL_KNOWN_USERNAMES
    assert len(set(passwords.values())) == len(passwords), "a password of its own for each login"
    assert "密码只显示这一次" in output
    assert login(client, "agent", passwords["clerk"]).status_code == 200  # the form again, with an error
    response = login(client, "agent", passwords["agent"])
    assert response.status_code == 302
    assert response.url == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_weak_shared_password_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(CommandError, match="演示密码不符合密码规则"):
        run_demo(password="12345678")
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
