"""Every write to organisations and memberships. Keyword-only, explicit actor, one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.crypto import keyed_hash
from shanghui.orgs.models import LOGIN_IS_PUBLIC_PHONE, PATH_STEP, Membership, Organisation, is_public_phone


def _path_for(org: Organisation) -> str:
    own = str(org.pk).zfill(PATH_STEP)
    return (org.parent.path if org.parent else "") + own


ORG_FIELDS = (
    "kind", "name", "short_name", "parent", "region_code", "federation_level", "chamber_kind", "city",
    "credit_code", "address", "contact_name", "contact_phone", "description", "is_active",
)  # fmt: skip


@transaction.atomic
def create_organisation(
    *, actor: User | None, request: HttpRequest | None = None, **fields: Any
) -> Organisation:
    org = Organisation(**{k: v for k, v in fields.items() if k in ORG_FIELDS})
    org.full_clean(exclude=["path"])
    org.path = "pending"
    org.save()
    org.path = _path_for(org)
    org.depth = len(org.path) // PATH_STEP - 1
    org.save(update_fields=["path", "depth"])
    record(actor=actor, action=AuditAction.ORG_CREATE, obj=org, request=request, detail={"kind": org.kind})
    return org


@transaction.atomic
def update_organisation(
    *, actor: User | None, org: Organisation, request: HttpRequest | None = None, **fields: Any
) -> Organisation:
    # Lock the row: a concurrent move of the same organisation must not interleave path rewrites.
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    old_path = org.path
    changed = []
    for key, value in fields.items():
        if key in ORG_FIELDS and getattr(org, key) != value:
            setattr(org, key, value)
            changed.append(key)
    if not changed:
        return org
    org.full_clean(exclude=["path"])
    org.save()
    if "parent" in changed:
        new_path = _path_for(org)
        depth_delta = (len(new_path) - len(old_path)) // PATH_STEP
        for node in Organisation.objects.select_for_update().filter(path__startswith=old_path):
            node.path = new_path + node.path[len(old_path) :]
            node.depth += depth_delta
            node.save(update_fields=["path", "depth"])
        # The loop rewrote this row too: give the caller the new path, not the one read at the start.
        org.refresh_from_db(fields=["path", "depth"])
    record(
        actor=actor,
        action=AuditAction.ORG_UPDATE,
        obj=org,
        request=request,
        detail={"fields": sorted(changed)},
    )
    return org


@transaction.atomic
def grant_role(
    *, actor: User | None, user: User, organisation: Organisation, role: str, title: str = "",
    request: HttpRequest | None = None,
) -> Membership:  # fmt: skip
    membership = Membership(user=user, organisation=organisation, role=role, title=title)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing:
        return existing
    membership.save()
    record(
        actor=actor, action=AuditAction.ROLE_GRANT, obj=user, request=request,
        detail={"org_id": organisation.pk, "role": role},
    )  # fmt: skip
    return membership


@transaction.atomic
def revoke_role(*, actor: User | None, membership: Membership, request: HttpRequest | None = None) -> None:
    detail = {"org_id": membership.organisation_id, "role": membership.role}
    user = membership.user
    deleted, _ = Membership.objects.filter(pk=membership.pk).delete()
    if deleted:
        record(actor=actor, action=AuditAction.ROLE_REVOKE, obj=user, request=request, detail=detail)


def _set_id_number(user: User, id_number: str) -> None:
    user.id_number = id_number
    user.id_number_hash = keyed_hash(id_number)


@transaction.atomic
def create_member(
    *,
    actor: User | None,
    username: str,
    name: str,
    mobile: str | None,
    password: str,
    organisation: Organisation,
    role: str,
    title: str = "",
    email: str = "",
    id_number: str = "",
    request: HttpRequest | None = None,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "该用户名已被使用"})
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise ValidationError({"mobile": "该手机号已被其他账号使用"})
    if mobile and is_public_phone(mobile):
        raise ValidationError({"mobile": LOGIN_IS_PUBLIC_PHONE})
    user = User(username=username, name=name, mobile=mobile or None, email=email)
    _set_id_number(user, id_number)
    user.set_password(password)
    user.save()
    record(actor=actor, action=AuditAction.USER_CREATE, obj=user, request=request)
    grant_role(actor=actor, user=user, organisation=organisation, role=role, title=title, request=request)
    return user


@transaction.atomic
def update_member(
    *,
    actor: User | None,
    member: User,
    request: HttpRequest | None = None,
    **fields: Any,
) -> User:
    member = User.objects.select_for_update().get(pk=member.pk)
    changed = []
    for key in ("name", "mobile", "email", "is_active"):
        if key not in fields:
            continue
        # An empty mobile is stored as NULL (the column is unique): compare what would be stored.
        value = (fields[key] or None) if key == "mobile" else fields[key]
        if getattr(member, key) != value:
            setattr(member, key, value)
            changed.append(key)
    if "id_number" in fields and fields["id_number"] != member.id_number:
        _set_id_number(member, fields["id_number"])
        changed.append("id_number")
    if fields.get("password"):
        member.set_password(fields["password"])
        changed.append("password")
    if member.mobile and User.objects.filter(mobile=member.mobile).exclude(pk=member.pk).exists():
        raise ValidationError({"mobile": "该手机号已被其他账号使用"})
    if "mobile" in changed and member.mobile and is_public_phone(member.mobile):
        raise ValidationError({"mobile": LOGIN_IS_PUBLIC_PHONE})
    if changed:
        member.save()
        # Field names only: the values may be personal data.
        record(
            actor=actor,
            action=AuditAction.USER_UPDATE,
            obj=member,
            request=request,
            detail={"fields": sorted(changed)},
        )
    return member


def reveal_id_number(*, actor: User, member: User, request: HttpRequest | None = None) -> str:
    """Return the full ID number and audit that it was shown."""
    record(
        actor=actor, action=AuditAction.PII_REVEAL, obj=member, request=request, detail={"field": "id_number"}
    )
    return member.id_number
