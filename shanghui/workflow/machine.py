"""The workflow kernel: a record's states, the table of actions between them, and the one function
that moves a record (CONVENTIONS.md, habit 2).

A programme declares, next to its model:

    TABLE = table(
        action("submit", "提交申请", {Status.DRAFT}, Status.SUBMITTED, {APPLICANT, AGENT}),
        action("forward", "转递", {Status.SUBMITTED}, Status.FORWARDED, {AGENT}, required=("window",)),
    )
    MACHINE = Machine(model=Case, events=CaseEvent, event_fk="case", table=TABLE, noun="办件",
                      actor_labels={AGENT: "代办员", …}, effects={"forward": _forward, …}, after=[_notify])

and every write of a status goes through `MACHINE.transition(pk=…, action=…, actor=…, actor_kind=…)`:
the table's checks (actor, required inputs) before the row is touched, the row locked for the whole
transaction (`FOR UPDATE OF self`), the status the person saw compared with the one under the lock
(`Conflict`, HTTP 409, nothing changed), the action's effect on the record's fields, one event row,
the programme's `after` hooks in the same transaction (outbox rows, system messages, statistics) and
its `on_commit` hooks once the transaction has committed (broadcasts). A refused action changes
nothing: every check raises before the first write, and a write that raises rolls back with the rest.

Who acts is an *actor kind* ("agent", "clerk", "applicant", "system"): the programme's access.py says
which kinds a person holds on a record; the table says which kinds may take each action.
`shanghui/workflow/testing.py` generates the tests every table gets (each action × actor kind × state).

The record's timeline (its event rows) speaks one vocabulary: the table's actions, and the events that
are not transitions, declared with their labels in `other_events` ({"create": "创建办件", "overdue": …}).
Those are written with `MACHINE.record_event(record, action="overdue", …)`, which refuses an action the
vocabulary does not know; pages show `MACHINE.event_label(event.action)`. Every action has its label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from shanghui.workflow.models import EventBase

SYSTEM = "system"  # a background task: no person acted

R = TypeVar("R", bound=models.Model)


@dataclass(frozen=True)
class Transition:
    action: str
    # The label's message id (Chinese, marked with gettext_noop in the table); `label` is it translated.
    msgid: str
    sources: frozenset[str]
    # The target status; None means "decided by the record" (Machine.target_of), e.g. a resubmission
    # returns to where the correction was asked from.
    target: str | None
    actors: frozenset[str]
    # Inputs the action must be given (checked before the row is locked).
    required: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return gettext(self.msgid)


def action(
    name: str, label: str, sources: Iterable[str], target: str | None, actors: Iterable[str], **kw: Any
) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(actors), **kw)


def table(*transitions: Transition) -> dict[str, Transition]:
    """The transition table, by action name (in declaration order, which is the order pages offer them)."""
    names = [t.action for t in transitions]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"actions declared twice: {sorted(duplicates)}")
    return {t.action: t for t in transitions}


class TransitionError(ValidationError):
    """The action is not allowed for this actor (code "forbidden", HTTP 403), or its input is missing or
    invalid (HTTP 422). Raised before anything is written, or from an effect, which rolls back."""


class Conflict(Exception):
    """Someone else changed the record first, or its status does not allow the action (HTTP 409).
    Nothing was changed by this request. `record` is the record as it is now, `status` and
    `status_label` its current status (the API's error body carries them)."""

    def __init__(self, record: Any, message: str) -> None:
        super().__init__(message)
        self.record = record
        self.message = message
        self.status = str(getattr(record, "status", ""))
        display = getattr(record, "get_status_display", None)
        self.status_label = str(display()) if callable(display) else self.status


# An effect: what an action does to the record besides its status. Called with the row locked, inside
# the transaction; returns the names of the fields it changed (saved with the status).
Effect = Callable[[Any, dict[str, Any], dt.datetime], list[str]]
# Hooks in the same transaction, after the event row is written: (record, transition, event, before),
# where `before` is what Machine.snapshot read from the record before the change.
After = Callable[[Any, Transition, Any, Any], None]
# Hooks after the commit: (record, transition, event).
OnCommit = Callable[[Any, Transition, Any], None]


def _nothing_blocks(record: Any, spec: Transition) -> str:
    return ""


def _no_event_data(spec: Transition, params: dict[str, Any]) -> dict[str, Any]:
    return {}


def _no_snapshot(record: Any) -> None:
    return None


@dataclass
class Machine(Generic[R]):
    """A record type's workflow: its table and what its actions do. See the module docstring."""

    model: type[R]
    # The event model: a subclass of workflow.models.EventBase with a foreign key `event_fk` to `model`.
    events: type[EventBase]
    event_fk: str
    table: Mapping[str, Transition]
    actor_labels: Mapping[str, str]
    # How people call the record in messages: "办件状态已变为…".
    noun: str = "记录"
    status_field: str = "status"
    # Related rows loaded with the locked row (only the record's own row is locked).
    select_related: tuple[str, ...] = ()
    effects: Mapping[str, Effect] = field(default_factory=dict)
    # The one rule the status alone cannot say, as a reason ("" when the action is possible).
    blocked: Callable[[Any, Transition], str] = _nothing_blocks
    # The target of actions declared with target=None.
    target_of: Callable[[Any, Transition], str] | None = None
    # The action's parameters worth keeping on the event row (never personal data).
    event_data: Callable[[Transition, dict[str, Any]], dict[str, Any]] = _no_event_data
    snapshot: Callable[[Any], Any] = _no_snapshot
    after: Sequence[After] = ()
    on_commit: Sequence[OnCommit] = ()
    # The timeline's events that are not transitions (the record created, a clock overdue, a rating),
    # with their labels.
    other_events: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if both := set(self.other_events) & set(self.table):
            raise ValueError(f"other_events repeat actions of the table: {sorted(both)}")
        self.event_labels: dict[str, str] = {
            **{spec.action: spec.msgid for spec in self.table.values()},
            **self.other_events,
        }
        if unlabelled := sorted(a for a, label in self.event_labels.items() if not label or label == a):
            raise ValueError(f"events without a label: {unlabelled}")
        statuses = set(self._status_choices())
        for spec in self.table.values():
            unknown = (set(spec.sources) | ({spec.target} if spec.target else set())) - statuses
            if statuses and unknown:
                raise ValueError(f"{spec.action}: unknown statuses {sorted(unknown)}")
            if spec.target is None and self.target_of is None:
                raise ValueError(f"{spec.action} has no target and the machine no target_of")
        if missing := set(self.effects) - set(self.table):
            raise ValueError(f"effects for undeclared actions: {sorted(missing)}")

    def _status_choices(self) -> list[str]:
        status = self.model._meta.get_field(self.status_field)
        return [str(value) for value, _label in (status.choices or [])]  # type: ignore[union-attr]

    # --- Reading the table ------------------------------------------------------------------------------

    def status_of(self, record: Any) -> str:
        return str(getattr(record, self.status_field))

    def status_label(self, record: Any) -> str:
        return str(getattr(record, f"get_{self.status_field}_display")())

    def actor_label(self, kind: str) -> str:
        return gettext(self.actor_labels.get(kind, kind))

    def allowed(self, record: Any, actor_kinds: Iterable[str]) -> list[Transition]:
        """The actions these actor kinds may take on the record now, in table order."""
        kinds = set(actor_kinds)
        status = self.status_of(record)
        return [
            t
            for t in self.table.values()
            if status in t.sources and t.actors & kinds and not self.blocked(record, t)
        ]

    def spec(self, action_name: str) -> Transition:
        spec = self.table.get(action_name)
        if spec is None:
            raise TransitionError(gettext("未知的操作：%(action)s") % {"action": action_name})
        return spec

    def check(self, spec: Transition, actor_kind: str, params: dict[str, Any]) -> None:
        """What the table says before the row is touched: the actor kind, then the required inputs."""
        if actor_kind not in spec.actors:
            raise TransitionError(
                gettext("%(actor)s不能执行“%(action)s”")
                % {"actor": self.actor_label(actor_kind), "action": spec.label},
                code="forbidden",
            )
        missing = [name for name in spec.required if not params.get(name)]
        if missing:
            raise TransitionError({name: gettext("此项为必填项") for name in missing}, code="required")

    def stale(self, record: Any, expected_status: str) -> Conflict | None:
        """The conflict to answer when the record is no longer in the status the person saw."""
        if self.status_of(record) == expected_status:
            return None
        return Conflict(
            record,
            gettext("%(noun)s状态已变为“%(status)s”，请刷新后再操作")
            % {"noun": gettext(self.noun), "status": self.status_label(record)},
        )

    def event_label(self, action: str) -> str:
        """How the timeline names an event (an action no longer in the vocabulary shows as its code)."""
        return gettext(self.event_labels.get(action, action))

    # --- The timeline's other events ----------------------------------------------------------------------

    def new_event(self, record: Any, *, action: str, **fields: Any) -> Any:
        """An unsaved event row of `record` (for bulk_create); ValueError for an action outside the
        vocabulary. `fields`: from_status, to_status, actor, actor_kind, note, data, created_at."""
        if action not in self.event_labels:
            raise ValueError(f"{self.events.__name__}: unknown action {action!r}")
        return self.events(**{self.event_fk: record}, action=action, **fields)

    def record_event(self, record: Any, *, action: str, **fields: Any) -> Any:
        """Write an event that is not a transition (see new_event), in the caller's transaction."""
        event = self.new_event(record, action=action, **fields)
        event.save(force_insert=True)
        return event

    # --- The one write ------------------------------------------------------------------------------------

    def transition(
        self,
        *,
        pk: Any,
        action: str,
        actor: Any,
        actor_kind: str,
        expected_status: str | None = None,
        note: str = "",
        params: dict[str, Any] | None = None,
        locked: R | None = None,
    ) -> R:
        """Move a record by one action, or raise TransitionError / Conflict having changed nothing.

        The row stays locked until the transaction commits, so two people acting at once are serialised:
        the second sees the first one's result and gets Conflict. `expected_status` is the status the
        person saw when they chose the action (pages always send it).

        `locked`: the record as the caller already read it in its own open transaction, its row locked
        (FOR UPDATE OF the record alone) and `select_related` loaded — one read instead of two when the
        caller's access check read it under the lock (proxy/actions.act). It is moved in place.
        """
        params = dict(params or {})
        spec = self.spec(action)
        self.check(spec, actor_kind, params)
        if locked is not None and not transaction.get_connection().in_atomic_block:
            raise RuntimeError("transition(locked=…) needs the transaction the row was locked in")
        # Within the caller's transaction no savepoint of its own: whatever raises rolls the caller's back.
        with transaction.atomic(savepoint=locked is None):
            # Only the record's row (of=self): without it PostgreSQL locks every joined row too, and
            # every action on any record sharing one of them would wait for this one.
            record = locked if locked is not None else (
                self.model._default_manager.select_for_update(of=("self",))
                .select_related(*self.select_related)
                .get(pk=pk)
            )  # fmt: skip
            if expected_status is not None and (conflict := self.stale(record, expected_status)):
                raise conflict
            status = self.status_of(record)
            if status not in spec.sources:
                raise Conflict(
                    record,
                    gettext("%(noun)s当前状态为“%(status)s”，不能执行“%(action)s”")
                    % {"noun": gettext(self.noun), "status": self.status_label(record), "action": spec.label},
                )
            if reason := self.blocked(record, spec):
                raise Conflict(record, reason)
            now = timezone.now()
            before = self.snapshot(record)
            target = spec.target or self.target_of(record, spec)  # type: ignore[misc]  # checked in __post_init__
            effect = self.effects.get(spec.action)
            changed = effect(record, params, now) if effect else []
            setattr(record, self.status_field, target)
            fields = {*changed, self.status_field}
            if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
                fields.add("updated_at")
            record.save(update_fields=sorted(fields))
            event = self.events._default_manager.create(
                **{self.event_fk: record},
                action=spec.action,
                from_status=status,
                to_status=target,
                actor=actor,
                actor_kind=actor_kind,
                note=note or str(params.get("reason") or ""),
                data=self.event_data(spec, params),
                created_at=now,
            )
            for hook in self.after:
                hook(record, spec, event, before)
            for late in self.on_commit:
                transaction.on_commit(lambda late=late: late(record, spec, event))  # type: ignore[misc]
        return record
