"""Who gets what from every organisation and member page: one row per persona of the `world`
fixture (plus anonymous), one column per page, each cell the exact answer.

    200    the page (or, for a POST that succeeds, see "ok")
    ok     a POST that did its work and redirected to the member page (302, not to the login page)
    login  302 to the login page
    403    visible, but not for this user to change (or a feature the user's roles do not include)
    404    not visible: the page does not say whether it exists

The objects: chamber A (衢州在上海商会, under the city) and chamber B (龙游在杭州商会, under the
龙游 county federation); `target` is a person holding two roles in chamber A (chamber staff and
mediator), with an ID number on file.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.audit.models import AuditEntry
from shanghui.orgs.models import Membership, Organisation, Role
from shanghui.testing.personas import person

# --- The matrix ---------------------------------------------------------------------------------
# Columns:
#   list    GET  /orgs/                           org list
#   xlsx    GET  /orgs/?export=xlsx               org export
#   det_a   GET  /orgs/<chamber A>/               org detail
#   det_b   GET  /orgs/<chamber B>/
#   new_a   GET  /orgs/new/?parent=<A>&kind=enterprise
#   edit_a  GET  /orgs/<chamber A>/edit/
#   edit_b  GET  /orgs/<chamber B>/edit/
#   opts_a  GET  /orgs/members/role-options/?organisation=<A>
#   mlist   GET  /orgs/members/                   member list
#   mxlsx   GET  /orgs/members/?export=xlsx       member export
#   mdet    GET  /orgs/members/<target>/          member detail
#   mnew    GET  /orgs/members/new/?org=<A>       member create
#   medit   GET  /orgs/members/<target>/edit/     member edit
#   grant   POST /orgs/members/<target>/roles/    grant "lecturer" in chamber A
#   revoke  POST /orgs/members/<target>/roles/<mediator membership>/revoke/
#   reveal  POST /orgs/members/<target>/reveal/   full ID number
#   home    GET  /
MATRIX = """
persona          list  xlsx  det_a det_b new_a edit_a edit_b opts_a mlist mxlsx mdet  mnew  medit grant revoke reveal home
anonymous        login login login login login login  login  login  login login login login login login login  login  login
fed_admin        200   200   200   200   200   200    200    200    200   200   200   200   200   ok    ok     200    200
fed_staff        200   200   200   200   403   403    403    403    200   200   200   403   403   403   403    403    200
county_admin     200   200   404   200   404   404    200    404    200   200   404   404   404   404   404    404    200
chamber_admin    200   200   200   404   200   200    404    200    200   200   200   200   200   ok    ok     200    200
chamber_staff    200   200   200   404   403   403    404    403    200   200   200   403   403   403   403    403    200
agent            200   200   404   404   404   404    404    404    403   403   404   404   404   404   404    404    200
chamber_admin_b  200   200   404   200   404   404    200    404    200   200   404   404   404   404   404    404    200
agent_b          200   200   404   404   404   404    404    404    403   403   404   404   404   404   404    404    200
dept_admin       200   200   404   404   404   404    404    404    200   200   404   404   404   404   404    404    200
clerk            200   200   404   404   404   404    404    404    403   403   404   404   404   404   404    404    200
mediator         200   200   200   404   403   403    404    403    403   403   403   403   403   403   403    403    200
lecturer         200   200   200   404   403   403    404    403    403   403   403   403   403   403   403    403    200
party_officer    200   200   200   404   403   403    404    403    403   403   403   403   403   403   403    403    200
auditor          200   200   200   200   403   403    403    403    200   200   200   403   403   403   403    403    200
outsider         403   403   404   404   404   404    404    404    403   403   404   404   404   404   404    404    200
"""


def _parse(table: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    lines = [line.split() for line in table.strip().splitlines()]
    columns = lines[0][1:]
    return columns, {row[0]: dict(zip(columns, row[1:], strict=True)) for row in lines[1:]}


COLUMNS, EXPECTED = _parse(MATRIX)
CASES = [(persona, column, EXPECTED[persona][column]) for persona in EXPECTED for column in COLUMNS]


@pytest.fixture
def target(world: SimpleNamespace) -> Any:
    member = person(
        "target", (world.chamber_a, Role.CHAMBER_STAFF), (world.chamber_a, Role.MEDIATOR),
        name="目标成员", id_number="330802199001011232",
    )  # fmt: skip
    return member


def _request(client: Client, world: SimpleNamespace, target: Any, column: str) -> Any:
    a, b = world.chamber_a, world.chamber_b
    mediator_role = Membership.objects.get(user=target, role=Role.MEDIATOR)
    gets = {
        "list": reverse("orgs:list"),
        "xlsx": reverse("orgs:list") + "?export=xlsx",
        "det_a": reverse("orgs:detail", args=[a.pk]),
        "det_b": reverse("orgs:detail", args=[b.pk]),
        "new_a": reverse("orgs:create") + f"?parent={a.pk}&kind=enterprise",
        "edit_a": reverse("orgs:edit", args=[a.pk]),
        "edit_b": reverse("orgs:edit", args=[b.pk]),
        "opts_a": reverse("orgs:role_options") + f"?organisation={a.pk}",
        "mlist": reverse("orgs:member_list"),
        "mxlsx": reverse("orgs:member_list") + "?export=xlsx",
        "mdet": reverse("orgs:member_detail", args=[target.pk]),
        "mnew": reverse("orgs:member_create") + f"?org={a.pk}",
        "medit": reverse("orgs:member_edit", args=[target.pk]),
        "home": reverse("home:index"),
    }
    posts = {
        "grant": (
            reverse("orgs:member_grant", args=[target.pk]),
            {"organisation": a.pk, "role": Role.LECTURER, "title": ""},
        ),
        "revoke": (reverse("orgs:member_revoke", args=[target.pk, mediator_role.pk]), {}),
        "reveal": (reverse("orgs:member_reveal", args=[target.pk]), {}),
    }
    if column in gets:
        return client.get(gets[column])
    url, data = posts[column]
    return client.post(url, data)


@pytest.mark.parametrize(("persona", "column", "expected"), CASES, ids=[f"{p}-{c}" for p, c, _ in CASES])
def test_access_matrix(
    client: Client, world: SimpleNamespace, target: Any, persona: str, column: str, expected: str
) -> None:
    # Given a persona (logged in, or not at all)
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    writes_before = _write_fingerprint(target)

    # When they open the page (or post the form)
    response = _request(client, world, target, column)

    # Then they get exactly the answer in the matrix
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif expected == "ok":
        assert response.status_code == 302
        assert response["Location"] == reverse("orgs:member_detail", args=[target.pk])
    else:
        assert response.status_code == int(expected), response.content[:300]
    # and a refused request changes nothing.
    if expected in {"login", "403", "404"}:
        assert _write_fingerprint(target) == writes_before


def _write_fingerprint(target: Any) -> tuple[Any, ...]:
    target.refresh_from_db()
    return (
        Organisation.objects.count(),
        sorted(Membership.objects.filter(user=target).values_list("organisation_id", "role")),
        target.name,
        target.is_active,
        AuditEntry.objects.filter(action__in=["pii.reveal", "role.grant", "role.revoke"]).count(),
    )


def test_matrix_names_every_persona_of_the_world(world: SimpleNamespace) -> None:
    # A persona added to `world` must get a row here, or its access would go untested.
    personas = {name for name, value in vars(world).items() if isinstance(value, User)}
    assert personas | {"anonymous"} == set(EXPECTED)


# --- Writes by people who may read: the POST side of the 403s -----------------------------------


@pytest.mark.parametrize("persona", ["auditor", "fed_staff", "chamber_staff"])
def test_readers_cannot_write_by_post(
    client: Client, world: SimpleNamespace, target: Any, persona: str
) -> None:
    # Given someone who sees chamber A and its people but administers nothing
    client.force_login(getattr(world, persona))
    a = world.chamber_a
    before = (Organisation.objects.count(), a.name, target.name)

    # When they post to every write page
    responses = [
        client.post(reverse("orgs:edit", args=[a.pk]), {"name": "改名", "chamber_kind": "remote"}),
        client.post(reverse("orgs:create") + f"?parent={a.pk}&kind=proxy_point", {"name": "新代办点"}),
        client.post(
            reverse("orgs:member_create") + f"?org={a.pk}",
            {"username": "newbie", "name": "新人", "mobile": "13800000001", "password": "Zx9#long-pass"},
        ),
        client.post(reverse("orgs:member_edit", args=[target.pk]), {"name": "改名", "is_active": ""}),
    ]

    # Then every one is refused and nothing changed
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    a.refresh_from_db()
    target.refresh_from_db()
    assert (Organisation.objects.count(), a.name, target.name) == before


def test_post_only_pages_refuse_get(client: Client, world: SimpleNamespace, target: Any) -> None:
    client.force_login(world.fed_admin)
    membership = Membership.objects.filter(user=target).first()
    assert membership is not None
    for url in (
        reverse("orgs:member_grant", args=[target.pk]),
        reverse("orgs:member_revoke", args=[target.pk, membership.pk]),
        reverse("orgs:member_reveal", args=[target.pk]),
    ):
        assert client.get(url).status_code == 405
