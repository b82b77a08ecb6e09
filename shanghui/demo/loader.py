"""What every part of the demo data set uses: get-or-create of organisations and logins through the
service functions, stable randomness, and the table of logins printed at the end.

A part is a function `load(demo: Demo) -> None` listed in PARTS of the `demo` command. It must be
idempotent: look things up by their natural key (an organisation by parent and name, a user by
username) and create only what is missing, so that running `shanghui demo` again changes nothing.
It draws every random value from `demo.rng("<part>")` whether or not the object already exists, so
that the values do not depend on what is in the database.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.management.base import OutputWrapper

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.demo import fake
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.orgs.services import create_member, create_organisation, grant_role, update_member

SEED = "shanghui-demo-quzhou"
# Generated passwords: no characters that are easy to misread (0/O, 1/l/I) when copied from a screen.
_PASSWORD_CHARS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105  (an alphabet)


@dataclass(frozen=True)
class Person:
    name: str
    mobile: str


@dataclass
class Login:
    username: str
    role: str
    organisation: str
    # None: the account existed before this run and its password was left as it was.
    password: str | None
    well_known: bool


def generate_password() -> str:
    chars = [secrets.choice(_PASSWORD_CHARS) for _ in range(12)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 12, 4))


class Demo:
    """The state of one `shanghui demo` run, handed to each part in turn."""

    def __init__(self, *, stdout: OutputWrapper, password: str | None, reset_passwords: bool) -> None:
        self.stdout = stdout
        self.password = password
        self.reset_passwords = reset_passwords
        # Every organisation of the demo by name (demo names are unique across the whole set), so that
        # a later part can find what an earlier one made: demo.orgs["衢州市公安局"].
        self.orgs: dict[str, Organisation] = {}
        self.logins: list[Login] = []
        self.created: Counter[str] = Counter()
        self.existing: Counter[str] = Counter()
        self._people: dict[str, Person] = {}
        self._used_names: set[str] = set()
        self._used_mobiles: set[str] = set()

    def rng(self, part: str) -> random.Random:
        """A generator of its own per part, so that a change in one part never shifts another's data."""
        return random.Random(f"{SEED}:{part}")

    # --- organisations ----------------------------------------------------------------------------

    def org(self, parent: Organisation | None, name: str, *, kind: str, **fields: Any) -> Organisation:
        """The organisation `name` under `parent`, created through the service if it is missing. An
        existing one is left as it is (an administrator may have edited it)."""
        org = Organisation.objects.filter(parent=parent, name=name).first()
        label = str(OrgKind(kind).label)
        if org is None:
            org = create_organisation(actor=None, kind=kind, name=name, parent=parent, **fields)
            self.created[label] += 1
        else:
            self.existing[label] += 1
        if self.orgs.setdefault(name, org) != org:
            raise ValueError(f"demo data names two organisations {name!r}")
        return org

    # --- people -----------------------------------------------------------------------------------

    def person(self, key: str) -> Person:
        """The invented person behind `key` (e.g. "衢州在上海商会/秘书长"): the same key gives the same
        person within a run; names and mobile numbers are unique across the demo."""
        if key not in self._people:
            # Seeded by the key, not by the order of calls: adding a person elsewhere changes no one else.
            rng = random.Random(f"{SEED}:person:{key}")
            name = fake.person_name(rng)
            while name in self._used_names:
                name = fake.person_name(rng)
            number = fake.mobile(rng)
            while number in self._used_mobiles:
                number = fake.mobile(rng)
            self._used_names.add(name)
            self._used_mobiles.add(number)
            self._people[key] = Person(name, number)
        return self._people[key]

    def _new_password(self) -> str:
        return self.password or generate_password()

    def member(
        self, username: str, *, person: str, organisation: Organisation, role: str, title: str = "",
        well_known: bool = False,
    ) -> User:  # fmt: skip
        """A login holding `role` in `organisation`, created through the services if it is missing."""
        who = self.person(person)
        user = User.objects.filter(username__iexact=username).first()
        password: str | None = None
        if user is None:
            password = self._new_password()
            # A mobile number already taken by a real account stays with it; the demo login goes without.
            number = None if User.objects.filter(mobile=who.mobile).exists() else who.mobile
            user = create_member(
                actor=None, username=username, name=who.name, mobile=number, password=password,
                organisation=organisation, role=role, title=title,
            )  # fmt: skip
            self.created["登录账号"] += 1
        else:
            grant_role(actor=None, user=user, organisation=organisation, role=role, title=title)
            password = self._reset_password(user)
            self.existing["登录账号"] += 1
        self.logins.append(Login(username, str(Role(role).label), _label(organisation), password, well_known))
        return user

    def superuser(self, username: str, *, name: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        password: str | None = None
        if user is None:
            password = self._new_password()
            # No service creates superusers (they are made by `createsuperuser` in a real deployment):
            # Django's own manager, and the audit row the services would have written.
            user = User.objects.create_superuser(username=username, email="", password=password, name=name)
            record(actor=None, action=AuditAction.USER_CREATE, obj=user, detail={"superuser": True})
            self.created["登录账号"] += 1
        else:
            password = self._reset_password(user)
            self.existing["登录账号"] += 1
        self.logins.append(Login(username, "超级管理员", "（全部）", password, well_known=True))
        return user

    def _reset_password(self, user: User) -> str | None:
        if not self.reset_passwords:
            return None
        password = self._new_password()
        update_member(actor=None, member=user, password=password)
        return password


def _label(org: Organisation) -> str:
    # The short name only where the full one is long (柯城区行政服务中心公安窗口 → 柯城区公安窗口).
    return org.short_name if org.short_name and len(org.name) > 12 else org.name
