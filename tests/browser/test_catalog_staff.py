"""A federation admin imports a small catalogue through the import page, watches the job finish and finds
the items in the staff list."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from shanghui.catalog.models import ImportJob
from shanghui.catalog.tests.factories import csv_bytes
from tests.browser.conftest import login

ROWS = [
    ["衢州市公安局", "未分类", "居民身份证办理（包括临时）", "QZ-BROWSER-1", "20"],
    ["衢州市公安局", "未分类", "无犯罪记录证明", "QZ-BROWSER-2", "20"],
    ["衢州市民政局", "婚姻登记", "内地居民结婚登记", "QZ-BROWSER-3", "7"],
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_federation_admin_imports_a_csv_and_sees_the_items(world, new_page):
    page = new_page()
    login(page, "fed_admin", world.password)
    page.goto("/catalog/manage/import/")
    page.locator("#id_file").set_input_files(
        {"name": "目录.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROWS, encoding="gb18030")}
    )
    page.get_by_test_id("import-submit").click()

    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "pending")
    expect(page.get_by_test_id("import-stage")).to_contain_text("排队中")

    # The task worker picks the job up; the page, polling every second, shows the result.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    expect(page.get_by_test_id("import-done")).to_contain_text("新增 3 个事项", timeout=15_000)
    assert ImportJob.objects.get().status == "succeeded"

    page.get_by_test_id("import-see-items").click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 3 个事项")
    expect(page.get_by_test_id("item-row").filter(has_text="内地居民结婚登记")).to_be_visible()

    page.get_by_test_id("item-link").filter(has_text="无犯罪记录证明").click()
    expect(page.get_by_test_id("item-version")).to_have_text("第 1 版")


def test_a_bad_file_shows_the_bad_rows(world, new_page):
    page = new_page(phone=True)
    login(page, "fed_admin", world.password)
    page.goto("/catalog/manage/import/")
    rows = [*ROWS, ["衢州市公安局", "", "", "QZ-BROWSER-4", "99"]]
    page.locator("#id_file").set_input_files(
        {"name": "目录.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}
    )
    page.get_by_test_id("import-submit").click()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    expect(page.get_by_test_id("import-failed")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("import-error-row")).to_have_count(2)
    expect(page.get_by_test_id("import-errors")).to_contain_text("缺少事项名称")


def test_editing_materials_adds_and_removes_rows(world, new_page):
    from shanghui.catalog.services import MaterialData
    from shanghui.catalog.tests.factories import make_item

    item = make_item(
        world.dept, "户口迁移（省内迁移）", materials=[MaterialData("居民户口簿"), MaterialData("旧照片")]
    )
    page = new_page()
    login(page, "dept_admin", world.password)
    page.goto(f"/catalog/manage/items/{item.pk}/edit/")
    rows = page.get_by_test_id("material-row")
    expect(rows).to_have_count(2)

    rows.nth(1).get_by_test_id("material-remove").click()
    expect(rows.nth(1)).to_be_hidden()
    page.get_by_test_id("material-add").click()
    added = page.locator("#materials-rows [data-formset-row]").last
    added.locator("input[name$='-name']").fill("迁入地住房证明")
    added.locator("input[name$='-copies']").fill("2")
    page.fill("#id_promised_limit", "5")
    page.get_by_test_id("item-submit").click()

    expect(page.get_by_test_id("item-version")).to_have_text("第 2 版")
    expect(page.get_by_test_id("item-material")).to_have_count(2)
    expect(page.get_by_test_id("item-materials")).to_contain_text("迁入地住房证明")
    expect(page.get_by_test_id("item-materials")).not_to_contain_text("旧照片")
    expect(page.get_by_test_id("item-versions")).to_contain_text("修改了：")
