"""The audit page in the browser: every row named by its label (none by its code), the filter by action,
the empty state and the export."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record
from tests.browser.conftest import login, watch_console


def test_an_auditor_reads_labels_filters_by_action_and_exports(world, new_page):
    for action in (AuditAction.CITIZEN_LOGIN, AuditAction.FOLLOWUP_APPEAL, AuditAction.CASE_STATS_EXPORT):
        record(actor=None, action=action, object_repr="示例")
    page = new_page()
    errors = watch_console(page)
    login(page, "auditor", world.password)
    page.goto("/audit/")

    actions = page.get_by_test_id("audit-row").locator("td:nth-child(4)")
    shown = actions.all_inner_texts()
    assert {"申请人验证手机号登录", "差评申诉", "导出代办统计"} <= set(shown)
    assert not any("." in text for text in shown)  # no row shows a code such as citizen.login

    page.select_option("select[name=action]", label="差评申诉")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    expect(actions.first).to_have_text("差评申诉")

    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True).active
    assert sheet is not None
    title, *rows = list(sheet.iter_rows(values_only=True))
    assert str(title[0]).startswith("审计日志　筛选：")  # the title row names the list and its filters
    assert [row[3:5] for row in rows[1:]] == [("差评申诉", "followup.appeal")]
    assert AuditEntry.objects.latest("seq").action == AuditAction.AUDIT_EXPORT

    page.fill("input[name=actor]", "没有这个人")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_test_id("empty")).to_contain_text("没有符合筛选条件的审计记录")
    page.get_by_test_id("empty-reset").click()
    expect(page.get_by_test_id("audit-row").first).to_be_visible()
    assert errors == []
