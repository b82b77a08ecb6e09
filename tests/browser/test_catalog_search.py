"""A citizen on a phone finds 居民身份证办理 in their own words and opens its service guide; sees which
items a chamber can do (可代办) and no matching reasons; is told plainly when the catalogue has no such
item, with the closest groups to look in; staff switch the reasons on."""

from __future__ import annotations

from typing import Any, cast

import pytest
from playwright.sync_api import expect

from shanghui.accounts.models import User
from shanghui.catalog import search
from shanghui.catalog.models import Material, ServiceItem
from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.tests.factories import PASSWORD, UserFactory, grant, make_org
from tests.browser.conftest import login, watch_console

ID_CARD = "居民身份证办理（包括临时）"


@pytest.fixture
def catalogue(live: str) -> ServiceItem:
    city = make_org(OrgKind.FEDERATION, "衢州市工商联", region_code="330800")
    police = make_org(OrgKind.DEPARTMENT, "衢州市公安局", city)
    social = make_org(OrgKind.DEPARTMENT, "衢州市人力社保局", city)
    chamber = make_org(OrgKind.CHAMBER, "衢州在上海商会", city, city="上海")
    make_org(OrgKind.PROXY_POINT, "上海代办点", chamber, address="上海市浦东新区某路1号")
    item = ServiceItem.objects.create(
        department=police, code="330A0011200068-1", name=ID_CARD, item_type="20",
        promised_limit=20, promised_limit_unit="calendar", fee_note="工本费20元",
    )  # fmt: skip
    Material.objects.create(item=item, position=1, name="居民户口簿", form="original")
    Material.objects.create(item=item, position=2, name="近期免冠照片", copies=2, deferrable=True)
    for name in ("居民身份证挂失申报、丢失招领", "临时身份证明", "户口迁移审批", "普通护照签发"):
        ServiceItem.objects.create(department=police, code=f"P-{name}", name=name, item_type="20")
    for name in ("社会保障卡申领", "失业保险金申领", "收费公路通行费减免"):
        ServiceItem.objects.create(department=social, code=f"S-{name}", name=name, item_type="20")
    # An item only the applicant can do at the window, and a department whose name shares 联合 with
    # the synonym 拖拉机 → 联合收割机 (no tractor items in this catalogue).
    ServiceItem.objects.create(
        department=police,
        code="P-window",
        name="居民身份证指纹信息采集",
        item_type="20",
        proxy_eligible=False,
    )
    disabled = make_org(OrgKind.DEPARTMENT, "衢州市残疾人联合会", city)
    for name in ("残疾人证新办", "残疾儿童康复救助"):
        ServiceItem.objects.create(department=disabled, code=f"C-{name}", name=name, item_type="20")
    search.seed_default_synonyms()
    return item


@pytest.mark.parametrize("typed", ["换身份证", "sfz", "身分证"])
def test_a_citizen_finds_the_id_card_item_on_a_phone(
    new_page: Any, catalogue: ServiceItem, typed: str
) -> None:
    page = new_page(phone=True)
    errors = watch_console(page)
    page.goto("/s/")
    expect(page.get_by_test_id("citizen-navbar")).to_be_visible()

    page.get_by_test_id("search-input").press_sequentially(typed, delay=30)
    suggestion = page.get_by_test_id("suggestion").filter(has_text=ID_CARD)
    expect(suggestion).to_be_visible()
    expect(page.get_by_test_id("search-input")).to_have_attribute("aria-expanded", "true")

    suggestion.click()
    page.wait_for_url(f"**/s/items/{catalogue.pk}/")
    expect(page.get_by_test_id("item-name")).to_have_text(ID_CARD)
    expect(page.get_by_test_id("material-name")).to_have_text(["居民户口簿", "近期免冠照片"])
    expect(page.get_by_test_id("material-deferrable")).to_be_visible()
    expect(page.get_by_test_id("proxy-point")).to_contain_text("衢州在上海商会")
    expect(page.get_by_test_id("apply")).to_have_attribute("href", f"/my/apply/?item={catalogue.pk}")
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []  # no CSP violations, no script errors


def test_submitting_the_search_lists_results_and_an_empty_search_offers_examples(
    new_page: Any, catalogue: ServiceItem
) -> None:
    page = new_page(phone=True)
    page.goto("/s/")
    page.get_by_test_id("search-input").fill("身份证丢了怎么办")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("result-name").first).to_be_visible()
    expect(page.get_by_test_id("results")).to_contain_text("居民身份证挂失申报、丢失招领")

    page.get_by_test_id("search-input").fill("火星移民")
    page.get_by_test_id("search-input").press("Enter")
    expect(page.get_by_test_id("no-results")).to_contain_text("没有找到“火星移民”对应的事项")
    page.get_by_test_id("example").filter(has_text="换身份证").click()
    expect(page.get_by_test_id("results")).to_contain_text(ID_CARD)


def test_arrow_keys_move_through_suggestions_and_escape_closes_them(
    new_page: Any, catalogue: ServiceItem
) -> None:
    page = new_page()
    page.goto("/s/")
    box = page.get_by_test_id("search-input")
    box.press_sequentially("身份证", delay=30)
    expect(page.get_by_test_id("suggestion").first).to_be_visible()
    box.press("ArrowDown")
    expect(page.get_by_test_id("suggestion").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("suggestion")).to_have_count(0)
    expect(box).to_be_focused()


def test_results_show_the_proxy_badge_without_reasons_on_a_phone(
    new_page: Any, catalogue: ServiceItem
) -> None:
    page = new_page(phone=True)
    errors = watch_console(page)
    page.goto("/s/")
    page.get_by_test_id("search-input").fill("居民身份证")
    page.get_by_test_id("search-submit").click()

    first = page.get_by_test_id("result").first
    expect(first).to_be_in_viewport()
    expect(first.get_by_test_id("result-proxy")).to_be_in_viewport()
    expect(first.get_by_test_id("result-proxy")).to_have_text("可代办")
    expect(page.get_by_test_id("result-why")).to_have_count(0)  # no chips for citizens
    # The item only the applicant can do comes after the comparable ones a chamber can do (its name,
    # the shortest, would lead otherwise), without the badge.
    names = page.get_by_test_id("result-name").all_inner_texts()
    window = names.index("居民身份证指纹信息采集")
    assert window > names.index(ID_CARD) and window > names.index("居民身份证挂失申报、丢失招领")
    window_only = page.get_by_test_id("result").filter(has_text="居民身份证指纹信息采集")
    expect(window_only.get_by_test_id("result-proxy")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []


def test_no_such_item_says_so_and_offers_the_closest_groups_on_a_phone(
    new_page: Any, catalogue: ServiceItem
) -> None:
    page = new_page(phone=True)
    errors = watch_console(page)
    page.goto("/s/?q=" + "拖拉机")
    # Said where the eye is, with the groups to look in: no disability items because 联合 is in a
    # department's name.
    expect(page.get_by_test_id("no-results-title")).to_have_text("没有找到“拖拉机”对应的事项")
    expect(page.get_by_test_id("no-results-title")).to_be_in_viewport()
    expect(page.get_by_test_id("result")).to_have_count(0)
    expect(page.get_by_test_id("no-results")).not_to_contain_text("残疾人证新办")
    links = page.get_by_test_id("closest-group")
    expect(links.first).to_be_in_viewport()
    expect(links.first).to_contain_text("衢州市公安局")

    links.first.click()
    expect(page.get_by_test_id("browse-title")).to_have_text("衢州市公安局")
    expect(page.get_by_test_id("results")).to_contain_text(ID_CARD)
    expect(page.get_by_test_id("result").first.get_by_test_id("result-proxy")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []


def test_staff_switch_the_matching_reasons_on(new_page: Any, catalogue: ServiceItem) -> None:
    staff = cast(User, UserFactory(username="catalogue_staff"))
    city = catalogue.department.parent
    assert city is not None
    grant(staff, city, Role.FEDERATION_STAFF)
    page = new_page(phone=True)
    errors = watch_console(page)
    login(page, "catalogue_staff", PASSWORD)
    page.goto("/s/?q=sfz")
    toggle = page.get_by_test_id("why-toggle")
    expect(toggle).to_be_in_viewport()
    expect(toggle).to_have_attribute("aria-checked", "false")
    expect(page.get_by_test_id("result-why")).to_have_count(0)

    toggle.click()
    expect(page.get_by_test_id("why-toggle")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("result-why").first).to_be_in_viewport()
    expect(page.get_by_test_id("results")).to_contain_text("拼音首字母 sfz→身份证")

    # The next search of the visit keeps them on.
    page.get_by_test_id("search-input").fill("换身份证")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("results")).to_contain_text("同义词：换身份证→居民身份证")
    # And what nothing really matched is shown to staff, with the reasons it was left out.
    page.goto("/s/?why=1&q=" + "拖拉机")
    expect(page.get_by_test_id("weak-results")).to_contain_text("同义词：拖拉机→联合收割机")
    assert errors == []
