"""The audit log's vocabulary: record() writes only actions of AuditAction, each has a Chinese label, and
the audit page and its export show the label, never the code."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shanghui.audit.actions import AuditAction, action_label
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import record, verify_chain

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("action", list(AuditAction), ids=[a.value for a in AuditAction])
def test_every_action_has_a_chinese_label(action: AuditAction) -> None:
    assert CHINESE.search(str(action.label)), action.value
    assert action_label(action.value) == action.label != action.value


def test_labels_are_distinct() -> None:
    labels = [str(a.label) for a in AuditAction]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("action", ["test.step", "auth.log_in", "", "ORG.CREATE"])
def test_an_action_outside_the_vocabulary_is_refused_and_nothing_is_written(db, action: str) -> None:
    record(actor=None, action=AuditAction.ORG_CREATE)
    before = list(AuditEntry.objects.values_list("seq", "hash"))

    with pytest.raises(ValueError):
        record(actor=None, action=action)  # type: ignore[arg-type]  # what a typo would pass

    assert list(AuditEntry.objects.values_list("seq", "hash")) == before
    assert verify_chain().ok


def test_a_code_given_as_text_is_stored_as_the_same_code(db) -> None:
    entry = record(actor=None, action="followup.close")  # type: ignore[arg-type]  # as f"followup.{move}"
    assert AuditEntry.objects.get(pk=entry.pk).action == "followup.close" == AuditAction.FOLLOWUP_CLOSE
    assert verify_chain().ok


def test_a_row_whose_code_left_the_vocabulary_shows_its_code() -> None:
    assert AuditEntry(action="retired.action").action_label == "retired.action"


def test_the_page_and_its_filter_show_every_action_by_its_label(client, world, settings) -> None:
    settings.PAGE_SIZE = 500
    for action in AuditAction:
        record(actor=world.fed_admin, action=action, obj=world.fed_admin)
    client.force_login(world.auditor)

    response = client.get(reverse("audit:list"))

    html = response.content.decode()
    shown = re.findall(r'<span title="([^"]+)">([^<]+)</span>', html)
    assert {code for code, _label in shown} >= set(AuditAction.values)
    assert all(label == AuditAction(code).label for code, label in shown)
    choices = dict(response.context["form"].fields["action"].choices)
    assert all(choices[a.value] == a.label for a in AuditAction)
