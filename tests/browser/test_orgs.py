"""Issue 2's browser checks: admins create an organisation and a member, see validation errors,
and a chamber admin cannot open another chamber's pages."""

from playwright.sync_api import expect

from shanghui.accounts.models import User
from shanghui.lib.validators import credit_check_char
from shanghui.orgs.models import Membership, Organisation, Role
from tests.browser.conftest import login


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
