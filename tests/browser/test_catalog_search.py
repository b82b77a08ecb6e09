"""A citizen on a phone finds 居民身份证办理 in their own words and opens its service guide."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from shanghui.catalog import search
from shanghui.catalog.models import Material, ServiceItem
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from tests.browser.conftest import watch_console

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
    search.seed_default_synonyms()
    return item


@pytest.mark.parametrize("typed", ["换身份证", "sfz", "身分证"])
def test_a_citizen_finds_the_id_card_item_on_a_phone(
    new_page: Any, catalogue: ServiceItem, typed: str
) -> None:
    page = new_page(phone=True)
    errors = watch_console(page)
    page.goto("/s/")
    expect(page.get_by_test_id("public-navbar")).to_be_visible()

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
    expect(page.get_by_test_id("no-results")).to_contain_text("没有找到相关事项，换个说法试试")
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
