"""The audit page: who sees it, the filters, pagination, the Excel export (itself audited) and the
chain check."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record
from shanghui.orgs.models import Role
from shanghui.orgs.tests.factories import UserFactory, grant

URL = reverse("audit:list")
VERIFY_URL = reverse("audit:verify")


def as_user(client, user):
    client.force_login(user)
    return client


def xlsx_rows(response) -> list[tuple[Any, ...]]:
    """The rows of the export below its title row (what it is, its filters, the time; checked)."""
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    title, *rows = workbook.worksheets[0].iter_rows(values_only=True)
    assert str(title[0]).startswith("审计日志　筛选：") and "导出时间：" in str(title[0])
    return rows


def seqs(response) -> list[int]:
    return [entry.seq for entry in response.context["entries"]]


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["fed_admin", "auditor"])
def test_federation_admins_and_auditors_see_the_log(client, world, persona):
    response = as_user(client, getattr(world, persona)).get(URL)
    assert response.status_code == 200
    assert "审计日志" in response.content.decode()
    # The whole chain, rows about other counties and chambers included (see shanghui/audit/access.py).
    assert response.context["page"].paginator.count == AuditEntry.objects.count()


def test_superuser_sees_the_log(client, db):
    assert as_user(client, UserFactory(is_superuser=True)).get(URL).status_code == 200


@pytest.mark.parametrize(
    "persona",
    [
        "county_admin",
        "chamber_admin",
        "chamber_staff",
        "agent",
        "clerk",
        "dept_admin",
        "fed_staff",
        "outsider",
    ],
)
@pytest.mark.parametrize("url", [URL, VERIFY_URL, URL + "?export=xlsx"])
def test_everyone_else_gets_404(client, world, persona, url):
    response = as_user(client, getattr(world, persona)).get(url)
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="audit.export").exists()


@pytest.mark.parametrize("url", [URL, VERIFY_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_auditor_of_a_chamber_does_not_see_the_federation_log(client, world):
    # The log covers the whole tree: only roles held at its root open it.
    grant(world.outsider, world.chamber_a, Role.AUDITOR)
    assert as_user(client, world.outsider).get(URL).status_code == 404


def test_inactive_auditor_is_refused(client, world):
    world.auditor.is_active = False
    world.auditor.save()
    client.force_login(world.auditor)
    assert client.get(URL).status_code in (302, 404)


# --- list, filters, pagination --------------------------------------------------------------------


def test_rows_show_action_labels_and_actors_newest_first(client, world):
    record(actor=world.fed_admin, action=AuditAction.LOGIN, obj=world.fed_admin)
    response = as_user(client, world.auditor).get(URL)
    html = response.content.decode()
    assert seqs(response) == sorted(seqs(response), reverse=True)
    assert "table-responsive" in html
    assert "授予角色" in html and "登录" in html
    assert "fed_admin" in html


def test_filter_by_action(client, world):
    as_user(client, world.auditor)  # itself writes an auth.login row
    record(actor=world.fed_admin, action=AuditAction.LOGOUT, obj=world.fed_admin)
    record(actor=world.clerk, action=AuditAction.LOGOUT, obj=world.clerk)
    response = client.get(URL, {"action": "auth.logout"})
    entries = list(response.context["entries"])
    assert [e.actor_id for e in entries] == [world.clerk.pk, world.fed_admin.pk]
    assert response.context["page"].paginator.count == 2


def test_filter_by_actor_username(client, world):
    record(actor=world.fed_admin, action=AuditAction.LOGIN, obj=world.fed_admin)
    record(actor=world.clerk, action=AuditAction.LOGIN, obj=world.clerk)
    response = as_user(client, world.auditor).get(URL, {"actor": "CLER"})
    assert [e.actor_id for e in response.context["entries"]] == [world.clerk.pk]


def test_filter_by_date_range_uses_beijing_dates(client, world):
    entry = record(actor=world.clerk, action=AuditAction.LOGIN, obj=world.clerk)
    today = timezone.localdate()
    response = as_user(client, world.auditor).get(URL, {"date_from": today, "date_to": today})
    assert entry.seq in seqs(response)
    response = client.get(URL, {"date_to": today - dt.timedelta(days=1)})
    assert seqs(response) == []
    assert "没有符合筛选条件的审计记录" in response.content.decode()
    response = client.get(URL, {"date_from": today + dt.timedelta(days=1)})
    assert seqs(response) == []


def test_reversed_date_range_shows_an_error(client, world):
    today = timezone.localdate()
    response = as_user(client, world.auditor).get(
        URL, {"date_from": today, "date_to": today - dt.timedelta(days=3)}
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_unknown_action_is_ignored_with_an_error(client, world):
    response = as_user(client, world.auditor).get(URL, {"action": "no.such"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditEntry.objects.count()


def test_pagination_keeps_the_filters(client, world, settings):
    settings.PAGE_SIZE = 5
    for _ in range(12):
        record(actor=world.clerk, action=AuditAction.LOGIN, obj=world.clerk)
    response = as_user(client, world.auditor).get(URL, {"action": "auth.login", "page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["entries"]) == 5
    html = response.content.decode()
    assert "action=auth.login&amp;page=3" in html
    assert client.get(URL, {"action": "auth.login", "page": 99}).context["page"].number == 3


def test_empty_state(client, world):
    response = as_user(client, world.auditor).get(URL, {"actor": "nobody-at-all"})
    html = response.content.decode()
    assert 'data-testid="empty"' in html
    assert "audit-table" not in html


def test_query_count_does_not_grow_with_rows(client, world):
    as_user(client, world.auditor)
    client.get(URL)  # warm up: session, content types
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(15):
        record(actor=world.clerk, action=AuditAction.LOGIN, obj=world.clerk)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- export ---------------------------------------------------------------------------------------


def test_export_is_the_filtered_list_and_is_audited(client, world):
    as_user(client, world.auditor)  # itself writes an auth.login row
    record(actor=world.fed_admin, action=AuditAction.LOGOUT, obj=world.fed_admin)
    record(actor=world.clerk, action=AuditAction.LOGOUT, obj=world.clerk)
    record(actor=world.clerk, action=AuditAction.LOGIN, obj=world.clerk)
    response = client.get(URL, {"action": "auth.logout", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]

    rows = xlsx_rows(response)
    assert rows[0][:4] == ("序号", "时间", "操作人", "操作")
    assert len(rows) == 3
    assert [row[4] for row in rows[1:]] == ["auth.logout", "auth.logout"]
    # People by name, with the login they used.
    assert [row[2] for row in rows[1:]] == [
        f"{world.clerk.name}（clerk）",
        f"{world.fed_admin.name}（fed_admin）",
    ]
    assert rows[1][3] == "退出登录"

    export = AuditEntry.objects.latest("seq")
    assert export.action == "audit.export"
    assert export.actor_id == world.auditor.pk
    assert export.detail == {"filters": {"action": "auth.logout"}, "rows": 2}


def test_export_without_filters_contains_every_row(client, world):
    as_user(client, world.fed_admin)
    count = AuditEntry.objects.count()
    response = client.get(URL, {"export": "xlsx"})
    assert len(xlsx_rows(response)) == count + 1
    assert AuditEntry.objects.latest("seq").detail == {"filters": {}, "rows": count}


# --- chain check ----------------------------------------------------------------------------------


def test_verify_button_shows_an_intact_chain(client, world):
    as_user(client, world.auditor)
    assert "校验哈希链" in client.get(URL).content.decode()
    response = client.get(VERIFY_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "哈希链完整" in html and f"已校验 {AuditEntry.objects.count()} 行" in html
    assert "<html" in html


def test_verify_with_htmx_returns_only_the_result(client, world):
    response = as_user(client, world.auditor).get(VERIFY_URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'data-testid="verify-ok"' in html
    assert "<html" not in html


def test_verify_names_the_broken_row(client, world):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(AuditEntry._meta.db_table)} SET object_repr = %s WHERE seq = %s",  # noqa: S608
            ["forged", 4],
        )
    html = as_user(client, world.fed_admin).get(VERIFY_URL).content.decode()
    assert 'data-testid="verify-broken"' in html
    assert "第 4 行断开" in html


def test_verify_anchors_the_head_and_then_finds_a_deleted_tail(client, world):
    as_user(client, world.auditor)
    html = client.get(VERIFY_URL).content.decode()
    head = AuditEntry.objects.order_by("-seq").first()
    assert head is not None
    assert f"已把第 {head.seq} 行写入锚点" in html and "与 0 个锚点相符" in html
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(AuditEntry._meta.db_table)} WHERE seq = %s",  # noqa: S608
            [head.seq],
        )
    html = client.get(VERIFY_URL).content.decode()
    assert 'data-testid="verify-broken"' in html
    assert f"第 {head.seq} 行缺失" in html and "末尾的行被删除" in html


def test_verify_reports_an_anchor_store_it_cannot_write(client, world, settings, tmp_path):
    settings.AUDIT_ANCHOR = [f"file:{tmp_path}"]
    html = as_user(client, world.auditor).get(VERIFY_URL).content.decode()
    assert 'data-testid="verify-ok"' in html
    assert 'data-testid="verify-anchor-problem"' in html and "无法写入锚点文件" in html


def test_details_read_as_sentences_with_names_not_codes(client, world):
    record(actor=world.fed_admin, action=AuditAction.ROLE_GRANT, obj=world.agent,
           detail={"org_id": world.point_a.pk, "role": "agent"})  # fmt: skip
    record(actor=world.agent, action=AuditAction.PII_REVEAL, obj=world.agent,
           detail={"field": "applicant_id_number", "via": "api"})  # fmt: skip
    as_user(client, world.auditor)
    html = client.get(URL).content.decode()
    assert "组织：上海代办点；角色：代办员" in html
    assert "字段：申请人身份证号；途径：API" in html
    assert f"{world.fed_admin.name}（fed_admin）" in html
    table = html[html.index('data-testid="audit-table"') :]
    assert "{&quot;" not in table and "&quot;:" not in table  # no JSON in the table

    rows = xlsx_rows(client.get(URL, {"export": "xlsx"}))
    grant = next(row for row in rows[1:] if row[4] == "role.grant")
    assert grant[9] == "组织：上海代办点；角色：代办员"
    assert '"role": "agent"' in grant[10]  # the raw detail stays in the export for machines
