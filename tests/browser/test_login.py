from playwright.sync_api import expect

from tests.browser.conftest import login


def test_staff_log_in_with_mobile_and_see_their_navigation(world, new_page):
    page = new_page()
    login(page, world.fed_admin.mobile, world.password)
    expect(page.locator("[data-nav=orgs]")).to_be_visible()
    expect(page.locator("[data-nav=audit]")).to_be_visible()

    agent_page = new_page(phone=True)
    login(agent_page, "AGENT", world.password)  # usernames are not case-sensitive
    agent_page.locator(".navbar-toggler").click()
    expect(agent_page.locator("[data-nav=orgs]")).to_be_visible()
    expect(agent_page.locator("[data-nav=audit]")).to_have_count(0)


def test_wrong_password_shows_a_chinese_error(world, new_page):
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "fed_admin")
    page.fill("#id_password", "wrong-password")
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("密码不正确")


def test_outsider_sees_the_empty_state(world, new_page):
    page = new_page()
    login(page, "outsider", world.password)
    expect(page.get_by_test_id("no-roles")).to_be_visible()
    expect(page.locator("[data-nav=orgs]")).to_have_count(0)


def test_interface_is_chinese_first_and_english_on_request(world, new_page):
    page = new_page()
    login(page, "fed_admin", world.password)
    expect(page.locator("[data-nav=orgs]")).to_have_text("组织机构")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_role("button", name="English").click()
    expect(page.locator("[data-nav=orgs]")).to_have_text("Organisations")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("[data-nav=orgs]")).to_have_text("组织机构")
