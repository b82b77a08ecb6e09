"""Every workflow action × every actor kind × every status, generated from TRANSITIONS.

An allowed combination moves the case to the table's target and writes one timeline event; a
disallowed one raises TransitionError (wrong actor, checked first) or Conflict (wrong status) and
changes nothing: not the status, not the timeline. Then the access side: who sees a case, and who may
act on it, with the shared personas.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from shanghui.notify.models import OutboxMessage
from shanghui.orgs.models import Role
from shanghui.proxy import access, services
from shanghui.proxy.models import FINAL_STATUSES, Case, CaseEvent, Status
from shanghui.proxy.workflow import (
    AGENT,
    APPLICANT,
    CLERK,
    SYSTEM,
    TRANSITIONS,
    Conflict,
    TransitionError,
    allowed_actions,
    transition,
)
from shanghui.testing.cases import PATHS, pdf_upload
from shanghui.testing.personas import person

ACTOR_KINDS = (APPLICANT, AGENT, CLERK, SYSTEM)

# The parameters each action needs (TRANSITIONS names them in `required`); the window is the fixture's.
PARAMS: dict[str, dict[str, Any]] = {
    "request_correction": {"correction_items": ["户口簿首页不清晰，请重新拍摄"]},
    "forward": {"window": "WINDOW", "tracking_number": "SF1234567890"},
    "accept": {"acceptance_number": "KC-2026-0001"},
    "refuse": {"reason": "非本窗口受理范围"},
    "window_correction": {"correction_items": ["请补充近期免冠照片"]},
    "suspend": {"reason": "等待外省公安核查"},
    "terminate": {"reason": "申请人死亡，办理终止"},
    "complete": {"result": "granted", "delivery_method": "pickup"},
}

# How a case reaches each state: the test kit's PATHS (shanghui/testing/cases.py). A case waiting for
# correction appears three times: it returns to where the correction was asked from.
RETURNS_TO = {
    "needs_correction": Status.SUBMITTED,
    "needs_correction@forwarded": Status.FORWARDED,
    "needs_correction@accepted": Status.ACCEPTED,
}


def status_of(state: str) -> str:
    return state.split("@")[0]


def params_for(pw: SimpleNamespace, action: str) -> dict[str, Any]:
    params = dict(PARAMS.get(action, {}))
    if params.get("window") == "WINDOW":
        params["window"] = pw.window
    return params


def actor_for(pw: SimpleNamespace, kind: str) -> Any:
    return {AGENT: pw.agent, CLERK: pw.clerk}.get(kind)  # applicant and system act without a login


def build(pw: SimpleNamespace, state: str) -> Case:
    """A fresh case in `state`, walked there through the workflow by whoever the table allows."""
    return pw.case_in(state, params=PARAMS)


def expected(action: str, kind: str, state: str) -> type[Exception] | str:
    """What the table says: the exception a disallowed combination raises, or the target status."""
    spec = TRANSITIONS[action]
    if kind not in spec.actors:
        return TransitionError
    if status_of(state) not in spec.sources:
        return Conflict
    if action == "withdraw" and RETURNS_TO.get(state) == Status.ACCEPTED:
        # The citizen may withdraw only before acceptance: a correction asked by the window after
        # accepting does not reopen that door.
        return Conflict
    return spec.target or RETURNS_TO[state]


# docs/workflow.md, "Notifications per action": (agents of the point, clerks of the window, SMS).
NOTIFIES = {
    "submit": (True, False, True), "request_correction": (False, False, True), "resubmit": (True, True, False),
    "forward": (False, True, True), "accept": (True, False, True), "refuse": (True, False, True),
    "window_correction": (True, False, True), "suspend": (True, False, True), "resume": (True, False, True),
    "terminate": (True, False, True), "complete": (True, False, True), "deliver": (True, False, False),
    "close": (False, False, False), "withdraw": (True, True, False),
}  # fmt: skip

COMBINATIONS = [(action, kind, state) for action in TRANSITIONS for kind in ACTOR_KINDS for state in PATHS]
ALLOWED = [combo for combo in COMBINATIONS if isinstance(expected(*combo), str)]


def test_the_states_cover_every_status_and_final_statuses_have_no_way_out():
    assert {status_of(state) for state in PATHS} == set(Status.values)
    for status in FINAL_STATUSES:
        assert [a for a, t in TRANSITIONS.items() if status in t.sources] == [], status
    for open_status in set(Status.values) - FINAL_STATUSES:
        assert any(open_status in t.sources for t in TRANSITIONS.values()), f"{open_status} is a dead end"
    # Every status but draft can be reached by some action.
    targets: set[str | None] = {t.target for t in TRANSITIONS.values()} | set(RETURNS_TO.values())
    assert set(Status.values) - targets == {Status.DRAFT}


@pytest.mark.parametrize(("action", "kind", "state"), ALLOWED, ids=["-".join(c) for c in ALLOWED])
def test_an_allowed_action_moves_the_case_and_writes_one_event(pw, action, kind, state):
    # Given a case in `state`
    case = build(pw, state)
    events_before = CaseEvent.objects.filter(case=case).count()
    assert action in [t.action for t in allowed_actions(case, {kind})]

    # When the actor the table allows performs the action, with the status they saw
    moved = transition(
        case_id=case.pk, action=action, actor=actor_for(pw, kind), actor_kind=kind,
        expected_status=case.status, params=params_for(pw, action),
    )  # fmt: skip

    # Then the case is in the target status, and the timeline has exactly one new event saying so
    target = expected(action, kind, state)
    case.refresh_from_db()
    assert moved.status == case.status == target
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert len(events) == events_before + 1
    event = events[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_kind) == (
        action, status_of(state), target, kind,
    )  # fmt: skip
    assert event.actor == actor_for(pw, kind)
    if target in FINAL_STATUSES:
        assert case.closed_at is not None and case.paused_at is None

    # and the people concerned are notified as docs/workflow.md says (never the one who acted)
    agents, clerks, sms = NOTIFIES[action]
    rows = OutboxMessage.objects.filter(key__startswith=f"case:{case.pk}:event:{event.pk}:")
    told = ({"agent"} if agents else set()) | ({"clerk"} if clerks and case.window_id else set())
    if event.actor is not None:
        told.discard(event.actor.username)
    assert set(rows.filter(channel="in_app").values_list("recipient__username", flat=True)) == told
    assert rows.filter(channel="sms", address=case.applicant_mobile).exists() == sms


@pytest.mark.parametrize("kind", ACTOR_KINDS)
@pytest.mark.parametrize("state", list(PATHS))
def test_every_disallowed_action_is_refused_and_changes_nothing(pw, state, kind):
    # Given a case in `state`
    case = build(pw, state)
    snapshot = Case.objects.filter(pk=case.pk).values().get()
    events_before = list(CaseEvent.objects.filter(case=case).values_list("id", flat=True))
    offered = {t.action for t in allowed_actions(case, {kind})}
    problems: list[str] = []

    for action in TRANSITIONS:
        outcome = expected(action, kind, state)
        if isinstance(outcome, str):
            continue  # allowed: the test above
        if action in offered and outcome is TransitionError:
            problems.append(f"{action}: offered to {kind} although the table does not allow it")
        # When the actor tries it (with every parameter it would need)
        try:
            transition(
                case_id=case.pk, action=action, actor=actor_for(pw, kind), actor_kind=kind,
                params=params_for(pw, action),
            )  # fmt: skip
        except (TransitionError, Conflict) as exc:
            # Then it raises the error the table implies…
            if not isinstance(exc, outcome):
                problems.append(f"{action}: {type(exc).__name__} instead of {outcome.__name__}: {exc}")
        else:
            problems.append(f"{action} by {kind} from {state} succeeded; expected {outcome.__name__}")
        # …and nothing changed: not a field of the case, not the timeline.
        if Case.objects.filter(pk=case.pk).values().get() != snapshot:
            problems.append(f"{action}: the case changed")
            snapshot = Case.objects.filter(pk=case.pk).values().get()
        if list(CaseEvent.objects.filter(case=case).values_list("id", flat=True)) != events_before:
            problems.append(f"{action}: the timeline changed")

    assert problems == []


@pytest.mark.parametrize("action", [a for a, t in TRANSITIONS.items() if t.required])
def test_an_action_without_its_required_input_is_refused_and_changes_nothing(pw, action):
    spec = TRANSITIONS[action]
    state = next(s for s in PATHS if status_of(s) in spec.sources and s not in RETURNS_TO)
    kind = next(k for k in ACTOR_KINDS if k in spec.actors)
    case = build(pw, state)
    events = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(TransitionError) as info:
        transition(case_id=case.pk, action=action, actor=actor_for(pw, kind), actor_kind=kind, params={})

    assert set(info.value.message_dict) == set(spec.required)
    case.refresh_from_db()
    assert case.status == status_of(state)
    assert CaseEvent.objects.filter(case=case).count() == events


def test_submitting_without_a_required_material_is_refused_whoever_calls(pw):
    # Given a draft with no file for the required 居民户口簿 (the API calls transition() directly)
    case = pw.new_case()
    events = CaseEvent.objects.filter(case=case).count()

    # When it is submitted, Then the workflow itself refuses it and names the material
    with pytest.raises(TransitionError) as info:
        transition(case_id=case.pk, action="submit", actor=pw.agent, actor_kind=AGENT)
    assert "居民户口簿" in info.value.message_dict["materials"][0]
    case.refresh_from_db()
    assert case.status == Status.DRAFT
    assert CaseEvent.objects.filter(case=case).count() == events

    # And once the file is there it goes through
    services.add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)
    assert (
        transition(case_id=case.pk, action="submit", actor=pw.agent, actor_kind=AGENT).status
        == Status.SUBMITTED
    )


def test_a_stale_page_gets_a_conflict_even_when_the_action_is_still_possible(pw):
    # Given an agent's page showing a submitted case, and the case forwarded meanwhile
    case = build(pw, "submitted")
    transition(
        case_id=case.pk, action="forward", actor=pw.agent, actor_kind=AGENT, params={"window": pw.window}
    )

    # When the citizen's page, still showing "submitted", withdraws (possible from forwarded too)
    with pytest.raises(Conflict) as info:
        transition(
            case_id=case.pk,
            action="withdraw",
            actor=None,
            actor_kind=APPLICANT,
            expected_status=Status.SUBMITTED,
        )

    # Then the citizen is told the status changed, and the case stays forwarded
    assert "已转递" in info.value.message
    case.refresh_from_db()
    assert case.status == Status.FORWARDED


def test_withdrawal_is_not_offered_after_acceptance(pw):
    case = build(pw, "needs_correction@accepted")
    assert "withdraw" not in {t.action for t in allowed_actions(case, {APPLICANT, AGENT})}
    assert "resubmit" in {t.action for t in allowed_actions(case, {APPLICANT})}
    case = build(pw, "needs_correction")
    assert "withdraw" in {t.action for t in allowed_actions(case, {APPLICANT})}


# --- Access ------------------------------------------------------------------------------------------


@pytest.fixture
def others(pw: SimpleNamespace) -> SimpleNamespace:
    """A clerk of another window (人社, 龙游) besides the shared personas."""
    pw.clerk2 = person("clerk2", (pw.window2, Role.WINDOW_CLERK))
    return pw


def test_the_agent_of_the_point_acts_as_agent(others):
    case = build(others, "draft")
    assert access.actor_kinds(others.agent, case) == {AGENT}
    assert access.get_case_for_user(others.agent, case.pk, write=True) == case


def test_the_window_clerk_sees_and_acts_only_after_forwarding(others):
    # Given a submitted case, not yet forwarded
    case = build(others, "submitted")
    assert access.actor_kinds(others.clerk, case) == set()
    with pytest.raises(Http404):
        access.get_case_for_user(others.clerk, case.pk)

    # When the agent forwards it to the clerk's window
    case = transition(
        case_id=case.pk,
        action="forward",
        actor=others.agent,
        actor_kind=AGENT,
        params={"window": others.window},
    )

    # Then the clerk sees it and acts as clerk
    assert access.actor_kinds(others.clerk, case) == {CLERK}
    assert access.get_case_for_user(others.clerk, case.pk, write=True) == case


@pytest.mark.parametrize("who", ["agent_b", "chamber_admin_b", "clerk2", "outsider", "county_admin"])
def test_outsiders_do_not_see_the_case_at_all(others, who):
    case = build(others, "forwarded")
    user = getattr(others, who)
    assert access.actor_kinds(user, case) == set()
    for write in (False, True):
        with pytest.raises(Http404):
            access.get_case_for_user(user, case.pk, write=write)
    assert not access.cases_for_user(user).filter(pk=case.pk).exists()


@pytest.mark.parametrize("who", ["auditor", "fed_admin", "fed_staff", "chamber_admin", "dept_admin"])
def test_supervisors_see_the_case_but_may_not_act(others, who):
    case = build(others, "forwarded")
    user = getattr(others, who)
    assert access.get_case_for_user(user, case.pk) == case
    assert access.actor_kinds(user, case) == set()
    with pytest.raises(PermissionDenied):
        access.get_case_for_user(user, case.pk, write=True)
