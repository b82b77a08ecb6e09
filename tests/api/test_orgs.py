"""/api/v1/orgs and /api/v1/members: within the caller's scope, masked as on the member pages."""

from __future__ import annotations

from typing import Any

from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import grant
from tests.api.conftest import error_of


def test_organisations_within_scope_in_tree_order(world: Any, api_as: Any) -> None:
    chamber = api_as(world.chamber_admin)
    names = [o["name"] for o in chamber.get("/api/v1/orgs").json()["items"]]
    assert names == ["衢州在上海商会", "上海代办点", "衢州甲科技有限公司"]

    city = api_as(world.fed_admin)
    first = city.get("/api/v1/orgs", {"limit": 5}).json()
    rest = city.get("/api/v1/orgs", {"limit": 50, "cursor": first["next_cursor"]}).json()
    every = [o["id"] for o in first["items"] + rest["items"]]
    assert len(every) == len(set(every)) == 12
    assert rest["next_cursor"] is None
    assert [o["name"] for o in city.get("/api/v1/orgs", {"kind": "window"}).json()["items"]] == [
        "柯城区公安窗口",
        "龙游县人社窗口",
    ]
    under = city.get("/api/v1/orgs", {"under": world.chamber_b.pk}).json()["items"]
    assert [o["name"] for o in under] == ["龙游在杭州商会", "杭州代办点"]
    assert city.get("/api/v1/orgs", {"q": "杭州"}).json()["items"][0]["kind"] == "chamber"

    detail = chamber.get(f"/api/v1/orgs/{world.point_a.pk}").json()
    assert detail["kind"] == "proxy_point" and detail["kind_label"] == "代办点"
    assert detail["parent_id"] == world.chamber_a.pk


def test_another_chambers_organisations_are_404_and_outsiders_403(world: Any, api_as: Any) -> None:
    chamber = api_as(world.chamber_admin)
    for path in (f"/api/v1/orgs/{world.chamber_b.pk}", f"/api/v1/orgs/{world.point_b.pk}/members"):
        response = chamber.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
    assert chamber.get("/api/v1/orgs", {"under": world.chamber_b.pk}).status_code == 404

    outsider = api_as(world.outsider)
    response = outsider.get("/api/v1/orgs")
    assert response.status_code == 403
    assert error_of(response)["message"] == "您的账号还没有在任何组织中担任角色"
    assert outsider.get(f"/api/v1/orgs/{world.city.pk}").status_code == 404
    assert outsider.get("/api/v1/members").status_code == 403


def test_members_masked_with_only_the_roles_the_reader_may_see(world: Any, api_as: Any) -> None:
    # The chamber's agent also works for the federation: the chamber admin must not learn that.
    grant(world.agent, world.city, Role.FEDERATION_STAFF)
    api = api_as(world.chamber_admin)
    members = api.get("/api/v1/members").json()["items"]
    usernames = {m["username"] for m in members}
    assert usernames == {"chamber_admin", "chamber_staff", "agent", "mediator", "lecturer", "party_officer"}
    agent = next(m for m in members if m["username"] == "agent")
    assert [r["role"] for r in agent["roles"]] == ["agent"]
    assert agent["mobile"] == world.agent.masked_mobile
    assert world.agent.mobile not in api.get("/api/v1/members").content.decode()

    assert [m["username"] for m in api.get("/api/v1/members", {"role": "agent"}).json()["items"]] == ["agent"]
    by_org = api.get(f"/api/v1/orgs/{world.point_a.pk}/members").json()["items"]
    assert [m["username"] for m in by_org] == ["agent"]
    found = api.get("/api/v1/members", {"q": world.agent.mobile[-4:]}).json()["items"]
    assert [m["username"] for m in found] == ["agent"]
    assert api.get(f"/api/v1/members/{world.agent.pk}").json()["roles"][0]["organisation"] == world.point_a.pk
    assert api.get(f"/api/v1/members/{world.agent_b.pk}").status_code == 404


def test_agents_do_not_read_the_member_list(world: Any, api_as: Any) -> None:
    response = api_as(world.agent).get("/api/v1/members")
    assert response.status_code == 403
    assert error_of(response)["message"] == "您的角色不能查看成员信息"
