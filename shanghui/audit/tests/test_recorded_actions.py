"""The services that change roles and members write their audit rows, naming the actor, and never put
personal data into them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory

from shanghui.audit.models import AuditEntry
from shanghui.audit.services import verify_chain
from shanghui.orgs import services
from shanghui.orgs.models import Membership, Role


def row_text(entry: AuditEntry) -> str:
    """Everything stored in a row, as one string to search."""
    return json.dumps(
        {field.attname: getattr(entry, field.attname) for field in AuditEntry._meta.concrete_fields},
        ensure_ascii=False,
        default=str,
    )


@pytest.fixture
def request_from():
    return RequestFactory().post("/orgs/members/", REMOTE_ADDR="10.8.0.7")


def test_grant_role_records_actor_object_and_detail(world, request_from):
    membership = services.grant_role(
        actor=world.fed_admin,
        user=world.outsider,
        organisation=world.chamber_a,
        role=Role.CHAMBER_STAFF,
        request=request_from,
    )
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "role.grant"
    assert entry.actor_id == world.fed_admin.pk
    assert entry.actor_label == f"{world.fed_admin.pk}:fed_admin"
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(world.outsider.pk))
    assert entry.detail == {"org_id": world.chamber_a.pk, "role": "chamber_staff"}
    assert entry.ip == "10.8.0.7"
    assert membership.pk
    assert verify_chain().ok


def test_granting_a_role_already_held_records_nothing(world):
    before = AuditEntry.objects.count()
    services.grant_role(actor=world.fed_admin, user=world.agent, organisation=world.point_a, role=Role.AGENT)
    assert AuditEntry.objects.count() == before


def test_revoke_role_records_actor_and_detail(world, request_from):
    membership = Membership.objects.get(user=world.agent, role=Role.AGENT)
    services.revoke_role(actor=world.chamber_admin, membership=membership, request=request_from)
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "role.revoke"
    assert entry.actor_id == world.chamber_admin.pk
    assert entry.object_id == str(world.agent.pk)
    assert entry.detail == {"org_id": world.point_a.pk, "role": "agent"}
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert verify_chain().ok


def test_system_grants_have_no_actor(world):
    entry = AuditEntry.objects.filter(action="role.grant", object_id=str(world.auditor.pk)).get()
    assert entry.actor_id is None
    assert entry.actor_label == ""
    assert entry.actor_display == "系统"


def test_user_update_records_field_names_never_values(world):
    secrets: dict[str, Any] = {
        "name": "王秘密",
        "mobile": "13700001234",
        "email": "wang.secret@example.cn",
        "id_number": "11010519491231002X",
        "password": "New#Password2026",
    }
    services.update_member(actor=world.fed_admin, member=world.clerk, **secrets)
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "user.update"
    assert entry.actor_id == world.fed_admin.pk
    assert entry.detail == {"fields": ["email", "id_number", "mobile", "name", "password"]}
    stored = row_text(entry)
    for value in secrets.values():
        assert value not in stored
    assert "0001234" not in stored and "19491231" not in stored


def test_user_update_without_changes_records_nothing(world):
    before = AuditEntry.objects.count()
    services.update_member(actor=world.fed_admin, member=world.clerk, name=world.clerk.name)
    assert AuditEntry.objects.count() == before


def test_reveal_of_an_id_number_is_recorded_without_the_number(world):
    member = services.update_member(actor=None, member=world.clerk, id_number="11010519491231002X")
    shown = services.reveal_id_number(actor=world.fed_admin, member=member)
    assert shown == "11010519491231002X"
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.detail) == ("pii.reveal", {"field": "id_number"})
    assert "11010519491231002X" not in row_text(entry)
