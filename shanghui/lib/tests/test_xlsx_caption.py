"""The title row of a report's workbook: its name, scope, period, filters and time, empty parts left out;
and whose figures a viewer's report covers (orgs.access.scope_label)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from shanghui.lib.xlsx import Sheet, caption, write_xlsx
from shanghui.orgs.access import scope_label
from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import grant
from shanghui.testing.personas import superuser

UTC = dt.UTC


def test_the_caption_names_every_part_given_in_beijing_time() -> None:
    at = dt.datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
    assert (
        caption("志愿活动统计", scope="衢州市工商联", period="2026年", at=at)
        == "志愿活动统计　范围：衢州市工商联　期间：2026年　导出时间：2026-12-03 18:00"
    )
    assert (
        caption("捐赠列表", filters="状态：已登记", at=at)
        == "捐赠列表　筛选：状态：已登记　导出时间：2026-12-03 18:00"
    )
    assert caption("名册", at=at) == "名册　导出时间：2026-12-03 18:00"


def test_the_caption_is_the_first_row_and_the_header_stays_in_view() -> None:
    title = caption("统计", scope="=HYPERLINK(1)", at=dt.datetime(2026, 1, 1, tzinfo=UTC))
    handle = io.BytesIO()
    write_xlsx(handle, Sheet("表", ["名称", "数量（件）"], [["甲", 1]], caption=title))
    sheet = load_workbook(io.BytesIO(handle.getvalue())).active
    assert sheet is not None
    assert sheet["A1"].value == title and sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == ["名称", "数量（件）"]
    assert [c.value for c in sheet[3]] == ["甲", 1]


@pytest.mark.django_db
def test_the_scope_is_the_organisations_of_the_roles_asked(world: SimpleNamespace) -> None:
    readers = (Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.CHAMBER_ADMIN)
    assert scope_label(world.fed_admin, readers) == "衢州市工商联"
    both = grant(world.chamber_admin, world.chamber_b, Role.CHAMBER_ADMIN)
    assert scope_label(both, readers) == "、".join(sorted(["衢州在上海商会", "龙游在杭州商会"]))
    # A role that does not read these figures gives no scope; neither does no role at all.
    assert scope_label(world.agent, readers) == "—"
    assert scope_label(world.outsider, readers) == "—"
    assert scope_label(superuser("root"), readers) == "全部"
    assert scope_label(superuser("root2"), readers, everything="全部办件") == "全部办件"
