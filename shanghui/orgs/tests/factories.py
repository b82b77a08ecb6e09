from __future__ import annotations

from typing import Any

import factory

from shanghui.accounts.models import User
from shanghui.lib.validators import credit_check_char
from shanghui.orgs import services
from shanghui.orgs.models import ChamberKind, FederationLevel, Organisation, OrgKind

PASSWORD = "Shanghui#2026"


def make_credit_code(n: int, region: str = "330802") -> str:
    body = f"91{region}MA{n:07d}"[:17]
    return body + credit_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()


def make_org(kind: str, name: str, parent: Organisation | None = None, **fields: Any) -> Organisation:
    defaults: dict[str, Any] = {}
    if kind == OrgKind.FEDERATION:
        defaults["federation_level"] = FederationLevel.COUNTY if parent else FederationLevel.CITY
    if kind == OrgKind.CHAMBER:
        defaults["chamber_kind"] = ChamberKind.REMOTE
    if kind == OrgKind.ENTERPRISE:
        defaults["credit_code"] = make_credit_code(Organisation.objects.count() + 1)
    defaults.update(fields)
    return services.create_organisation(actor=None, kind=kind, name=name, parent=parent, **defaults)


def grant(user: User, org: Organisation, role: str) -> User:
    services.grant_role(actor=None, user=user, organisation=org, role=role)
    return user


def make_user(**fields: Any) -> User:
    """A saved user (UserFactory typed for mypy, which cannot see through factory_boy's metaclass)."""
    user: User = UserFactory.create(**fields)
    return user
