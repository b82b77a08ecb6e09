"""An organisation's contact phone is public (the service guide, receipts): a real phone number, and never
anyone's login mobile — whoever reads the guide could otherwise fail logins with it on purpose."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.orgs import services
from shanghui.orgs.models import LOGIN_IS_PUBLIC_PHONE, PUBLIC_PHONE_IS_LOGIN, OrgKind, Role
from shanghui.orgs.tests.factories import make_org
from shanghui.orgs.tests.test_member_pages import GOOD_PASSWORD, _new_member

pytestmark = pytest.mark.django_db


def edit_point(client: Client, world: SimpleNamespace, phone: str) -> Any:
    client.force_login(world.chamber_admin)
    return client.post(
        reverse("orgs:edit", args=[world.point_a.pk]),
        {
            "name": world.point_a.name,
            "parent": world.chamber_a.pk,
            "contact_name": "李代办",
            "contact_phone": phone,
            "is_active": "on",
        },  # fmt: skip
    )


def test_a_point_cannot_publish_an_agents_login_mobile(client: Client, world: SimpleNamespace) -> None:
    for typed in (world.agent.mobile, f"+86 {world.agent.mobile[:3]} {world.agent.mobile[3:]}"):
        response = edit_point(client, world, typed)
        assert response.status_code == 200
        assert response.context["form"].errors["contact_phone"] == [PUBLIC_PHONE_IS_LOGIN]
        world.point_a.refresh_from_db()
        assert world.point_a.contact_phone == "" and world.point_a.contact_name == ""


def test_nor_any_other_accounts_login_mobile(world: SimpleNamespace) -> None:
    # Not only the point's own agents: any account's login, active or not (it may be reactivated).
    world.clerk.is_active = False
    world.clerk.save()
    for user in (world.fed_admin, world.clerk):
        with pytest.raises(ValidationError) as refused:
            make_org(OrgKind.PROXY_POINT, f"新代办点{user.pk}", world.chamber_a, contact_phone=user.mobile)
        assert refused.value.message_dict == {"contact_phone": [PUBLIC_PHONE_IS_LOGIN]}


def test_an_office_number_is_kept_in_one_spelling(client: Client, world: SimpleNamespace) -> None:
    response = edit_point(client, world, "（021）6321 0000")
    assert response.status_code == 302
    world.point_a.refresh_from_db()
    assert world.point_a.contact_phone == "021-63210000"


def test_a_service_mobile_that_is_nobodys_login_is_allowed(client: Client, world: SimpleNamespace) -> None:
    assert edit_point(client, world, "139 0570 0000").status_code == 302
    world.point_a.refresh_from_db()
    assert world.point_a.contact_phone == "13905700000"


@pytest.mark.parametrize("typed", ["请拨打前台", "0570-123", "12", "021-1234567"])
def test_something_that_is_not_a_phone_number_is_refused(
    client: Client, world: SimpleNamespace, typed: str
) -> None:
    response = edit_point(client, world, typed)
    assert response.status_code == 200
    assert "请填写有效的电话号码" in response.context["form"].errors["contact_phone"][0]
    world.point_a.refresh_from_db()
    assert world.point_a.contact_phone == ""


def test_a_public_number_cannot_become_a_login_mobile(client: Client, world: SimpleNamespace) -> None:
    services.update_organisation(actor=None, org=world.point_a, contact_phone="13905700000")
    client.force_login(world.chamber_admin)
    users = User.objects.count()

    created = client.post(
        reverse("orgs:member_create") + f"?org={world.chamber_a.pk}",
        _new_member(world.chamber_a.pk, mobile="139-0570-0000"),
    )
    assert created.context["form"].errors["mobile"] == [LOGIN_IS_PUBLIC_PHONE]
    assert User.objects.count() == users

    edited = client.post(
        reverse("orgs:member_edit", args=[world.chamber_staff.pk]),
        {"name": "王五", "mobile": "13905700000", "is_active": "on", "password": GOOD_PASSWORD},
    )
    assert edited.context["form"].errors["mobile"] == [LOGIN_IS_PUBLIC_PHONE]
    world.chamber_staff.refresh_from_db()
    assert world.chamber_staff.mobile != "13905700000" and world.chamber_staff.name != "王五"


def test_a_member_keeps_a_mobile_that_was_theirs_first(world: SimpleNamespace) -> None:
    # Editing someone's name does not trip over their own (unchanged) mobile.
    member = services.update_member(actor=None, member=world.agent, name="李代办")
    assert member.name == "李代办" and member.mobile == world.agent.mobile
    assert Role.AGENT in set(member.memberships.values_list("role", flat=True))
