"""What a search shows: real matches only, the closest groups and departments when nothing really
matches (拖拉机 in a catalogue with no tractor items), items a chamber can do before those it cannot,
and the citizen page and the public API that say so (reasons only for staff, behind a switch)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from shanghui.catalog import search
from shanghui.catalog.models import Material, ServiceItem, Synonym
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.orgs.tests.factories import make_org

_codes = iter(range(1, 1_000_000))


def make_item(department: Organisation, name: str, **fields: Any) -> ServiceItem:
    fields.setdefault("item_type", "20")
    return ServiceItem.objects.create(department=department, name=name, code=f"R{next(_codes):06d}", **fields)


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    search.invalidate()


@pytest.fixture
def catalogue(world: SimpleNamespace) -> SimpleNamespace:
    """A city catalogue without tractor items, whose disabled persons' federation (残疾人联合会)
    shares 联合 with the synonym 拖拉机 → 联合收割机, as the Quzhou demo catalogue does."""
    c = SimpleNamespace(world=world)
    c.disabled = make_org(OrgKind.DEPARTMENT, "衢州市残疾人联合会", world.city)
    c.civil = make_org(OrgKind.DEPARTMENT, "衢州市民政局", world.city)
    police, social = world.dept, world.dept2
    c.id_card = make_item(police, "居民身份证办理（包括临时）", usage_count=300)
    make_item(police, "居民身份证挂失申报、丢失招领", usage_count=50)
    c.hukou = make_item(police, "户口迁移审批", usage_count=80)
    c.ssc = make_item(social, "社会保障卡申领", group_name="社会保障卡业务", usage_count=200)
    make_item(social, "社会保障卡挂失", group_name="社会保障卡业务", usage_count=90)
    c.disability_card = make_item(c.disabled, "残疾人证新办")
    make_item(c.disabled, "残疾人证换领")
    make_item(c.disabled, "残疾儿童康复救助")
    c.marriage = make_item(c.civil, "结婚登记预约", usage_count=40)
    make_item(c.civil, "最低生活保障")
    search.seed_default_synonyms()
    assert Synonym.objects.filter(phrase="拖拉机").exists()
    return c


# --- Real matches and weak ones -----------------------------------------------------------------------


def test_a_synonym_word_in_a_department_name_is_no_match(catalogue: SimpleNamespace) -> None:
    """拖拉机 → 联合收割机 → 联合 stands only in 衢州市残疾人联合会: the search says nothing matches
    instead of offering disability items, and keeps them aside for staff."""
    found = search.find("拖拉机")
    assert found.matched is False and found.hits == []
    assert search.search("拖拉机") == []
    assert {hit.department for hit in found.weak} == {"衢州市残疾人联合会"}
    # The closest: no typed word found a group, so the departments citizens use most, not the
    # disabled persons' federation first.
    assert found.closest and not any(c.related for c in found.closest)
    assert found.closest[0].department == "衢州市公安局"
    assert [c.department for c in found.closest][:3] == ["衢州市公安局", "衢州市人力社保局", "衢州市民政局"]
    assert found.closest[0].items == 3


def test_a_typed_word_in_a_department_name_offers_that_department(catalogue: SimpleNamespace) -> None:
    found = search.find("民政局")
    assert found.matched is False
    first = found.closest[0]
    assert (first.department, first.group, first.related, first.items) == ("衢州市民政局", "", True, 2)


def test_a_word_in_the_group_is_a_real_match_a_single_character_is_not(catalogue: SimpleNamespace) -> None:
    # 业务 stands only in the group name 社会保障卡业务: a real match for the group's items …
    found = search.find("业务")
    assert found.matched and {h.name for h in found.hits} == {"社会保障卡申领", "社会保障卡挂失"}
    # … while a character shared by chance (卡) is not; its group is offered instead.
    found = search.find("卡")
    assert found.matched is False
    assert (found.closest[0].group, found.closest[0].related) == ("社会保障卡业务", True)


@pytest.mark.parametrize(
    "query",
    ["残疾人证", "sfz", "ju min shen fen zheng", "换身份证", "身分证", "社保卡丢了", "户口签移", "hkqy"],
)
def test_real_answers_are_not_hidden(catalogue: SimpleNamespace, query: str) -> None:
    found = search.find(query)
    assert found.matched and found.hits and found.closest == [] and found.weak == []


def test_a_word_in_the_materials_or_typed_in_the_description_is_a_real_match(
    catalogue: SimpleNamespace,
) -> None:
    Material.objects.create(item=catalogue.marriage, name="婚前医学检查证明", position=1)
    ServiceItem.objects.filter(pk=catalogue.hukou.pk).update(description="跨省落户由迁入地派出所受理。")
    search.invalidate()
    assert search.find("婚前医学检查").hits[0].id == catalogue.marriage.pk
    assert search.find("落户").hits[0].id == catalogue.hukou.pk


def test_weak_hits_are_left_out_when_something_really_matches(catalogue: SimpleNamespace) -> None:
    """身份证联合 (a word that means nothing here): the ID card items match; the disabled persons'
    federation's items, found only through 联合 in the department's name, are not shown."""
    found = search.find("身份证联合")
    assert found.matched
    assert {hit.department for hit in found.hits} == {"衢州市公安局"}


def test_nothing_typed_matches_nothing(catalogue: SimpleNamespace) -> None:
    found = search.find("   ")
    assert found.matched is False and found.hits == [] and found.closest == []


# --- Items a chamber can do first ----------------------------------------------------------------------


def test_items_that_cannot_be_done_by_proxy_come_after_comparable_ones(world: SimpleNamespace) -> None:
    police = world.dept
    window_only = make_item(police, "出入境证件签发", proxy_eligible=False)
    proxied = make_item(police, "出入境证件签注")
    hits = search.search("出入境证件")
    assert [h.id for h in hits] == [proxied.pk, window_only.pk]
    assert [h.proxy_eligible for h in hits] == [True, False]
    # A clearly better match (its exact name) still comes first.
    assert search.search("出入境证件签发")[0].id == window_only.pk


# --- The citizen page -----------------------------------------------------------------------------------


def test_citizens_see_the_proxy_badge_and_no_reasons(client: Client, catalogue: SimpleNamespace) -> None:
    ServiceItem.objects.filter(pk=catalogue.hukou.pk).update(proxy_eligible=False)
    html = client.get("/s/", {"q": "户口迁移"}).content.decode()
    assert "户口迁移审批" in html
    assert 'data-testid="result-proxy"' not in html  # the one result cannot be done by proxy
    html = client.get("/s/", {"q": "sfz"}).content.decode()
    assert html.count('data-testid="result-proxy"') == html.count('data-testid="result"') > 0
    assert 'data-testid="result-why"' not in html and "拼音首字母" not in html


def test_staff_switch_the_reasons_on_for_the_visit(client: Client, catalogue: SimpleNamespace) -> None:
    client.force_login(catalogue.world.fed_staff)
    # The staff catalogue pages link to the citizens' search.
    assert 'data-testid="tab-public-search"' in client.get("/catalog/manage/").content.decode()
    html = client.get("/s/", {"q": "sfz"}).content.decode()
    assert 'data-testid="why-toggle"' in html and 'aria-checked="false"' in html
    assert 'data-testid="result-why"' not in html
    html = client.get("/s/", {"q": "sfz", "why": "1"}).content.decode()
    assert 'data-testid="result-why"' in html and "拼音首字母 sfz→身份证" in html
    assert 'aria-checked="true"' in html and 'href="?q=sfz"' in html  # switching off
    # The next search of the visit keeps them: the form carries the switch.
    assert '<input type="hidden" name="why" value="1">' in html
    # Nothing matched: staff see what was withheld, and why.
    html = client.get("/s/", {"q": "拖拉机", "why": "1"}).content.decode()
    assert 'data-testid="weak-results"' in html and "同义词：拖拉机→联合收割机" in html


def test_people_outside_the_catalogue_get_no_switch(client: Client, catalogue: SimpleNamespace) -> None:
    for user in (catalogue.world.outsider, catalogue.world.mediator):
        client.force_login(user)
        html = client.get("/s/", {"q": "拖拉机", "why": "1"}).content.decode()
        assert 'data-testid="why-toggle"' not in html and 'data-testid="weak-results"' not in html
        assert "同义词" not in html


def test_no_match_says_so_and_links_to_the_closest_groups(
    client: Client, catalogue: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    search.get_index()
    with django_assert_max_num_queries(3):
        response = client.get("/s/", {"q": "拖拉机"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有找到“拖拉机”对应的事项" in html and "换个说法" in html
    assert 'data-testid="result"' not in html
    assert "残疾人证新办" not in html and "残疾儿童康复救助" not in html
    police = catalogue.world.dept
    assert f'href="/s/?department={police.pk}"' in html and "按部门查看全部事项" in html

    html = client.get("/s/", {"q": "民政局"}).content.decode()
    assert f'href="/s/?department={catalogue.civil.pk}"' in html and "这些分类里可能有您要办的事" in html


def test_a_group_or_department_lists_its_items_proxy_first(
    client: Client, catalogue: SimpleNamespace
) -> None:
    social = catalogue.world.dept2
    make_item(social, "社会保障卡注销", group_name="社会保障卡业务", proxy_eligible=False, usage_count=999)
    make_item(social, "社会保障卡停用", group_name="社会保障卡业务", is_online=False)
    html = client.get("/s/", {"department": social.pk, "group": "社会保障卡业务"}).content.decode()
    assert "衢州市人力社保局 · 社会保障卡业务" in html
    order = [html.index(name) for name in ("社会保障卡申领", "社会保障卡挂失", "社会保障卡注销")]
    assert order == sorted(order)  # proxy-eligible first, then by use
    assert "社会保障卡停用" not in html  # offline

    html = client.get("/s/", {"department": catalogue.civil.pk}).content.decode()
    assert "结婚登记预约" in html and "最低生活保障" in html and "户口迁移审批" not in html


@pytest.mark.parametrize(
    "params",
    [{"department": "abc"}, {"department": "999999"}, {"department": "1", "group": "x" * 500}],
)
def test_a_bad_department_or_group_is_no_error(
    client: Client, catalogue: SimpleNamespace, params: Any
) -> None:
    response = client.get("/s/", params)
    assert response.status_code == 200
    assert 'data-testid="result"' not in response.content.decode()


def test_a_proxy_point_is_not_a_department_to_browse(client: Client, catalogue: SimpleNamespace) -> None:
    html = client.get("/s/", {"department": catalogue.world.point_a.pk}).content.decode()
    assert 'data-testid="browse-empty"' in html


# --- The public API ------------------------------------------------------------------------------------


def test_api_says_when_nothing_matches_and_offers_the_closest(
    client: Client, catalogue: SimpleNamespace
) -> None:
    body = client.get("/api/catalog/search", {"q": "拖拉机"}).json()
    assert body["matched"] is False and body["count"] == 0 and body["results"] == []
    first = body["closest"][0]
    assert first == {
        "department_id": catalogue.world.dept.pk,
        "department": "衢州市公安局",
        "group": "",
        "items": 3,
        "related": False,
        "url": f"/s/?department={catalogue.world.dept.pk}",
    }

    body = client.get("/api/catalog/search", {"q": "sfz"}).json()
    assert body["matched"] is True and body["closest"] == [] and body["count"] > 0
    assert body["results"][0]["proxy_eligible"] is True


def test_the_openapi_schema_documents_the_fields(client: Client, db: None) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    response = schemas["SearchResponse"]["properties"]
    assert "matched" in response and "为 false 时 results 为空" in response["matched"]["description"]
    assert "closest" in response
    assert "related" in schemas["ClosestGroup"]["properties"]
    assert "proxy_eligible" in schemas["SearchResult"]["properties"]


def test_the_no_match_page_in_english(client: Client, catalogue: SimpleNamespace, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/s/", {"q": "拖拉机"}).content.decode()
    assert "No service item matches “拖拉机”" in html and "Browse all service items by department" in html
    assert "6 items" in html or "3 items" in html
    assert "没有找到" not in html and "按部门查看全部事项" not in html
