"""The demo logins: at least one for every role of shanghui.orgs.models.Role, with well-known
usernames for the ones a demonstration starts from (fed_admin, agent, clerk, …), and a superuser."""

from __future__ import annotations

from shanghui.demo.loader import Demo
from shanghui.demo.quzhou import (
    CITY_FEDERATION,
    COUNTIES,
    DEPARTMENT_BY_SLUG,
    REMOTE_CHAMBERS,
    federation_name,
    window_name,
)
from shanghui.orgs.models import Organisation, OrgKind, Role

# (username, organisation, role, title): the logins a demonstration starts from.
WELL_KNOWN = (
    ("fed_admin", CITY_FEDERATION, Role.FEDERATION_ADMIN, "办公室主任"),
    ("fed_staff", CITY_FEDERATION, Role.FEDERATION_STAFF, "会员联络处科员"),
    ("county_admin", "龙游县工商联", Role.FEDERATION_ADMIN, "办公室主任"),
    ("chamber_admin", "衢州在上海商会", Role.CHAMBER_ADMIN, "秘书长"),
    ("chamber_staff", "衢州在上海商会", Role.CHAMBER_STAFF, "办公室干事"),
    # The first agent of 上海: the same person as the proxy point's contact (see quzhou.py).
    ("agent", "衢州在上海商会代办点", Role.AGENT, "专职代办员"),
    ("dept_admin", "衢州市公安局", Role.DEPARTMENT_ADMIN, "政务服务科科长"),
    ("clerk", "柯城区行政服务中心公安窗口", Role.WINDOW_CLERK, "窗口受理员"),
    ("mediator", "衢州在上海商会", Role.MEDIATOR, "商会人民调解委员会主任"),
    ("lecturer", "衢州在上海商会", Role.LECTURER, "“8090”宣讲员"),
    ("party_officer", "衢州在上海商会", Role.PARTY_OFFICER, "商会党支部书记"),
    ("auditor", CITY_FEDERATION, Role.AUDITOR, "监督员"),
)

# Chambers (by host city) that get an administrator and a staff member besides 上海.
STAFFED_CHAMBERS = ("hangzhou", "beijing")
# Departments (by slug) that get an administrator besides 公安.
STAFFED_DEPARTMENTS = ("renshe", "shichang", "yibao")
# Windows (county slug, department slug) that get a clerk besides 柯城区公安.
STAFFED_WINDOWS = (
    ("longyou", "renshe"), ("kecheng", "renshe"), ("kecheng", "shichang"), ("jiangshan", "gongan"),
    ("qujiang", "yibao"), ("changshan", "shuiwu"), ("kaihua", "gongjijin"),
)  # fmt: skip


def load(demo: Demo) -> None:
    orgs = demo.orgs
    demo.superuser("admin", name="系统管理员")
    for username, org_name, role, title in WELL_KNOWN:
        person = _agent_key(org_name, 1) if role == Role.AGENT else f"{org_name}/{title}"
        demo.member(
            username, person=person, organisation=orgs[org_name], role=role, title=title, well_known=True
        )

    for county in COUNTIES:
        name = federation_name(county)
        if county.slug != "longyou":  # county_admin above
            demo.member(
                f"county_admin_{county.slug}", person=f"{name}/办公室主任", organisation=orgs[name],
                role=Role.FEDERATION_ADMIN, title="办公室主任",
            )  # fmt: skip

    lecturers = (
        ("lecturer_fed", orgs[CITY_FEDERATION], "“8090”宣讲团团长"),
        ("lecturer_enterprise", _first_enterprise(orgs["衢州在上海商会"]), "“8090”宣讲员"),
    )
    for username, org, title in lecturers:
        demo.member(username, person=f"{org.name}/{title}", organisation=org, role=Role.LECTURER, title=title)

    for chamber in REMOTE_CHAMBERS:
        if chamber.slug in STAFFED_CHAMBERS:
            for role, title in ((Role.CHAMBER_ADMIN, "秘书长"), (Role.CHAMBER_STAFF, "办公室干事")):
                demo.member(
                    f"{role}_{chamber.slug}", person=f"{chamber.name}/{title}", organisation=orgs[chamber.name],
                    role=role, title=title,
                )  # fmt: skip
    demo.member(
        "chamber_admin_muye", person="江山市木业商会/秘书长", organisation=orgs["江山市木业商会"],
        role=Role.CHAMBER_ADMIN, title="秘书长",
    )  # fmt: skip

    # Two agents at every proxy point (the first of 上海 is the well-known `agent`).
    for chamber in REMOTE_CHAMBERS:
        for n in (1, 2):
            if (chamber.slug, n) == ("shanghai", 1):
                continue  # `agent`
            demo.member(
                f"agent_{chamber.slug}_{n}", person=_agent_key(chamber.proxy_point, n),
                organisation=orgs[chamber.proxy_point], role=Role.AGENT, title="专职代办员",
            )  # fmt: skip

    for slug in STAFFED_DEPARTMENTS:
        dept = DEPARTMENT_BY_SLUG[slug]
        demo.member(
            f"dept_admin_{slug}", person=f"{dept.name}/政务服务科科长", organisation=orgs[dept.name],
            role=Role.DEPARTMENT_ADMIN, title="政务服务科科长",
        )  # fmt: skip
    counties = {c.slug: c for c in COUNTIES}
    for county_slug, dept_slug in STAFFED_WINDOWS:
        window = window_name(counties[county_slug], DEPARTMENT_BY_SLUG[dept_slug])
        demo.member(
            f"clerk_{county_slug}_{dept_slug}", person=f"{window}/窗口受理员", organisation=orgs[window],
            role=Role.WINDOW_CLERK, title="窗口受理员",
        )  # fmt: skip


def _agent_key(proxy_point: str, n: int) -> str:
    return f"{proxy_point}/代办员{n}"


def _first_enterprise(chamber: Organisation) -> Organisation:
    enterprise = chamber.children.filter(kind=OrgKind.ENTERPRISE).order_by("path").first()
    if enterprise is None:
        raise ValueError(f"{chamber} has no member enterprise")
    return enterprise
