"""The three clocks of a proxy case, declared with the workflow kernel (shanghui/workflow/clocks.py):

  review      the proxy point's pre-review: from submission, PointSettings.review_days working days
  acceptance  the window's acceptance: from forwarding, PROXY_ACCEPTANCE_DAYS working days
  processing  the promised (or legal) time limit of the pinned item version, from acceptance

A correction request pauses the running clock until the citizen resubmits; a suspension pauses
processing until the window resumes. What a warning and an overdue clock do (who is told, the timeline
entry) is declared here too; workflow/deadlines.py schedules and runs the checks.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.catalog.models import LimitUnit
from shanghui.notify.services import notify_users
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.proxy.models import Case, CaseEvent, Clock, PointSettings, Status
from shanghui.workflow.clocks import CALENDAR_DAYS, WORKING_DAYS, Clocks, ClockSpec, Period
from shanghui.workflow.deadlines import Check, Deadlines


def _paused_clock(case: Case) -> str:
    """The clock a paused case stopped: the one of the status it returns to, or processing when suspended."""
    status = Status.ACCEPTED if case.status == Status.SUSPENDED else case.return_status
    return next((spec.name for spec in CLOCKS if status in spec.runs_in), "")


def _finished_early(case: Case, spec: ClockSpec) -> Any:
    # A refusal ends the acceptance step too.
    if spec.name == Clock.ACCEPTANCE and case.status == Status.REFUSED:
        return case.closed_at
    return None


CLOCKS = Clocks(
    ClockSpec(Clock.REVIEW, Clock.REVIEW.label, runs_in={Status.SUBMITTED}, started="submitted_at",
              due="review_due_at", ended="forwarded_at"),
    ClockSpec(Clock.ACCEPTANCE, Clock.ACCEPTANCE.label, runs_in={Status.FORWARDED}, started="forwarded_at",
              due="acceptance_due_at", ended="accepted_at"),
    ClockSpec(Clock.PROCESSING, Clock.PROCESSING.label, runs_in={Status.ACCEPTED}, started="accepted_at",
              due="processing_due_at", ended="completed_at"),
    paused_clock=_paused_clock,
    finished_early=_finished_early,
)  # fmt: skip


# --- Periods -----------------------------------------------------------------------------------------


def review_days(point_id: int) -> int:
    settings_row = PointSettings.objects.filter(proxy_point_id=point_id).values_list("review_days", flat=True)
    return settings_row.first() or settings.PROXY_REVIEW_DAYS


def review_period(case: Case) -> Period:
    return Period(review_days(case.proxy_point_id))


def acceptance_period() -> Period:
    return Period(settings.PROXY_ACCEPTANCE_DAYS)


def processing_period(case: Case) -> Period:
    """The item's promised time limit (or the legal one), as the pinned version says."""
    snapshot = case.item_version.snapshot
    days = (
        snapshot.get("promised_limit")
        or snapshot.get("legal_limit")
        or settings.PROXY_DEFAULT_PROCESSING_DAYS
    )
    unit = (
        snapshot.get("promised_limit_unit")
        if snapshot.get("promised_limit")
        else snapshot.get("legal_limit_unit")
    )
    return Period(int(days), CALENDAR_DAYS if unit == LimitUnit.CALENDAR_DAYS else WORKING_DAYS)


def processing_due(case: Case, start: Any) -> Any:
    return processing_period(case).due(start)


# --- Warnings and escalation -----------------------------------------------------------------------

# Whose clock it is: the organisation field of the case and the role there.
RESPONSIBLE = {Clock.REVIEW: ("proxy_point_id", Role.AGENT), Clock.ACCEPTANCE: ("window_id", Role.WINDOW_CLERK),
               Clock.PROCESSING: ("window_id", Role.WINDOW_CLERK)}  # fmt: skip


def staff_of(org_id: int | None, role: str) -> list[User]:
    if org_id is None:
        return []
    return list(
        User.objects.filter(
            memberships__organisation_id=org_id, memberships__role=role, is_active=True
        ).distinct()
    )


def _supervisors(case: Case) -> list[User]:
    """Who hears of an overdue case: the department's admins and the federation admins above the
    proxy point's chamber."""
    point = Organisation.objects.get(pk=case.proxy_point_id)
    federation_ids = [org.pk for org in point.ancestors() if org.kind == OrgKind.FEDERATION]
    users = User.objects.filter(is_active=True, memberships__organisation_id=case.department_id,
                                memberships__role=Role.DEPARTMENT_ADMIN)  # fmt: skip
    users |= User.objects.filter(is_active=True, memberships__organisation_id__in=federation_ids,
                                 memberships__role=Role.FEDERATION_ADMIN)  # fmt: skip
    return list(users.distinct())


def warn(case: Case, check: Check) -> bool:
    """Three quarters of the time gone: the people whose clock it is, and their organisation's robots
    (and those above it)."""
    field, role = RESPONSIBLE[Clock(check.clock.name)]
    responsible_org: int | None = getattr(case, field)
    responsible = staff_of(responsible_org, role)
    local_due = timezone.localtime(check.due).strftime("%m月%d日 %H:%M")
    notify_users(users=responsible, event="case.due_soon", key=f"case:{case.pk}:{check.key}",
                 title=f"办件{case.number}即将超期", body=f"{check.clock.label}时限为 {local_due}",
                 url=reverse("proxy:detail", args=[case.pk]), subject=f"proxy.case:{case.pk}",
                 orgs=[o for o in [responsible_org] if o])  # fmt: skip
    return bool(responsible)


def escalate(case: Case, check: Check) -> bool:
    """Overdue: the people responsible and their supervisors; the timeline records it, once per clock
    and due time however often the same check runs."""
    clock, label = check.clock.name, check.clock.label
    if CaseEvent.objects.filter(
        case=case, action="overdue", data__clock=clock, data__due=check.due_iso
    ).exists():
        return False
    from shanghui.proxy.workflow import MACHINE  # the machine's effects start these clocks

    MACHINE.record_event(
        case, action="overdue", from_status=case.status, to_status=case.status, actor=None,
        actor_kind="system", note=f"{label}已超期，已通知责任人和主管部门",
        data={"clock": clock, "due": check.due_iso}, created_at=timezone.now(),
    )  # fmt: skip
    field, role = RESPONSIBLE[Clock(clock)]
    responsible_org: int | None = getattr(case, field)
    # Escalation reaches the robots the supervisors read: the responsible organisation's, the
    # department's, and those above the proxy point (its chamber, the federations).
    notify_users(users=[*staff_of(responsible_org, role), *_supervisors(case)], event="case.overdue",
                 key=f"case:{case.pk}:{check.key}", title=f"办件{case.number}已超期", body=f"{label}已超过时限",
                 url=reverse("proxy:detail", args=[case.pk]), subject=f"proxy.case:{case.pk}",
                 orgs=[o for o in [responsible_org, case.proxy_point_id, case.department_id] if o])  # fmt: skip
    return True


def _check_task() -> Any:
    from shanghui.proxy.tasks import check_deadline

    return check_deadline


DEADLINES = Deadlines(model=Case, clocks=CLOCKS, on_warn=warn, on_overdue=escalate, task=_check_task)
