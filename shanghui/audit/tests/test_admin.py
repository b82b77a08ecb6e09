from __future__ import annotations

from typing import cast

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record, verify_chain
from shanghui.orgs.tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def entry(db):
    return record(actor=None, action=AuditAction.ORG_CREATE, object_repr="原样")


def test_superuser_has_no_add_change_or_delete_permission(db, entry):
    model_admin = site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = cast(User, UserFactory(is_staff=True, is_superuser=True))
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.has_view_permission(request, entry)


def test_list_and_detail_are_viewable(admin_client, entry):
    assert admin_client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    response = admin_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_add_change_and_delete_are_refused(admin_client, entry):
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "test.forged"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.action == AuditAction.ORG_CREATE
    assert verify_chain().ok
