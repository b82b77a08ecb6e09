"""/api/v1/catalog: the catalogue as staff read it; the citizen search at /api/catalog/search still works."""

from __future__ import annotations

from typing import Any

from shanghui.catalog import search as catalog_search
from shanghui.catalog.models import ProxyPointCatalog
from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import make_item
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from tests.api.conftest import error_of


def test_items_list_filters_and_detail_with_materials(pw: Any, api_as: Any) -> None:
    offline = make_item(pw.dept2, "失业登记", is_online=False, proxy_eligible=False)
    agent = api_as(pw.agent, scope="read")

    def ids(**params: Any) -> list[int]:
        response = agent.get("/api/v1/catalog/items", params)
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["items"]]

    assert ids() == [pw.item.pk, offline.pk]
    assert ids(q="身份证") == [pw.item.pk]
    assert ids(department=pw.dept2.pk) == [offline.pk]
    assert ids(online="false") == [offline.pk]
    assert ids(proxy_eligible="true") == [pw.item.pk]
    assert ids(point=pw.point_a.pk) == [pw.item.pk]  # what the point takes in: online, proxy-eligible
    assert ids(limit=1) == [pw.item.pk]

    detail = agent.get(f"/api/v1/catalog/items/{pw.item.pk}").json()
    assert detail["name"] == "居民身份证办理（包括临时）"
    assert detail["department"] == {"id": pw.dept.pk, "name": pw.dept.name}
    assert detail["promised_limit"] == 20
    assert [(m["name"], m["required"], m["deferrable"]) for m in detail["materials"]] == [
        ("居民户口簿", True, False),
        ("近期免冠照片", True, True),
        ("原居民身份证", False, False),
    ]


def test_a_point_that_chose_its_items_offers_only_those(pw: Any, api_as: Any) -> None:
    other = make_item(pw.dept, "户口迁移", materials=[MaterialData(name="迁移证")])
    ProxyPointCatalog.objects.create(proxy_point=pw.point_a, offers_all=False).items.set([other])
    items = api_as(pw.agent).get("/api/v1/catalog/items", {"point": pw.point_a.pk}).json()["items"]
    assert [i["id"] for i in items] == [other.pk]
    # Another chamber's point is not the agent's to look into.
    assert api_as(pw.agent).get("/api/v1/catalog/items", {"point": pw.point_b.pk}).status_code == 404


def test_search_understands_citizens_and_stays_in_the_readers_city(pw: Any, api_as: Any) -> None:
    other_city = make_org(OrgKind.FEDERATION, "丽水市工商联", region_code="331100")
    other_dept = make_org(OrgKind.DEPARTMENT, "丽水市公安局", other_city)
    elsewhere = make_item(other_dept, "居民身份证办理（丽水）")
    catalog_search.invalidate()
    response = api_as(pw.agent).get("/api/v1/catalog/search", {"q": "sfz"})
    assert response.status_code == 200
    ids = [hit["id"] for hit in response.json()["results"]]
    assert pw.item.pk in ids
    assert elsewhere.pk not in ids
    assert response.json()["results"][0]["why"]

    # The public citizen search (/api/catalog/search) is unchanged and needs no token.
    public = api_as(pw.outsider).client.get("/api/catalog/search", {"q": "sfz"})
    assert public.status_code == 200
    assert elsewhere.pk in [r["id"] for r in public.json()["results"]]


def test_people_outside_the_catalogue_get_404(pw: Any, api_as: Any) -> None:
    for user in (pw.outsider, pw.mediator):
        api = api_as(user)
        for path in (
            "/api/v1/catalog/items",
            f"/api/v1/catalog/items/{pw.item.pk}",
            "/api/v1/catalog/search?q=sfz",
        ):
            response = api.get(path)
            assert response.status_code == 404, (user.username, path)
            assert error_of(response)["code"] == "not_found"


def test_search_says_when_nothing_matches_with_the_readers_departments(pw: Any, api_as: Any) -> None:
    other_city = make_org(OrgKind.FEDERATION, "丽水市工商联", region_code="331100")
    other_dept = make_org(OrgKind.DEPARTMENT, "丽水市公安局", other_city)
    make_item(other_dept, "居民身份证办理（丽水）", usage_count=10_000)
    catalog_search.invalidate()
    body = api_as(pw.agent).get("/api/v1/catalog/search", {"q": "火星移民"}).json()
    assert body["matched"] is False and body["results"] == []
    departments = [c["department"]["id"] for c in body["closest"]]
    assert pw.dept.pk in departments and other_dept.pk not in departments
    assert {"group", "items", "related"} <= set(body["closest"][0])

    body = api_as(pw.agent).get("/api/v1/catalog/search", {"q": "sfz"}).json()
    assert body["matched"] is True and body["closest"] == []
    assert body["results"][0]["proxy_eligible"] is True
    # Real matches only in another city's catalogue are none for this reader.
    body = api_as(pw.agent).get("/api/v1/catalog/search", {"q": "丽水"}).json()
    assert body["matched"] is False and body["results"] == []
