"""The tests every transition table gets, generated from the table (CONVENTIONS.md: generated
transition tests). A programme's test module describes how to reach each state and who its actors are,
and receives the tests:

    WALKS = Walks(
        machine=MACHINE, fixture="pw", actor_kinds=(APPLICANT, AGENT, CLERK, SYSTEM),
        paths={"draft": [], "submitted": ["submit"], "needs_correction@forwarded": [...], …},
        new=lambda pw: pw.new_case(), actor_for=lambda pw, kind: …, params_for=lambda pw, action: {…},
    )
    test_allowed, test_refused, test_required, test_table = WALKS.tests(final={…})

* every allowed action × actor kind × state moves the record to the table's target and writes one
  event saying so (from, to, action, actor kind, actor);
* every refused combination raises what the table implies — TransitionError for an actor kind the
  action does not allow (checked first), Conflict for a status it does not start from or a rule that
  blocks it — and changes nothing: not a field of the record, not its timeline;
* an action without its required inputs is refused, naming each missing input, and changes nothing;
* the table itself: every status is reached by some path, final statuses have no way out, every other
  status has one.

A state is a status, or "status@label" when one status is reached in different ways that matter (a
correction asked from different steps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from shanghui.workflow.machine import Conflict, Machine, TransitionError


def status_of(state: str) -> str:
    return state.split("@")[0]


@dataclass(frozen=True)
class Walks:
    machine: Machine[Any]
    # The pytest fixture the helpers below receive (a namespace of personas and records).
    fixture: str
    actor_kinds: Sequence[str]
    paths: Mapping[str, Sequence[str]]
    new: Callable[[Any], Any]
    actor_for: Callable[[Any, str], Any]
    params_for: Callable[[Any, str], dict[str, Any]]

    def build(self, world: Any, state: str) -> Any:
        """A fresh record in `state`, walked there through the machine by whoever the table allows
        (actor kinds in the order given)."""
        record = self.new(world)
        for action in self.paths[state]:
            spec = self.machine.table[action]
            kind = next(k for k in self.actor_kinds if k in spec.actors)
            record = self.machine.transition(
                pk=record.pk, action=action, actor=self.actor_for(world, kind), actor_kind=kind,
                params=self.params_for(world, action),
            )  # fmt: skip
        assert self.machine.status_of(record) == status_of(state), state
        return record

    def expected(self, record: Any, action: str, kind: str) -> type[Exception] | str:
        """What the table says for this record: the exception a refusal raises, or the target status."""
        spec = self.machine.table[action]
        if kind not in spec.actors:
            return TransitionError
        if self.machine.status_of(record) not in spec.sources or self.machine.blocked(record, spec):
            return Conflict
        return spec.target or self.machine.target_of(record, spec)  # type: ignore[misc]

    def _snapshot(self, record: Any) -> tuple[dict[str, Any], list[int]]:
        machine = self.machine
        row = machine.model._default_manager.filter(pk=record.pk).values().get()
        events = machine.events._default_manager.filter(**{machine.event_fk: record.pk})
        return row, list(events.order_by("pk").values_list("pk", flat=True))

    def tests(self, *, final: set[str]) -> tuple[Callable[..., None], ...]:
        """The four generated tests, to assign to module-level names beginning with test_."""
        walks = self
        machine = self.machine
        # What the table allows by status and actor kind (a rule the status alone cannot say may still
        # block one for the record at hand: then it is a conflict that changes nothing).
        combos = [
            (a, k, s)
            for a, spec in machine.table.items()
            for k in self.actor_kinds
            for s in self.paths
            if k in spec.actors and status_of(s) in spec.sources
        ]

        @pytest.mark.parametrize(("action", "kind", "state"), combos, ids=["-".join(c) for c in combos])
        def test_an_allowed_action_moves_the_record_and_writes_one_event(
            request: Any, action: str, kind: str, state: str
        ) -> None:
            world = request.getfixturevalue(walks.fixture)
            record = walks.build(world, state)
            target = walks.expected(record, action, kind)
            before = walks._snapshot(record)
            act = dict(
                pk=record.pk, action=action, actor=walks.actor_for(world, kind), actor_kind=kind,
                expected_status=machine.status_of(record), params=walks.params_for(world, action),
            )  # fmt: skip
            if not isinstance(target, str):
                assert action not in [t.action for t in machine.allowed(record, {kind})]
                with pytest.raises(Conflict):
                    machine.transition(**act)
                assert walks._snapshot(record) == before
                return
            assert action in [t.action for t in machine.allowed(record, {kind})]

            moved = machine.transition(**act)

            assert machine.status_of(moved) == target
            row, events = walks._snapshot(record)
            assert row[machine.status_field] == target
            events_before = before[1]
            assert events[: len(events_before)] == events_before and len(events) == len(events_before) + 1
            event = machine.events._default_manager.get(pk=events[-1])
            assert (event.action, event.from_status, event.to_status, event.actor_kind) == (
                action, status_of(state), target, kind,
            )  # fmt: skip
            assert event.actor == walks.actor_for(world, kind)

        @pytest.mark.parametrize("kind", list(self.actor_kinds))
        @pytest.mark.parametrize("state", list(self.paths))
        def test_every_refused_action_raises_and_changes_nothing(request: Any, state: str, kind: str) -> None:
            world = request.getfixturevalue(walks.fixture)
            record = walks.build(world, state)
            before = walks._snapshot(record)
            offered = {t.action for t in machine.allowed(record, {kind})}
            problems: list[str] = []
            for action in machine.table:
                outcome = walks.expected(record, action, kind)
                if isinstance(outcome, str):
                    continue
                if action in offered:
                    problems.append(f"{action}: offered to {kind} although refused")
                try:
                    machine.transition(
                        pk=record.pk, action=action, actor=walks.actor_for(world, kind), actor_kind=kind,
                        params=walks.params_for(world, action),
                    )  # fmt: skip
                except (TransitionError, Conflict) as exc:
                    if not isinstance(exc, outcome):
                        problems.append(f"{action}: {type(exc).__name__} instead of {outcome.__name__}")
                else:
                    problems.append(f"{action} by {kind} from {state} succeeded; expected {outcome.__name__}")
                if walks._snapshot(record) != before:
                    problems.append(f"{action}: the record or its timeline changed")
                    before = walks._snapshot(record)
            assert problems == []

        required = [a for a, t in machine.table.items() if t.required]

        @pytest.mark.parametrize("action", required or [pytest.param("-", marks=pytest.mark.skip)])
        def test_an_action_without_its_required_inputs_is_refused(request: Any, action: str) -> None:
            world = request.getfixturevalue(walks.fixture)
            spec = machine.table[action]
            state = next(s for s in walks.paths if status_of(s) in spec.sources)
            kind = next(k for k in walks.actor_kinds if k in spec.actors)
            record = walks.build(world, state)
            before = walks._snapshot(record)
            with pytest.raises(TransitionError) as info:
                machine.transition(
                    pk=record.pk, action=action, actor=walks.actor_for(world, kind), actor_kind=kind
                )
            assert set(info.value.message_dict) == set(spec.required)
            assert walks._snapshot(record) == before

        def test_the_table_reaches_every_status_and_final_ones_have_no_way_out() -> None:
            statuses = set(machine._status_choices())
            assert {status_of(s) for s in walks.paths} == statuses, "paths must reach every status"
            for status in statuses:
                ways_out = [a for a, t in machine.table.items() if status in t.sources]
                assert (ways_out == []) == (status in final), f"{status}: ways out {ways_out}"

        return (
            test_an_allowed_action_moves_the_record_and_writes_one_event,
            test_every_refused_action_raises_and_changes_nothing,
            test_an_action_without_its_required_inputs_is_refused,
            test_the_table_reaches_every_status_and_final_ones_have_no_way_out,
        )
