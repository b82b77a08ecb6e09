"""Issue 2's browser checks: admins create an organisation and a member, see validation errors,
and a chamber admin cannot open another chamber's pages."""

import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from shanghui.accounts.models import User
from shanghui.audit.models import AuditEntry
from shanghui.lib.validators import credit_check_char
from shanghui.orgs.models import Membership, Organisation, Role
from tests.browser.conftest import login, watch_console


def valid_credit_code() -> str:
    body = "91330802MA2ABCDE1"
    return body + credit_check_char(body)


def test_federation_admin_creates_a_chamber_after_fixing_a_bad_credit_code(world, new_page):
    page = new_page()
    login(page, "fed_admin", world.password)
    page.goto(f"/orgs/new/?parent={world.county.pk}&kind=chamber")
    page.fill("#id_name", "柯城在宁波商会")
    page.select_option("#id_chamber_kind", "remote")
    page.fill("#id_city", "宁波")
    page.fill("#id_credit_code", "91330802MA2ABCDE1X")  # wrong check character
    page.get_by_test_id("org-submit").click()
    expect(page.get_by_test_id("error-credit_code")).to_contain_text("校验位")
    assert not Organisation.objects.filter(name="柯城在宁波商会").exists()

    page.fill("#id_credit_code", valid_credit_code())
    page.get_by_test_id("org-submit").click()
    expect(page.get_by_test_id("org-name")).to_contain_text("柯城在宁波商会")
    assert Organisation.objects.get(name="柯城在宁波商会").parent == world.county


def test_chamber_admin_adds_a_member_after_fixing_a_bad_mobile(world, new_page):
    page = new_page(phone=True)
    login(page, "chamber_admin", world.password)
    page.goto(f"/orgs/members/new/?org={world.point_a.pk}")
    page.fill("#id_username", "agent_new")
    page.fill("#id_name", "李四")
    page.fill("#id_mobile", "1380000")  # too short
    page.fill("#id_password", "Daiban#2026x")
    # ?org= chose the proxy point; its roles are already offered.
    expect(page.locator("#id_organisation")).to_have_value(str(world.point_a.pk))
    page.select_option("#id_role", Role.AGENT)
    page.get_by_test_id("member-submit").click()
    expect(page.get_by_test_id("error-mobile")).to_contain_text("手机号")
    assert not User.objects.filter(username="agent_new").exists()

    page.fill("#id_mobile", "13800002222")
    page.fill("#id_password", "Daiban#2026x")
    page.get_by_test_id("member-submit").click()
    expect(page.get_by_test_id("member-name")).to_contain_text("李四")
    member = User.objects.get(username="agent_new")
    assert Membership.objects.filter(user=member, organisation=world.point_a, role=Role.AGENT).exists()


def test_chamber_admin_cannot_open_another_chambers_pages(world, new_page):
    page = new_page()
    login(page, "chamber_admin", world.password)
    for url in (
        f"/orgs/{world.chamber_b.pk}/",
        f"/orgs/{world.chamber_b.pk}/edit/",
        f"/orgs/{world.point_b.pk}/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 404
        expect(page.get_by_test_id("error-404")).to_be_visible()
    response = page.goto(f"/orgs/members/{world.chamber_admin_b.pk}/")
    assert response is not None and response.status == 404


def test_the_organisation_list_filters_pages_empties_and_exports(world, new_page, settings):
    # Pages of five: the city admin sees a dozen organisations.
    settings.PAGE_SIZE = 5
    page = new_page()
    errors = watch_console(page)
    login(page, "fed_admin", world.password)
    page.goto("/orgs/")
    expect(page.get_by_test_id("org-row")).to_have_count(5)
    expect(page.get_by_test_id("page-current")).to_contain_text("第 1 / ")
    page.get_by_test_id("page-next").click()
    expect(page.get_by_test_id("page-current")).to_contain_text("第 2 / ")

    # A search nothing matches: the empty state offers to clear the filters, which shows them all again.
    page.fill("#id_q", "没有这个组织")
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("empty-state")).to_contain_text("没有符合条件的组织")
    expect(page.get_by_test_id("org-table")).to_have_count(0)
    page.get_by_test_id("empty-reset").click()
    expect(page.get_by_test_id("org-row")).to_have_count(5)

    # The export of a filtered list: the file of the filtered rows, and its audit row.
    page.select_option("#id_kind", "window")
    page.get_by_test_id("filter-submit").click()
    windows = page.get_by_test_id("org-row").count()
    with page.expect_download() as info:
        page.get_by_test_id("org-export").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    # the title row (the list, its filters, the time), the header, one row per window
    assert sheet is not None and len(list(sheet.iter_rows(values_only=True))) == windows + 2
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.detail["filters"], entry.detail["rows"]) == (
        "org.export",
        {"kind": "window"},
        windows,
    )
    assert errors == []


def test_the_member_list_on_a_phone_filters_to_the_empty_state(world, new_page):
    page = new_page(phone=True)
    login(page, "chamber_admin", world.password)
    page.goto("/orgs/members/?q=没有这个人")
    expect(page.get_by_test_id("empty-state")).to_contain_text("没有符合条件的成员")
    page.get_by_test_id("empty-reset").click()
    expect(page.get_by_test_id("member-row").first).to_be_visible()
    expect(page.get_by_test_id("empty-state")).to_have_count(0)


def test_an_organisation_is_found_by_typing_part_of_its_name(world, new_page):
    page = new_page()
    errors = watch_console(page)
    login(page, "fed_admin", world.password)
    page.goto(f"/orgs/members/{world.mediator.pk}/")
    form = page.get_by_test_id("grant-form")
    search = form.get_by_test_id("org-search")
    picker = form.locator("select[name=organisation]")
    expect(search).to_have_attribute("placeholder", "输入名称筛选组织")
    search.fill("杭州代办")
    expect(picker).to_have_value(str(world.point_b.pk))
    # Only matching organisations are left to choose from.
    visible = picker.locator("option:not([hidden]):not([value=''])").all_inner_texts()
    assert [v.strip() for v in visible] == ["杭州代办点（代办点）"]
    form.locator("select[name=role]").select_option(Role.AGENT)
    page.get_by_test_id("grant-submit").click()
    expect(page.get_by_test_id("grant-form")).to_be_visible()
    assert Membership.objects.filter(
        user=world.mediator, organisation=world.point_b, role=Role.AGENT
    ).exists()
    assert errors == []
