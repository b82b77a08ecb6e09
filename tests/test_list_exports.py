"""Every Excel download of the site goes through one path (lib/xlsx.py): text people typed that Excel
would run as a formula arrives as plain text, whichever list it comes from, and each list's export
writes its audit row."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record
from shanghui.catalog.models import ServiceItem
from shanghui.lib.xlsx import escape_formula, unescape_formula
from shanghui.orgs.models import Organisation

# One of each start Excel reads as a formula: = + - @
CHAMBER = '=HYPERLINK("http://example.com/x","打开")'
MEMBER = "+1+1 张"
ITEM = "-1+1 身份证办理"
OBJECT = "@SUM(1,1)"


@pytest.fixture
def typed(pw: SimpleNamespace) -> SimpleNamespace:  # noqa: F811
    """Names typed by people that start like formulas, on a chamber, a member, an item (and the case
    of it), and an audit row."""
    pw.submitted()
    Organisation.objects.filter(pk=pw.chamber_a.pk).update(name=CHAMBER)
    User.objects.filter(pk=pw.clerk.pk).update(name=MEMBER)
    ServiceItem.objects.filter(pk=pw.item.pk).update(name=ITEM)
    record(actor=None, action=AuditAction.ORG_UPDATE, object_repr=OBJECT)
    return pw


def cells(response: Any) -> list[Any]:
    """Every value of every sheet of an .xlsx download."""
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [value for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row]


# (list, its export address, the text typed into it, the export's audit action)
EXPORTS = [
    ("orgs", reverse("orgs:list") + "?export=xlsx", CHAMBER, AuditAction.ORG_EXPORT),
    ("members", reverse("orgs:member_list") + "?export=xlsx", MEMBER, AuditAction.MEMBER_EXPORT),
    ("catalog", reverse("catalog:item_export"), ITEM, AuditAction.CATALOG_EXPORT),
    ("cases", reverse("proxy:list") + "?export=xlsx", ITEM, AuditAction.CASE_EXPORT),
    ("case-stats", reverse("proxy:stats") + "?export=xlsx", CHAMBER, AuditAction.CASE_STATS_EXPORT),
    ("audit", reverse("audit:list") + "?export=xlsx", OBJECT, AuditAction.AUDIT_EXPORT),
]


@pytest.mark.parametrize(("url", "text", "action"), [e[1:] for e in EXPORTS], ids=[e[0] for e in EXPORTS])
def test_every_export_writes_typed_formulas_as_text_and_is_audited(
    client: Client, typed: SimpleNamespace, url: str, text: str, action: AuditAction
) -> None:
    client.force_login(typed.fed_admin)

    response = client.get(url)

    assert response.status_code == 200
    values = cells(response)
    assert "'" + text in values
    assert text not in values
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor_id) == (action, typed.fed_admin.pk)


def test_the_rule_is_undone_exactly_when_a_file_is_read_back() -> None:
    for text in (CHAMBER, MEMBER, ITEM, OBJECT):
        assert unescape_formula(escape_formula(text)) == text
    for harmless in ("张三", "'引号开头", "", "1+1"):
        assert escape_formula(harmless) == harmless == unescape_formula(harmless)
    assert escape_formula(-5) == -5  # numbers are numbers, not typed text
