"""The organisation pages: list (search, filters, pagination, export), detail, create, edit, move."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanghui.audit.models import AuditEntry
from shanghui.orgs.models import PATH_STEP, Organisation, OrgKind, Role
from shanghui.orgs.tests.factories import grant, make_credit_code, make_org, make_user
from shanghui.orgs.tests.sheets import read_sheet


def _rows(response: Any) -> list[str]:
    """The organisation names in the list page's table, in order."""
    return [org.name for org, _path, _count in response.context["rows"]]


# --- List ---------------------------------------------------------------------------------------


def test_chamber_admin_lists_only_the_chamber_subtree(client: Client, world: SimpleNamespace) -> None:
    # Given the admin of chamber A
    client.force_login(world.chamber_admin)

    # When they open the organisation list
    response = client.get(reverse("orgs:list"))

    # Then they see the chamber, its proxy point and its member enterprise, in tree order
    assert response.status_code == 200
    assert _rows(response) == ["衢州在上海商会", "上海代办点", "衢州甲科技有限公司"]
    assert response.context["page"].paginator.count == 3
    html = response.content.decode()
    assert "共 3 个组织" in html
    assert 'data-testid="org-row"' in html
    assert "龙游在杭州商会" not in html


def test_list_shows_parent_path_city_and_member_count(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:list"), {"q": "上海代办点"})

    [(org, parent_path, member_count)] = response.context["rows"]
    assert org == world.point_a
    assert parent_path == "衢州市工商联 / 衢州在上海商会"
    assert member_count == 1  # the agent


def test_list_is_a_tree_with_county_names_not_region_codes(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:list"))

    indents = {org.name: org.indent for org, _path, _count in response.context["rows"]}
    assert indents["衢州市工商联"] == 0
    assert indents["柯城区工商联"] == indents["衢州在上海商会"] == 1
    assert indents["上海代办点"] == 2
    html = response.content.decode()
    window = html[html.index(f'data-org-id="{world.window.pk}"') :]
    region = window[window.index('data-testid="org-region"') :].split("</td>", 1)[0]
    assert "柯城区" in region and ">330802<" not in region  # the code only as the hint


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "杭州"}, ["龙游在杭州商会", "杭州代办点"]),
        ({"q": "公安"}, ["衢州市公安局", "柯城区公安窗口"]),
        ({"kind": "window"}, ["柯城区公安窗口", "龙游县人社窗口"]),
        ({"kind": "chamber", "city": "上海"}, ["衢州在上海商会"]),
        ({"chamber_kind": "remote"}, ["龙游在杭州商会", "衢州在上海商会"]),  # tree order: 龙游 county first
        ({"under": "county2"}, ["龙游县工商联", "龙游在杭州商会", "杭州代办点"]),
        ({"under": "dept", "kind": "window"}, ["柯城区公安窗口"]),
        ({"active": "0"}, []),
    ],
)
def test_search_and_filters(
    client: Client, world: SimpleNamespace, params: dict[str, str], expected: list[str]
) -> None:
    # Given the city federation admin, who sees the whole tree
    client.force_login(world.fed_admin)
    query = {k: str(getattr(world, v).pk) if k == "under" else v for k, v in params.items()}

    # When they search or filter
    response = client.get(reverse("orgs:list"), query)

    # Then exactly the matching organisations are listed
    assert _rows(response) == expected


def test_search_by_credit_code_and_short_name(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)
    code = world.enterprise_a.credit_code
    Organisation.objects.filter(pk=world.chamber_b.pk).update(short_name="龙游杭商")

    assert _rows(client.get(reverse("orgs:list"), {"q": code.lower()})) == ["衢州甲科技有限公司"]
    assert _rows(client.get(reverse("orgs:list"), {"q": "龙游杭商"})) == ["龙游在杭州商会"]


def test_inactive_filter(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)
    Organisation.objects.filter(pk=world.window2.pk).update(is_active=False)

    assert _rows(client.get(reverse("orgs:list"), {"active": "0"})) == ["龙游县人社窗口"]
    assert "龙游县人社窗口" not in _rows(client.get(reverse("orgs:list"), {"active": "1"}))


def test_subtree_filter_cannot_reach_outside_the_users_scope(client: Client, world: SimpleNamespace) -> None:
    # Given the admin of chamber A, who asks for the subtree of chamber B (not theirs)
    client.force_login(world.chamber_admin)

    response = client.get(reverse("orgs:list"), {"under": world.chamber_b.pk})

    # Then the filter is refused with an error and nothing of chamber B shows
    assert response.context["form"].errors["under"]
    assert "杭州" not in "".join(_rows(response))


def test_empty_state_when_nothing_matches(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:list"), {"q": "不存在的组织"})

    html = response.content.decode()
    assert 'data-testid="empty-state"' in html
    assert "没有符合条件的组织" in html
    assert 'data-testid="org-table"' not in html


def test_pagination(client: Client, world: SimpleNamespace, settings: Any) -> None:
    # Given pages of five and the city admin who sees twelve organisations
    settings.PAGE_SIZE = 5
    client.force_login(world.fed_admin)

    first = client.get(reverse("orgs:list"))
    third = client.get(reverse("orgs:list"), {"page": 3})
    beyond = client.get(reverse("orgs:list"), {"page": 99})

    # Then the pages split the list, the count is the total, and a page past the end shows the last
    assert len(_rows(first)) == 5
    assert first.context["page"].paginator.count == 12
    assert len(_rows(third)) == 2
    assert _rows(beyond) == _rows(third)
    html = first.content.decode()
    assert 'data-testid="pagination"' in html
    assert "第 1 / 3 页" in html
    assert set(_rows(first)).isdisjoint(_rows(third))


def test_pagination_keeps_the_filters(client: Client, world: SimpleNamespace, settings: Any) -> None:
    settings.PAGE_SIZE = 1
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:list"), {"kind": "chamber"})

    assert "?kind=chamber&amp;page=2" in response.content.decode()


def test_list_queries_do_not_grow_with_rows(
    client: Client, world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    # Given the city admin and the list page measured on the small world
    client.force_login(world.fed_admin)
    client.get(reverse("home:index"))
    url = reverse("orgs:list")
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"kind": "chamber"})

    # When forty more chambers arrive, each with a proxy point and an agent
    for n in range(40):
        chamber = make_org(OrgKind.CHAMBER, f"商会{n}", world.county, city=f"城市{n % 5}")
        grant(make_user(), make_org(OrgKind.PROXY_POINT, f"代办点{n}", chamber), Role.AGENT)

    # Then the page costs the same, small number of queries
    with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as large:
        response = client.get(url, {"kind": "chamber"})
    assert len(response.context["rows"]) == 20
    assert len(large) == len(small)


# --- Export -------------------------------------------------------------------------------------


def test_export_is_a_real_workbook_of_the_filtered_list_and_is_audited(
    client: Client, world: SimpleNamespace
) -> None:
    # Given the city admin filtering on windows
    client.force_login(world.fed_admin)

    # When they export
    response = client.get(reverse("orgs:list"), {"kind": "window", "q": "窗口", "export": "xlsx"})

    # Then they get an .xlsx with a header and one row per filtered organisation
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    rows = read_sheet(response)
    assert rows[0][:3] == ("名称", "简称", "类型")
    assert [(r[0], r[2], r[4], r[6]) for r in rows[1:]] == [
        ("柯城区公安窗口", "受理窗口", "衢州市工商联 / 衢州市公安局", "330802"),
        ("龙游县人社窗口", "受理窗口", "衢州市工商联 / 衢州市人力社保局", "330825"),
    ]
    # and the export is in the audit log, with its filters but not the search text
    entry = AuditEntry.objects.filter(action="org.export").get()
    assert entry.actor == world.fed_admin
    assert entry.detail["rows"] == 2
    assert entry.detail["filters"] == {"kind": "window"}
    assert entry.detail["search"] is True
    assert "窗口" not in str(entry.detail)


def test_export_holds_only_what_the_user_sees(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin_b)

    rows = read_sheet(client.get(reverse("orgs:list"), {"export": "xlsx"}))

    assert [r[0] for r in rows[1:]] == ["龙游在杭州商会", "杭州代办点"]


def test_export_of_many_rows_spans_chunks(client: Client, world: SimpleNamespace, monkeypatch: Any) -> None:
    from shanghui.orgs import views

    monkeypatch.setattr(views, "EXPORT_CHUNK", 3)
    client.force_login(world.fed_admin)

    rows = read_sheet(client.get(reverse("orgs:list"), {"export": "xlsx"}))

    assert len(rows) == 1 + 12
    assert rows[-1][0] == "龙游县人社窗口"
    assert rows[-1][4] == "衢州市工商联 / 衢州市人力社保局"


# --- Detail -------------------------------------------------------------------------------------


def test_detail_shows_breadcrumb_children_by_kind_and_masked_members(
    client: Client, world: SimpleNamespace
) -> None:
    # Given the city admin looking at chamber A
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:detail", args=[world.chamber_a.pk]))

    # Then the ancestors, the children grouped by kind and the members (masked mobiles) show
    html = response.content.decode()
    assert [a.name for a, _visible in response.context["ancestors"]] == ["衢州市工商联"]
    groups = {g["kind"]: [c.name for c, _n in g["rows"]] for g in response.context["child_groups"]}
    assert groups == {"proxy_point": ["上海代办点"], "enterprise": ["衢州甲科技有限公司"]}
    assert 'data-testid="child-group-proxy_point"' in html
    admin_mobile = world.chamber_admin.mobile
    assert admin_mobile not in html
    assert f"{admin_mobile[:3]}****{admin_mobile[-4:]}" in html
    # and the admin buttons are there
    for testid in (
        "org-edit",
        "org-add-child",
        "org-add-member",
        "add-child-proxy_point",
        "add-child-enterprise",
    ):
        assert f'data-testid="{testid}"' in html


def test_detail_hides_admin_buttons_from_readers(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.auditor)

    html = client.get(reverse("orgs:detail", args=[world.chamber_a.pk])).content.decode()

    for testid in ("org-edit", "org-add-child", "org-add-member"):
        assert f'data-testid="{testid}"' not in html


def test_breadcrumb_links_only_to_visible_ancestors(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)

    response = client.get(reverse("orgs:detail", args=[world.point_a.pk]))

    assert [(a.name, visible) for a, visible in response.context["ancestors"]] == [
        ("衢州市工商联", False),
        ("衢州在上海商会", True),
    ]


# --- Create -------------------------------------------------------------------------------------


def test_create_without_kind_offers_the_kinds_allowed_under_the_parent(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.chamber_admin)

    response = client.get(reverse("orgs:create"), {"parent": world.chamber_a.pk})

    assert response.context["kinds"] == [("proxy_point", "代办点"), ("enterprise", "会员企业")]
    assert 'data-testid="kind-choice-enterprise"' in response.content.decode()


def test_create_enterprise_with_a_bad_credit_code_shows_the_error_and_creates_nothing(
    client: Client, world: SimpleNamespace
) -> None:
    # Given the chamber admin creating a member enterprise
    client.force_login(world.chamber_admin)
    before = Organisation.objects.count()
    url = reverse("orgs:create") + f"?parent={world.chamber_a.pk}&kind=enterprise"

    # When the credit code's check character is wrong
    good = make_credit_code(99)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(
        url, {"name": "衢州乙公司", "parent": world.chamber_a.pk, "credit_code": bad, "is_active": "on"}
    )

    # Then the page shows the Chinese error next to the field, and nothing is created
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-credit_code"' in html
    assert "统一社会信用代码校验位不正确，请核对" in html
    assert Organisation.objects.count() == before


def test_create_enterprise_requires_a_credit_code(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)
    url = reverse("orgs:create") + f"?parent={world.chamber_a.pk}&kind=enterprise"

    response = client.post(url, {"name": "衢州乙公司", "parent": world.chamber_a.pk})

    assert response.context["form"].errors["credit_code"]
    assert not Organisation.objects.filter(name="衢州乙公司").exists()


def test_create_with_a_credit_code_already_used(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)
    url = reverse("orgs:create") + f"?parent={world.chamber_a.pk}&kind=enterprise"

    response = client.post(
        url,
        {"name": "衢州乙公司", "parent": world.chamber_a.pk, "credit_code": world.enterprise_a.credit_code},
    )

    assert response.context["form"].errors["credit_code"] == ["该统一社会信用代码已被其他组织使用"]


def test_create_under_a_parent_of_the_wrong_kind_shows_the_model_rule(
    client: Client, world: SimpleNamespace
) -> None:
    # Given the city admin creating a chamber but choosing a department as its parent
    client.force_login(world.fed_admin)
    before = Organisation.objects.count()

    response = client.post(
        reverse("orgs:create") + "?kind=chamber",
        {"name": "衢州在广州商会", "parent": world.dept.pk, "chamber_kind": "remote", "city": "广州"},
    )

    # Then the rule of ALLOWED_PARENTS is shown next to the parent field, and nothing is created
    assert response.context["form"].errors["parent"] == ["商会的上级组织只能是：工商联"]
    assert 'data-testid="error-parent"' in response.content.decode()
    assert Organisation.objects.count() == before


def test_create_a_sibling_with_the_same_name(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)
    url = reverse("orgs:create") + f"?parent={world.chamber_a.pk}&kind=proxy_point"

    response = client.post(url, {"name": "上海代办点", "parent": world.chamber_a.pk})

    assert response.context["form"].errors["name"] == ["同一上级组织下已有同名组织"]


def test_create_a_proxy_point(client: Client, world: SimpleNamespace) -> None:
    # Given the chamber admin adding a second proxy point
    client.force_login(world.chamber_admin)
    url = reverse("orgs:create") + f"?parent={world.chamber_a.pk}&kind=proxy_point"

    # When they submit the form
    response = client.post(
        url,
        {"name": "浦东代办点", "parent": world.chamber_a.pk, "address": "上海市浦东新区", "is_active": "on"},
    )

    # Then the point exists under the chamber, with its path, and the page goes to it
    point = Organisation.objects.get(name="浦东代办点")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:detail", args=[point.pk])
    assert point.kind == OrgKind.PROXY_POINT
    assert point.parent == world.chamber_a
    assert point.path == world.chamber_a.path + str(point.pk).zfill(PATH_STEP)
    assert point.depth == world.chamber_a.depth + 1
    assert AuditEntry.objects.filter(
        action="org.create", object_id=str(point.pk), actor=world.chamber_admin
    ).exists()


def test_create_parent_choices_are_only_where_the_user_administers(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.county_admin)

    response = client.get(reverse("orgs:create"), {"kind": "chamber"})

    choices = list(response.context["form"].fields["parent"].queryset)
    assert choices == [world.county2, world.chamber_b]


def test_create_a_chamber_under_a_parent_not_administered_is_refused(
    client: Client, world: SimpleNamespace
) -> None:
    # Given the county admin posting a chamber with the city as parent (tampered form)
    client.force_login(world.county_admin)

    response = client.post(
        reverse("orgs:create") + "?kind=chamber",
        {"name": "偷建商会", "parent": world.city.pk, "chamber_kind": "remote"},
    )

    assert response.context["form"].errors["parent"]
    assert not Organisation.objects.filter(name="偷建商会").exists()


@pytest.mark.parametrize(
    ("kind", "present", "absent"),
    [
        ("federation", {"federation_level", "region_code"}, {"chamber_kind", "credit_code", "city"}),
        ("chamber", {"chamber_kind", "city", "credit_code"}, {"federation_level", "region_code"}),
        ("enterprise", {"credit_code"}, {"federation_level", "chamber_kind", "region_code"}),
        ("window", {"region_code"}, {"federation_level", "chamber_kind", "credit_code"}),
        ("proxy_point", set(), {"federation_level", "chamber_kind", "credit_code", "region_code"}),
    ],
)
def test_form_fields_depend_on_kind(
    client: Client, world: SimpleNamespace, kind: str, present: set[str], absent: set[str]
) -> None:
    client.force_login(world.fed_admin)

    form = client.get(reverse("orgs:create"), {"kind": kind}).context["form"]

    assert present <= set(form.fields)
    assert not absent & set(form.fields)
    assert {"name", "parent", "is_active"} <= set(form.fields)


# --- Edit and move ------------------------------------------------------------------------------


def test_moving_an_organisation_rewrites_the_paths_of_its_descendants(
    client: Client, world: SimpleNamespace
) -> None:
    # Given chamber A (with a proxy point and an enterprise) directly under the city
    client.force_login(world.fed_admin)
    a = world.chamber_a

    # When the city admin moves it under the 柯城 county federation
    response = client.post(
        reverse("orgs:edit", args=[a.pk]),
        {
            "name": a.name,
            "parent": world.county.pk,
            "chamber_kind": "remote",
            "city": "上海",
            "is_active": "on",
        },
    )

    # Then the chamber and everything below it carry the new path and depth
    assert response.status_code == 302
    for org in (a, world.point_a, world.enterprise_a):
        old_depth = org.depth
        org.refresh_from_db()
        assert org.path.startswith(world.county.path)
        assert org.depth == old_depth + 1
    assert world.point_a.path == world.county.path + str(a.pk).zfill(PATH_STEP) + str(world.point_a.pk).zfill(
        PATH_STEP
    )
    # and the county admin of 柯城 now sees it; the audit row names the field
    assert AuditEntry.objects.filter(action="org.update", object_id=str(a.pk)).latest("seq").detail == {
        "fields": ["parent"]
    }


def test_an_organisation_cannot_be_moved_under_its_own_descendant(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.fed_admin)

    form = client.get(reverse("orgs:edit", args=[world.county2.pk])).context["form"]
    response = client.post(
        reverse("orgs:edit", args=[world.county2.pk]),
        {"name": world.county2.name, "parent": world.chamber_b.pk, "federation_level": "county"},
    )

    assert world.chamber_b not in form.fields["parent"].queryset
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    world.county2.refresh_from_db()
    assert world.county2.parent == world.city


def test_chamber_admin_edits_the_chamber_record_but_cannot_move_it(
    client: Client, world: SimpleNamespace
) -> None:
    # Given the chamber admin editing their own chamber
    client.force_login(world.chamber_admin)
    url = reverse("orgs:edit", args=[world.chamber_a.pk])

    form = client.get(url).context["form"]
    response = client.post(
        url,
        {"name": "衢州在上海商会", "parent": world.county2.pk, "chamber_kind": "remote", "city": "上海",
         "contact_name": "王秘书长", "is_active": "on"},
    )  # fmt: skip

    # Then there is no parent field: the contact changes, the place in the tree does not
    assert "parent" not in form.fields
    assert response.status_code == 302
    world.chamber_a.refresh_from_db()
    assert world.chamber_a.contact_name == "王秘书长"
    assert world.chamber_a.parent == world.city


def test_edit_shows_current_values(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    form = client.get(reverse("orgs:edit", args=[world.chamber_b.pk])).context["form"]

    assert form["name"].value() == "龙游在杭州商会"
    assert str(form["parent"].value()) == str(world.county2.pk)
    assert form["city"].value() == "杭州"


def test_edit_with_an_unchanged_form_writes_no_audit_row(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)
    a = world.chamber_a
    before = AuditEntry.objects.filter(action="org.update").count()

    client.post(
        reverse("orgs:edit", args=[a.pk]),
        {
            "name": a.name,
            "parent": world.city.pk,
            "chamber_kind": "remote",
            "city": "上海",
            "is_active": "on",
        },
    )

    assert AuditEntry.objects.filter(action="org.update").count() == before


def test_non_numeric_parent_is_a_404(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    assert client.get(reverse("orgs:create"), {"parent": "abc"}).status_code == 404
