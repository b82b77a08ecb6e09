"""The member pages: list (search, filters, pagination, export), create, edit, roles, ID number."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.lib.crypto import keyed_hash
from shanghui.orgs.models import Membership, Role
from shanghui.orgs.tests.factories import PASSWORD, grant
from shanghui.orgs.tests.sheets import read_sheet
from shanghui.testing.personas import person, superuser

ID_NUMBER = "330802199001011232"  # a valid number (check character 2)
GOOD_PASSWORD = "Qz-lanting#2026"


def _names(response: Any) -> list[str]:
    return [m.username for m in response.context["page"].object_list]


def _new_member(org_id: int, **overrides: str) -> dict[str, Any]:
    data = {
        "username": "zhangsan",
        "name": "张三",
        "mobile": "+86 138-0013-8000",
        "email": "",
        "id_number": "",
        "password": GOOD_PASSWORD,
        "organisation": str(org_id),
        "role": Role.CHAMBER_STAFF,
        "title": "副秘书长",
    }
    data.update(overrides)
    return data


@pytest.fixture
def target(world: SimpleNamespace) -> User:
    """A member of chamber A with two roles there, a known mobile and an ID number on file."""
    member = person(
        "target", (world.chamber_a, Role.CHAMBER_STAFF), (world.chamber_a, Role.MEDIATOR),
        name="李四", mobile="18012341999", id_number=ID_NUMBER,
    )  # fmt: skip
    return member


# --- List and search ----------------------------------------------------------------------------


def test_chamber_admin_lists_the_chamber_people_with_masked_mobiles(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    # Given the chamber A admin
    client.force_login(world.chamber_admin)

    # When they open the member list
    response = client.get(reverse("orgs:member_list"))

    # Then they see the people holding roles in chamber A's subtree, mobiles masked, roles as badges
    assert set(_names(response)) == {
        "chamber_admin", "chamber_staff", "agent", "mediator", "lecturer", "party_officer", "target",
    }  # fmt: skip
    html = response.content.decode()
    assert "18012341999" not in html
    assert "180****1999" in html
    assert html.count('data-testid="member-row"') == 7
    assert "衢州在上海商会 · 调解员" in html


def test_roles_outside_the_viewers_scope_are_not_shown(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    # Given the target also works for the city federation
    grant(target, world.city, Role.FEDERATION_STAFF)
    client.force_login(world.chamber_admin)

    # When the chamber admin lists members, or filters on the federation role
    listed = client.get(reverse("orgs:member_list"))
    filtered = client.get(reverse("orgs:member_list"), {"role": Role.FEDERATION_STAFF})

    # Then the federation role is neither shown nor findable
    row = next(m for m in listed.context["page"].object_list if m.username == "target")
    assert {m.role for m in row.visible_memberships} == {Role.CHAMBER_STAFF, Role.MEDIATOR}
    assert "衢州市工商联 · 工商联工作人员" not in listed.content.decode()
    assert _names(filtered) == []


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("李四", True),  # name
        ("targ", True),  # part of the username
        ("18012341999", True),  # the whole mobile
        ("+86 180 1234 1999", True),  # the whole mobile as people write it
        ("1999", True),  # the last four digits, as the masked number shows them
        ("180", True),  # the first three
        ("180****1999", True),  # the masked number itself
        ("1234", False),  # hidden middle digits: no oracle for what the mask hides
        ("8012341", False),
        ("王五", False),
    ],
)
def test_search(client: Client, world: SimpleNamespace, target: User, q: str, found: bool) -> None:
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:member_list"), {"q": q})

    assert ("target" in _names(response)) is found


def test_filter_by_organisation_includes_its_subtree(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    at_point = client.get(reverse("orgs:member_list"), {"org": world.point_a.pk})
    agents_in_chamber = client.get(
        reverse("orgs:member_list"), {"org": world.chamber_a.pk, "role": Role.AGENT}
    )
    agents = client.get(reverse("orgs:member_list"), {"role": Role.AGENT})

    assert _names(at_point) == ["agent"]
    assert _names(agents_in_chamber) == ["agent"]
    assert sorted(_names(agents)) == ["agent", "agent_b"]


def test_filter_by_an_organisation_not_visible_is_refused(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)

    response = client.get(reverse("orgs:member_list"), {"org": world.chamber_b.pk})

    assert response.context["form"].errors["org"]
    assert "agent_b" not in _names(response)


def test_filter_inactive(client: Client, world: SimpleNamespace) -> None:
    User.objects.filter(pk=world.lecturer.pk).update(is_active=False)
    client.force_login(world.chamber_admin)

    response = client.get(reverse("orgs:member_list"), {"active": "0"})

    assert _names(response) == ["lecturer"]


def test_member_pagination(client: Client, world: SimpleNamespace, settings: Any) -> None:
    settings.PAGE_SIZE = 4
    client.force_login(world.fed_admin)

    first = client.get(reverse("orgs:member_list"))
    last = client.get(reverse("orgs:member_list"), {"page": 4})

    assert first.context["page"].paginator.count == 14
    assert len(_names(first)) == 4
    assert len(_names(last)) == 2
    assert 'data-testid="page-next"' in first.content.decode()


def test_member_list_queries_do_not_grow_with_rows(
    client: Client, world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.fed_admin)
    client.get(reverse("home:index"))
    url = reverse("orgs:member_list")
    with CaptureQueriesContext(connection) as small:
        client.get(url)

    for n in range(30):
        person(
            None, (world.chamber_b, Role.CHAMBER_STAFF), (world.chamber_b, Role.LECTURER), name=f"成员{n:02d}"
        )

    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20
    assert len(large) == len(small)


def test_member_export_has_masked_mobiles_and_is_audited(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    # Given the chamber admin filtering on mediators
    client.force_login(world.chamber_admin)

    # When they export
    response = client.get(reverse("orgs:member_list"), {"role": Role.MEDIATOR, "export": "xlsx"})

    # Then the workbook lists the mediators, mobiles masked
    rows = read_sheet(response)
    assert rows[0][:3] == ("用户名", "姓名", "手机号（脱敏）")
    by_username = {row[0]: row for row in rows[1:]}
    assert set(by_username) == {"mediator", "target"}
    assert by_username["target"][2] == "180****1999"
    assert "18012341999" not in str(rows)
    assert by_username["target"][4] == "衢州在上海商会·商会工作人员；衢州在上海商会·调解员"
    # and the audit log has the export
    entry = AuditEntry.objects.get(action="member.export")
    assert entry.actor == world.chamber_admin
    assert entry.detail == {"filters": {"role": "mediator"}, "search": False, "rows": 2}


def test_member_export_does_not_log_the_search_text(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.fed_admin)

    client.get(reverse("orgs:member_list"), {"q": "18012341999", "export": "xlsx"})

    entry = AuditEntry.objects.get(action="member.export")
    assert "18012341999" not in str(entry.detail)
    assert entry.detail["search"] is True
    assert entry.detail["rows"] == 1


# --- Create -------------------------------------------------------------------------------------


def test_create_a_member(client: Client, world: SimpleNamespace) -> None:
    # Given the chamber admin adding a staff member with an ID number
    client.force_login(world.chamber_admin)
    url = reverse("orgs:member_create") + f"?org={world.chamber_a.pk}"

    # When they submit the form (mobile and ID number typed loosely)
    response = client.post(url, _new_member(world.chamber_a.pk, id_number=" 33080219900101123２ "))

    # Then the account exists with the normalised mobile, the ID number encrypted, the role granted
    member = User.objects.get(username="zhangsan")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:member_detail", args=[member.pk])
    assert member.mobile == "13800138000"
    assert member.id_number == ID_NUMBER
    assert member.id_number_hash == keyed_hash(ID_NUMBER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_user WHERE id = %s", [member.pk])
        assert ID_NUMBER not in cursor.fetchone()[0]
    assert member.check_password(GOOD_PASSWORD)
    membership = Membership.objects.get(user=member)
    assert (membership.organisation, membership.role, membership.title) == (
        world.chamber_a,
        "chamber_staff",
        "副秘书长",
    )
    assert set(AuditEntry.objects.filter(object_id=str(member.pk)).values_list("action", flat=True)) == {
        "user.create",
        "role.grant",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12345", "请输入有效的11位手机号码（以1开头）"),
        ("mobile", "1380013800a", "请输入有效的11位手机号码（以1开头）"),
        ("id_number", "330802199001011233", "身份证号校验位不正确，请核对"),
        ("password", "12345678", "这个密码太常见了。"),
        ("username", "bad name!", None),
        ("role", Role.AGENT, "在所选组织中不能分配该角色"),
        ("role", Role.CHAMBER_ADMIN, "在所选组织中不能分配该角色"),  # admins are appointed from above
    ],
)
def test_create_with_bad_input_shows_the_error_and_creates_nothing(
    client: Client, world: SimpleNamespace, field: str, value: str, message: str | None
) -> None:
    # Given the chamber admin on the new member form
    client.force_login(world.chamber_admin)
    users_before = User.objects.count()
    url = reverse("orgs:member_create") + f"?org={world.chamber_a.pk}"

    # When one field is wrong
    response = client.post(url, _new_member(world.chamber_a.pk, **{field: value}))

    # Then the form comes back with the error next to that field, and no account was made
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert message in errors[field]
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert User.objects.count() == users_before


def test_create_with_a_mobile_already_used(client: Client, world: SimpleNamespace, target: User) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(
        reverse("orgs:member_create"), _new_member(world.chamber_a.pk, mobile="180 1234 1999")
    )

    assert response.context["form"].errors["mobile"] == ["该手机号已被其他账号使用"]


def test_create_with_a_username_already_used_in_another_case(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_create"), _new_member(world.chamber_a.pk, username="AGENT"))

    assert response.context["form"].errors["username"] == ["该用户名已被使用"]


def test_create_in_an_organisation_not_administered(client: Client, world: SimpleNamespace) -> None:
    # Given the chamber A admin posting a member for chamber B (tampered form)
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_create"), _new_member(world.chamber_b.pk))

    assert response.context["form"].errors["organisation"]
    assert not User.objects.filter(username="zhangsan").exists()


def test_create_form_offers_only_roles_valid_for_the_organisation(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.chamber_admin)

    at_chamber = client.get(reverse("orgs:member_create"), {"org": world.chamber_a.pk}).context["form"]
    at_point = client.get(reverse("orgs:member_create"), {"org": world.point_a.pk}).context["form"]

    assert [v for v, _label in at_chamber.fields["role"].choices if v] == [
        "chamber_staff", "mediator", "lecturer", "party_officer", "auditor",
    ]  # fmt: skip
    assert [v for v, _label in at_point.fields["role"].choices if v] == ["agent"]


def test_role_options_follow_the_organisation(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)

    response = client.get(reverse("orgs:role_options"), {"organisation": world.window.pk})

    html = response.content.decode()
    assert '<option value="window_clerk">窗口人员</option>' in html
    assert "agent" not in html


# --- Detail, reveal -----------------------------------------------------------------------------


def test_detail_masks_the_id_number_and_offers_the_reveal_to_admins(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.chamber_admin)

    html = client.get(reverse("orgs:member_detail", args=[target.pk])).content.decode()

    assert ID_NUMBER not in html
    assert "330802********1232" in html
    assert "显示完整身份证号" in html
    assert 'data-testid="reveal-id-number"' in html


def test_readers_see_the_masked_id_number_without_the_reveal(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.auditor)

    html = client.get(reverse("orgs:member_detail", args=[target.pk])).content.decode()

    assert "330802********1232" in html
    assert 'data-testid="reveal-id-number"' not in html
    assert 'data-testid="member-edit"' not in html
    assert 'data-testid="grant-form"' not in html
    assert 'data-testid="revoke-role"' not in html


def test_reveal_shows_the_full_number_and_audits_it(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_reveal", args=[target.pk]))

    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="pii.reveal")
    assert (entry.actor, entry.object_id, entry.detail) == (
        world.chamber_admin,
        str(target.pk),
        {"field": "id_number"},
    )
    assert ID_NUMBER not in str(entry.detail) + entry.object_repr


def test_reveal_through_htmx_returns_only_the_fragment(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_reveal", args=[target.pk]), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="id-number-block"')
    assert ID_NUMBER in html
    assert "<html" not in html


def test_reveal_of_a_member_without_an_id_number_audits_nothing(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_reveal", args=[world.chamber_staff.pk]))

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


# --- Edit ---------------------------------------------------------------------------------------


def test_edit_changes_the_mobile_and_resets_the_password(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(
        reverse("orgs:member_edit", args=[target.pk]),
        {"name": "李四", "mobile": "139 0000 1111", "email": "li@example.com", "is_active": "on",
         "password": GOOD_PASSWORD},
    )  # fmt: skip

    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.mobile, target.email, target.is_active) == ("13900001111", "li@example.com", True)
    assert target.check_password(GOOD_PASSWORD)
    entry = AuditEntry.objects.filter(action="user.update", object_id=str(target.pk)).get()
    assert entry.detail == {"fields": ["email", "mobile", "password"]}


def test_edit_deactivates_and_keeps_the_password_when_left_empty(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.chamber_admin)

    client.post(reverse("orgs:member_edit", args=[target.pk]), {"name": "李四", "mobile": "18012341999"})

    target.refresh_from_db()
    assert target.is_active is False
    assert target.check_password(PASSWORD)


def test_edit_with_a_bad_mobile_changes_nothing(client: Client, world: SimpleNamespace, target: User) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(
        reverse("orgs:member_edit", args=[target.pk]),
        {"name": "王五", "mobile": "0570-1234", "is_active": "on"},
    )

    assert response.context["form"].errors["mobile"] == ["请输入有效的11位手机号码（以1开头）"]
    target.refresh_from_db()
    assert (target.name, target.mobile) == ("李四", "18012341999")


def test_edit_with_a_weak_password(client: Client, world: SimpleNamespace, target: User) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(
        reverse("orgs:member_edit", args=[target.pk]),
        {"name": "李四", "mobile": "18012341999", "is_active": "on", "password": "target12"},
    )

    assert response.context["form"].errors["password"]
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_admin_cannot_edit_a_peer_admin(client: Client, world: SimpleNamespace) -> None:
    # Given a second admin of chamber A
    peer = person("peer", (world.chamber_a, Role.CHAMBER_ADMIN))
    client.force_login(world.chamber_admin)

    # Then the first cannot edit the second (admins are managed from the level above), the city can
    assert client.get(reverse("orgs:member_edit", args=[peer.pk])).status_code == 403
    client.force_login(world.fed_admin)
    assert client.get(reverse("orgs:member_edit", args=[peer.pk])).status_code == 200


def test_superuser_cannot_deactivate_themselves(client: Client, world: SimpleNamespace) -> None:
    boss = superuser("boss")
    client.force_login(boss)

    response = client.post(reverse("orgs:member_edit", args=[boss.pk]), {"name": "老板", "mobile": ""})

    assert response.context["form"].errors["is_active"] == ["不能停用自己的账号"]
    boss.refresh_from_db()
    assert boss.is_active


# --- Roles --------------------------------------------------------------------------------------


def test_grant_a_role(client: Client, world: SimpleNamespace, target: User) -> None:
    client.force_login(world.chamber_admin)

    response = client.post(
        reverse("orgs:member_grant", args=[target.pk]),
        {"organisation": world.enterprise_a.pk, "role": Role.LECTURER, "title": "宣讲骨干"},
    )

    assert response.status_code == 302
    assert Membership.objects.filter(user=target, organisation=world.enterprise_a, role="lecturer").exists()
    entry = AuditEntry.objects.filter(action="role.grant", object_id=str(target.pk)).latest("seq")
    assert entry.actor == world.chamber_admin
    assert entry.detail == {"org_id": world.enterprise_a.pk, "role": "lecturer"}


@pytest.mark.parametrize(
    ("org", "role", "field"),
    [
        ("chamber_a", Role.CHAMBER_ADMIN, "role"),  # an admin role, only from above
        ("chamber_a", Role.WINDOW_CLERK, "role"),  # not a role of a chamber
        ("chamber_a", Role.MEDIATOR, "role"),  # already held
        ("chamber_b", Role.CHAMBER_STAFF, "organisation"),  # not administered
    ],
)
def test_grant_refusals(
    client: Client, world: SimpleNamespace, target: User, org: str, role: str, field: str
) -> None:
    client.force_login(world.chamber_admin)
    before = Membership.objects.count()

    response = client.post(
        reverse("orgs:member_grant", args=[target.pk]), {"organisation": getattr(world, org).pk, "role": role}
    )

    assert response.status_code == 200
    assert field in response.context["grant_form"].errors
    assert 'data-testid="grant-form"' in response.content.decode()
    assert Membership.objects.count() == before


def test_the_city_admin_appoints_a_chamber_admin(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    client.force_login(world.fed_admin)

    response = client.post(
        reverse("orgs:member_grant", args=[target.pk]),
        {"organisation": world.chamber_a.pk, "role": Role.CHAMBER_ADMIN},
    )

    assert response.status_code == 302
    assert Membership.objects.filter(user=target, role=Role.CHAMBER_ADMIN).exists()


def test_revoke_a_role(client: Client, world: SimpleNamespace, target: User) -> None:
    client.force_login(world.chamber_admin)
    mediator = Membership.objects.get(user=target, role=Role.MEDIATOR)

    response = client.post(reverse("orgs:member_revoke", args=[target.pk, mediator.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=mediator.pk).exists()
    entry = AuditEntry.objects.get(action="role.revoke")
    assert entry.detail == {"org_id": world.chamber_a.pk, "role": "mediator"}


def test_the_last_role_cannot_be_revoked(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.chamber_admin)
    only = Membership.objects.get(user=world.chamber_staff)

    response = client.post(reverse("orgs:member_revoke", args=[world.chamber_staff.pk, only.pk]), follow=True)

    assert Membership.objects.filter(pk=only.pk).exists()
    assert "这是该成员的最后一个角色" in response.content.decode()


def test_an_admin_cannot_revoke_their_own_role(client: Client, world: SimpleNamespace) -> None:
    grant(world.chamber_admin, world.chamber_a, Role.LECTURER)
    own = Membership.objects.get(user=world.chamber_admin, role=Role.LECTURER)
    client.force_login(world.chamber_admin)

    client.post(reverse("orgs:member_revoke", args=[world.chamber_admin.pk, own.pk]))

    assert Membership.objects.filter(pk=own.pk).exists()


def test_revoking_a_membership_outside_the_users_scope_is_a_404(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    # Given the target also holds a federation role the chamber admin cannot see
    grant(target, world.city, Role.FEDERATION_STAFF)
    federation_role = Membership.objects.get(user=target, role=Role.FEDERATION_STAFF)
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_revoke", args=[target.pk, federation_role.pk]))

    assert response.status_code == 404
    assert Membership.objects.filter(pk=federation_role.pk).exists()


def test_a_chamber_admin_cannot_revoke_a_peer_admin(client: Client, world: SimpleNamespace) -> None:
    peer = person("peer", (world.chamber_a, Role.CHAMBER_ADMIN), (world.chamber_a, Role.LECTURER))
    admin_role = Membership.objects.get(user=peer, role=Role.CHAMBER_ADMIN)
    client.force_login(world.chamber_admin)

    response = client.post(reverse("orgs:member_revoke", args=[peer.pk, admin_role.pk]))

    assert response.status_code == 403
    assert Membership.objects.filter(pk=admin_role.pk).exists()


def test_revoking_the_last_visible_role_returns_to_the_list(
    client: Client, world: SimpleNamespace, target: User
) -> None:
    # Given the target's roles in chamber A plus a role in chamber B
    grant(target, world.chamber_b, Role.LECTURER)
    client.force_login(world.chamber_admin_b)
    lecturer = Membership.objects.get(user=target, organisation=world.chamber_b)

    # When chamber B's admin revokes the only role the target has there
    response = client.post(reverse("orgs:member_revoke", args=[target.pk, lecturer.pk]))

    # Then the person is out of their sight: the page returns to the list
    assert response["Location"] == reverse("orgs:member_list")


def test_saving_a_member_without_a_mobile_unchanged_writes_no_audit_row(
    client: Client, world: SimpleNamespace
) -> None:
    # Given a member with no mobile on file
    User.objects.filter(pk=world.lecturer.pk).update(mobile=None)
    client.force_login(world.chamber_admin)

    form = {"name": world.lecturer.name, "mobile": "", "email": world.lecturer.email, "is_active": "on"}

    # When the form is saved as it is
    response = client.post(reverse("orgs:member_edit", args=[world.lecturer.pk]), form)

    # Then it was saved (back to the member's page), but nothing changed, so nothing is audited
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:member_detail", args=[world.lecturer.pk])
    assert not AuditEntry.objects.filter(action=AuditAction.USER_UPDATE).exists()
    # (while a real change through the same form is)
    client.post(reverse("orgs:member_edit", args=[world.lecturer.pk]), {**form, "mobile": "13912345678"})
    assert (
        AuditEntry.objects.filter(action=AuditAction.USER_UPDATE, object_id=str(world.lecturer.pk)).count()
        == 1
    )
