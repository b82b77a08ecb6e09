"""Volunteer hours: pending until the organiser approves; a correction (asked by the volunteer or made by
the organiser) is a new row referring to the one it corrects, decided the same way. Approving a correction
supersedes the row it corrects; rows are never edited in place."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.activities.models import HourRecord, HourState, StarLevel, Volunteer
from shanghui.activities.workflow import MACHINE, ORGANISER

MAX_HOURS = Decimal("24.0")


def decide(*, actor: User, records: Iterable[HourRecord], approve: bool) -> int:
    """Approve (or reject) pending records; returns how many were decided. Each activity's timeline gets
    one event per decision."""
    now = timezone.now()
    ids = [r.pk for r in records]
    decided = 0
    with transaction.atomic():
        rows = list(
            HourRecord.objects.select_for_update()
            .filter(pk__in=ids)
            .select_related("activity")
            .order_by("pk")
        )
        for row in rows:
            if row.state != HourState.PENDING:
                continue
            if approve and row.corrects_id:
                HourRecord.objects.filter(pk=row.corrects_id).update(state=HourState.SUPERSEDED)
            row.state = HourState.APPROVED if approve else HourState.REJECTED
            row.decided_by, row.decided_at = actor, now
            row.save(update_fields=["state", "decided_by", "decided_at"])
            decided += 1
        for activity in {row.activity for row in rows}:
            MACHINE.record_event(
                activity, action="hours", actor=actor, actor_kind=ORGANISER, created_at=now,
                data={"approved" if approve else "rejected": [r.pk for r in rows if r.activity_id == activity.pk]},
            )  # fmt: skip
    return decided


def _parse_hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": "请填写时长（小时），如 2.5"}) from None
    if hours < 0 or hours > MAX_HOURS:
        raise ValidationError({"hours": "时长应在 0–24 小时之间"})
    if hours * 2 != int(hours * 2):
        raise ValidationError({"hours": "时长以 0.5 小时为单位"})
    return hours


def request_correction(
    *, record: HourRecord, hours: object, reason: str, actor: User | None = None, by_volunteer: bool = True
) -> HourRecord:
    """A new pending row for the same service with the hours asked for, referring to `record`."""
    value = _parse_hours(hours)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请说明更正理由"})
    with transaction.atomic():
        locked = HourRecord.objects.select_for_update().get(pk=record.pk)
        if locked.state in (HourState.SUPERSEDED,):
            raise ValidationError(_("该记录已被更正，请对最新记录申请更正"))
        if HourRecord.objects.filter(corrects=locked, state=HourState.PENDING).exists():
            raise ValidationError(_("已有一条待审核的更正申请"))
        if value == locked.hours and locked.state != HourState.REJECTED:
            raise ValidationError({"hours": "更正后的时长与原记录相同"})
        correction = HourRecord.objects.create(
            signup_id=locked.signup_id, volunteer_id=locked.volunteer_id, activity_id=locked.activity_id,
            organisation_id=locked.organisation_id, kind_id=locked.kind_id, served_on=locked.served_on,
            minutes=locked.minutes, hours=value, state=HourState.PENDING, corrects=locked, reason=reason[:200],
            requested_by_volunteer=by_volunteer, created_at=timezone.now(),
        )  # fmt: skip
    return correction


def approved_hours(volunteer: Volunteer) -> Decimal:
    total = HourRecord.objects.filter(volunteer=volunteer, state=HourState.APPROVED).aggregate(
        s=Sum("hours")
    )["s"]
    return Decimal(total or 0).quantize(Decimal("0.1"))


def star_level(hours: Decimal) -> StarLevel | None:
    return StarLevel.objects.filter(min_hours__lte=hours).order_by("-min_hours").first()


def next_star(hours: Decimal) -> StarLevel | None:
    return StarLevel.objects.filter(min_hours__gt=hours).order_by("min_hours").first()
