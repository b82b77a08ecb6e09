"""The Django admin for organisations, memberships and users goes through the services and never
shows an ID number in clear."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from shanghui.audit.models import AuditEntry
from shanghui.orgs.models import PATH_STEP, Membership, Organisation, Role
from shanghui.testing.personas import superuser

ID_NUMBER = "330802199001011232"


@pytest.fixture
def admin_client(client: Client, world: SimpleNamespace) -> Client:
    boss = superuser("boss")
    client.force_login(boss)
    return client


@pytest.mark.parametrize("model", ["orgs/organisation", "orgs/membership", "accounts/user"])
def test_changelists_load_and_search(admin_client: Client, model: str) -> None:
    url = f"/admin/{model}/"

    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "衢州"}).status_code == 200


def test_organisation_list_filters_by_kind(admin_client: Client, world: SimpleNamespace) -> None:
    response = admin_client.get(reverse("admin:orgs_organisation_changelist"), {"kind__exact": "window"})

    assert {o.name for o in response.context["cl"].result_list} == {"柯城区公安窗口", "龙游县人社窗口"}


def test_user_pages_show_the_id_number_masked(admin_client: Client, world: SimpleNamespace) -> None:
    world.agent.id_number = ID_NUMBER
    world.agent.save()

    change = admin_client.get(reverse("admin:accounts_user_change", args=[world.agent.pk])).content.decode()
    listing = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()

    assert ID_NUMBER not in change
    assert "330802********1232" in change
    assert world.agent.mobile not in listing
    assert world.agent.masked_mobile in listing


def test_adding_an_organisation_in_the_admin_goes_through_the_service(
    admin_client: Client, world: SimpleNamespace
) -> None:
    response = admin_client.post(
        reverse("admin:orgs_organisation_add"),
        {"kind": "proxy_point", "name": "苏州代办点", "parent": world.chamber_a.pk, "is_active": "on"},
    )

    point = Organisation.objects.get(name="苏州代办点")
    assert response.status_code == 302
    assert point.path == world.chamber_a.path + str(point.pk).zfill(PATH_STEP)
    assert AuditEntry.objects.filter(action="org.create", object_id=str(point.pk)).exists()


def test_admin_refuses_a_wrong_parent_kind(admin_client: Client, world: SimpleNamespace) -> None:
    response = admin_client.post(
        reverse("admin:orgs_organisation_add"),
        {"kind": "proxy_point", "name": "错位代办点", "parent": world.city.pk, "is_active": "on"},
    )

    assert response.status_code == 200
    assert "代办点的上级组织只能是：商会" in response.content.decode()
    assert not Organisation.objects.filter(name="错位代办点").exists()


def test_memberships_are_granted_and_revoked_through_the_services(
    admin_client: Client, world: SimpleNamespace
) -> None:
    admin_client.post(
        reverse("admin:orgs_membership_add"),
        {"user": world.outsider.pk, "organisation": world.chamber_b.pk, "role": Role.LECTURER, "title": ""},
    )
    membership = Membership.objects.get(user=world.outsider)
    admin_client.post(reverse("admin:orgs_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert not Membership.objects.filter(user=world.outsider).exists()
    actions = list(
        AuditEntry.objects.filter(object_id=str(world.outsider.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["role.grant", "role.revoke"]


def test_user_changes_in_the_admin_are_audited_without_values(
    admin_client: Client, world: SimpleNamespace
) -> None:
    agent = world.agent
    admin_client.post(
        reverse("admin:accounts_user_change", args=[agent.pk]),
        {"username": agent.username, "name": "新名字", "mobile": "+86 180 0000 0001", "email": "",
         "is_active": "on", "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
         "date_joined_1": "08:00:00"},
    )  # fmt: skip

    agent.refresh_from_db()
    assert (agent.name, agent.mobile) == ("新名字", "18000000001")
    entry = AuditEntry.objects.filter(action="user.update", object_id=str(agent.pk)).get()
    assert entry.detail == {"fields": ["mobile", "name"]}
