"""A machine's timeline vocabulary: the table's actions and its other events, each with a label, checked
when the machine is declared."""

from __future__ import annotations

from typing import Any

import pytest

from shanghui.workflow.machine import Machine, action, table
from shanghui.workflow.tests.example import MACHINE, REQUESTER, Errand, ErrandEvent

S = Errand.Status


def machine(**kw: Any) -> Machine[Errand]:
    return Machine(
        model=Errand, events=ErrandEvent, event_fk="errand", actor_labels={},
        table=table(action("open", "发布", {S.DRAFT}, S.OPEN, {REQUESTER})), **kw,
    )  # fmt: skip


def test_the_vocabulary_is_the_table_and_the_other_events() -> None:
    declared = machine(other_events={"create": "登记", "overdue": "超期提醒"})
    assert declared.event_labels == {"open": "发布", "create": "登记", "overdue": "超期提醒"}
    assert declared.event_label("overdue") == "超期提醒"
    assert declared.event_label("retired") == "retired"  # an old row's code, as it was
    assert MACHINE.event_labels == {"open": "发布", "finish": "办完", "cancel": "取消"}


@pytest.mark.parametrize(
    ("other_events", "message"),
    [
        ({"create": ""}, "without a label: \\['create'\\]"),
        ({"create": "create"}, "without a label"),
        ({"open": "再次发布"}, "repeat actions of the table"),
    ],
)
def test_an_event_without_a_label_or_declared_twice_is_refused(
    other_events: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        machine(other_events=other_events)


def test_a_table_action_without_a_label_is_refused() -> None:
    with pytest.raises(ValueError, match="without a label"):
        Machine(
            model=Errand, events=ErrandEvent, event_fk="errand", actor_labels={},
            table=table(action("open", "", {S.DRAFT}, S.OPEN, {REQUESTER})),
        )  # fmt: skip


def test_new_event_refuses_an_unknown_action_and_builds_a_known_one() -> None:
    errand = Errand(pk=1)
    with pytest.raises(ValueError, match="unknown action 'created'"):
        MACHINE.new_event(errand, action="created", actor_kind="system")
    event = MACHINE.new_event(errand, action="open", actor_kind=REQUESTER)
    assert (event.errand, event.action, event.pk) == (errand, "open", None)
