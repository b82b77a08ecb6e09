"""The list pattern: what counts as filtered, the page, the audited export, and the empty state."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.test import RequestFactory
from openpyxl import load_workbook

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.orgs.models import Organisation
from shanghui.ui.listing import Export, Listing


class Filters:
    def audit_detail(self) -> dict[str, Any]:
        return {"filters": {"kind": "chamber"}, "search": False}


def listing(query: str, **kw: Any) -> Listing[Filters]:
    return Listing(RequestFactory().get("/list/" + query), Filters(), **kw)


def test_filtered_means_anything_but_the_page_and_the_ignored_names() -> None:
    assert not listing("").filtered
    assert not listing("?page=2&q=").filtered
    assert listing("?q=张").filtered
    assert not listing("?queue=mine&page=3", ignore=["queue"]).filtered
    assert listing("?queue=mine&status=open", ignore=["queue"]).filtered
    assert listing("?export=xlsx").exporting and not listing("?export=csv").exporting


def test_the_page_and_the_context(world: Any, settings: Any) -> None:
    settings.PAGE_SIZE = 5
    rows = Organisation.objects.order_by("path")
    page = listing("?page=2&kind=x").page(rows)
    assert page.number == 2 and list(page.object_list) == list(rows[5:10])
    assert listing("?page=999").page(rows).number == page.paginator.num_pages
    context = listing("?kind=x").context(page, rows=[1])
    assert (context["page"], context["filtered"], context["rows"]) == (page, True, [1])
    assert listing("").context(page, filtered=True)["filtered"] is True  # a page may say otherwise


def test_an_export_counts_its_rows_into_its_audit_row(world: Any) -> None:
    request = RequestFactory().get("/list/?export=xlsx", REMOTE_ADDR="10.0.0.9")
    request.user = world.fed_admin
    spec = Export(
        name="测试清单", headers=("名称", "数量"), action=AuditAction.ORG_EXPORT, object_type="orgs.x"
    )

    response = Listing(request, Filters()).export(
        spec, iter([["甲", 1], ["=乙", 2]]), detail={"queue": "all"}
    )

    sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
    assert sheet is not None and sheet.title == "测试清单"
    title, *rows = list(sheet.iter_rows(values_only=True))
    assert str(title[0]).startswith("测试清单　筛选：") and "导出时间：" in str(title[0])  # the title row
    assert rows == [("名称", "数量"), ("甲", 1), ("'=乙", 2)]
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor_id, entry.object_type, entry.ip) == (
        "org.export", world.fed_admin.pk, "orgs.x", "10.0.0.9",
    )  # fmt: skip
    assert entry.detail == {"filters": {"kind": "chamber"}, "search": False, "queue": "all", "rows": 2}


def render_empty(**context: Any) -> str:
    return render_to_string("ui/_empty_state.html", context)


def test_the_empty_state_offers_to_clear_filters_or_says_what_is_missing() -> None:
    filtered = render_empty(
        filtered=True, filtered_text="没有符合条件的组织。", reset_url="/orgs/", text="还没有组织。"
    )
    assert 'data-testid="empty-state"' in filtered and "没有符合条件的组织。" in filtered
    assert (
        'href="/orgs/" data-testid="empty-reset">清除筛选条件<' in filtered and "还没有组织" not in filtered
    )

    empty = render_empty(
        text="还没有组织。", hint="新建后显示在这里。", action_url="/new/", action_text="新建"
    )
    assert "还没有组织。" in empty and "新建后显示在这里。" in empty
    assert 'href="/new/" data-testid="empty-action">新建<' in empty and "empty-reset" not in empty

    plain = render_empty(text="还没有同义词。", testid="empty")
    assert 'data-testid="empty"' in plain and '<p class="mb-0">还没有同义词。</p>' in plain
