"""Attendance: check-in and check-out by scanning the organiser's rotating QR code, or marked by the
organiser; no-shows marked when the activity ends; the hours it earns, rounded by a configurable rule.

**The rotating code.** The organiser's phone shows a QR code of a link `/v/scan/<token>/`; the token names
the activity, the direction (in/out) and a 30-second window, signed with HMAC over the activity's own
secret and the server's SECRET_KEY. It is accepted in its window and the next one (a code scanned just
before it turns over still works), so a screenshot sent to a friend stops working within a minute. The
scan proves presence, the volunteer's session proves who: nobody checks in for someone else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.activities.models import (
    Activity,
    Attendance,
    HourRecord,
    HourState,
    Method,
    SignUp,
    SignUpState,
    Status,
    Volunteer,
)
from shanghui.lib.workdays import local_date

QR_PERIOD = 30  # seconds a code is shown before the next one
QR_GRACE_WINDOWS = 1  # windows after its own in which a code is still accepted
IN, OUT = "in", "out"
# Check-in opens this long before the activity starts and closes this long after it ends.
EARLY = dt.timedelta(hours=1)
LATE = dt.timedelta(hours=2)
CHECKABLE = (Status.PUBLISHED, Status.IN_PROGRESS)

# Minutes of a started hour → hours it counts: ≤15 min → 0, ≤45 → 0.5, otherwise 1 (settings override).
DEFAULT_ROUNDING: tuple[tuple[int, str], ...] = ((15, "0"), (45, "0.5"), (60, "1"))

EXPIRED = "二维码已过期，请扫描组织者手机上最新的二维码"
INVALID = "二维码无效，请扫描组织者手机上的签到二维码"


def rounding_rule() -> tuple[tuple[int, Decimal], ...]:
    rule = getattr(settings, "VOLUNTEER_HOUR_ROUNDING", None) or DEFAULT_ROUNDING
    return tuple((int(limit), Decimal(str(hours))) for limit, hours in rule)


def round_hours(minutes: int) -> Decimal:
    """Hours credited for `minutes` of service: each full hour counts 1, the started hour by the rule."""
    if minutes <= 0:
        return Decimal("0.0")
    full, rest = divmod(minutes, 60)
    part = Decimal("0")
    if rest:
        for limit, hours in rounding_rule():
            if rest <= limit:
                part = hours
                break
        else:
            part = Decimal("1")
    return (Decimal(full) + part).quantize(Decimal("0.1"))


# --- The rotating code ----------------------------------------------------------------------------------


def _window(now: dt.datetime) -> int:
    return int(now.timestamp()) // QR_PERIOD


def _signature(activity: Activity, direction: str, window: int) -> str:
    key = f"{settings.SECRET_KEY}:{activity.qr_secret}".encode()
    message = f"{activity.pk}:{direction}:{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def qr_token(activity: Activity, direction: str, *, now: dt.datetime | None = None) -> str:
    window = _window(now or timezone.now())
    return f"{activity.pk}.{direction}.{window}.{_signature(activity, direction, window)}"


def seconds_left(now: dt.datetime | None = None) -> int:
    moment = now or timezone.now()
    return QR_PERIOD - int(moment.timestamp()) % QR_PERIOD


def read_token(token: str, *, now: dt.datetime | None = None) -> tuple[Activity, str]:
    """The activity and direction of a scanned token, or ValidationError (invalid, or expired)."""
    parts = token.split(".")
    if len(parts) != 4 or parts[1] not in (IN, OUT) or not parts[0].isdigit() or not parts[2].isdigit():
        raise ValidationError(INVALID, code="invalid")
    if len(parts[0]) > 18 or len(parts[2]) > 18:
        raise ValidationError(INVALID, code="invalid")
    activity = Activity.objects.select_related("organisation").filter(pk=int(parts[0])).first()
    if activity is None:
        raise ValidationError(INVALID, code="invalid")
    window = int(parts[2])
    if not hmac.compare_digest(_signature(activity, parts[1], window), parts[3]):
        raise ValidationError(INVALID, code="invalid")
    current = _window(now or timezone.now())
    if not current - QR_GRACE_WINDOWS <= window <= current:
        raise ValidationError(EXPIRED, code="expired")
    return activity, parts[1]


# --- Check-in and check-out ----------------------------------------------------------------------------------


def _signup_to_check(activity: Activity, volunteer: Volunteer, now: dt.datetime) -> SignUp:
    rows = list(
        SignUp.objects.select_for_update()
        .filter(activity=activity, volunteer=volunteer, state=SignUpState.CONFIRMED)
        .order_by("starts_at")
    )
    if not rows:
        raise ValidationError(_("您没有该活动的已确认报名，请联系活动组织者"))
    # The slot under way, else the next one, else the last.
    current = [r for r in rows if r.starts_at - EARLY <= now <= r.ends_at + LATE]
    return (current or rows)[0]


def scan(*, volunteer: Volunteer, token: str, now: dt.datetime | None = None) -> SignUp:
    """A volunteer opened the link of the organiser's QR code."""
    moment = now or timezone.now()
    activity, direction = read_token(token, now=moment)
    with transaction.atomic():
        signup = _signup_to_check(activity, volunteer, moment)
        _check(signup, direction=direction, method=Method.QR, by=None, at=moment, activity=activity)
    return signup


def mark(*, actor: User, signup: SignUp, direction: str, at: dt.datetime | None = None) -> SignUp:
    """The organiser marks someone in or out (a volunteer without a phone, a failed scan)."""
    moment = at or timezone.now()
    with transaction.atomic():
        locked = SignUp.objects.select_for_update().select_related("activity").get(pk=signup.pk)
        if locked.state != SignUpState.CONFIRMED:
            raise ValidationError(f"该报名{locked.get_state_display()}，不能登记出勤")
        _check(
            locked,
            direction=direction,
            method=Method.ORGANISER,
            by=actor,
            at=moment,
            activity=locked.activity,
        )
    return locked


def _check(
    signup: SignUp, *, direction: str, method: str, by: User | None, at: dt.datetime, activity: Activity
) -> None:
    if activity.status not in CHECKABLE:
        raise ValidationError(f"活动{activity.get_status_display()}，不能签到签退")
    if not activity.starts_at - EARLY <= at <= activity.ends_at + LATE:
        raise ValidationError(_("不在活动签到时间内（活动开始前1小时至结束后2小时）"))
    if direction == IN:
        if signup.checked_in_at:
            raise ValidationError(f"您已于 {timezone.localtime(signup.checked_in_at):%H:%M} 签到")
        signup.checked_in_at, signup.check_in_method, signup.check_in_by = at, method, by
        signup.attendance = Attendance.PRESENT
        signup.save(update_fields=["checked_in_at", "check_in_method", "check_in_by", "attendance"])
    elif direction == OUT:
        if not signup.checked_in_at:
            raise ValidationError(_("请先签到再签退"))
        if signup.checked_out_at:
            raise ValidationError(f"您已于 {timezone.localtime(signup.checked_out_at):%H:%M} 签退")
        signup.checked_out_at, signup.check_out_method, signup.check_out_by = (
            max(at, signup.checked_in_at),
            method,
            by,
        )
        signup.save(update_fields=["checked_out_at", "check_out_method", "check_out_by"])
    else:
        raise ValidationError(INVALID)


def close_attendance(activity: Activity, *, now: dt.datetime) -> int:
    """At the end (the `finish` action, under the activity's lock): confirmed people who never checked in
    are no-shows; those who never checked out are out at their slot's end (or now, if earlier); each
    attendance of an activity that earns hours gets its pending hour record. Returns records written."""
    confirmed = SignUp.objects.filter(activity=activity, state=SignUpState.CONFIRMED)
    confirmed.filter(checked_in_at__isnull=True).update(attendance=Attendance.NO_SHOW)
    for row in confirmed.filter(checked_in_at__isnull=False, checked_out_at__isnull=True):
        row.checked_out_at = max(min(row.ends_at, now), row.checked_in_at)  # type: ignore[type-var]
        row.check_out_method = Method.ORGANISER
        row.save(update_fields=["checked_out_at", "check_out_method"])
    if not activity.kind.counts_hours:
        return 0
    rows = []
    present = (
        confirmed.filter(attendance=Attendance.PRESENT)
        .exclude(hours__isnull=False)
        .select_related("volunteer")
    )
    for row in present:
        assert row.checked_in_at and row.checked_out_at
        minutes = int((row.checked_out_at - row.checked_in_at).total_seconds() // 60)
        rows.append(
            HourRecord(
                signup=row, volunteer=row.volunteer, activity=activity, organisation_id=activity.organisation_id,
                kind_id=activity.kind_id, served_on=local_date(row.checked_in_at), minutes=minutes,
                hours=round_hours(minutes), state=HourState.PENDING, created_at=now,
            )
        )  # fmt: skip
    HourRecord.objects.bulk_create(rows)
    return len(rows)


# --- Import (a paper sign-in sheet typed into Excel) -------------------------------------------------------------

IMPORT_HEADERS = ("手机号", "签到时间", "签退时间")
MAX_IMPORT_ROWS = 2000


def _moment(value: object, *, row: int, column: str) -> dt.datetime | None:
    from shanghui.lib.workdays import BEIJING

    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValidationError(f"第 {row} 行：{column}“{text[:20]}”不是时间，应为 2026-05-01 09:00")
    if not 1900 <= moment.year <= 2999:
        raise ValidationError(f"第 {row} 行：{column}超出范围")
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def import_attendance(*, actor: User, activity: Activity, rows: list[tuple[object, ...]]) -> int:
    """Check-ins and check-outs from a sheet (手机号, 签到时间, 签退时间; the header row first). All or
    nothing: any bad row refuses the whole sheet, naming the rows. Returns the number of people marked."""
    from shanghui.lib.validators import normalize_mobile

    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    if not rows or tuple(str(c or "").strip() for c in rows[0][:3]) != IMPORT_HEADERS:
        raise ValidationError(_("第一行应为表头：手机号、签到时间、签退时间"))
    if not body:
        raise ValidationError(_("表格中没有数据"))
    if len(body) > MAX_IMPORT_ROWS:
        raise ValidationError(f"一次最多导入 {MAX_IMPORT_ROWS} 行")
    errors: list[str] = []
    plan: list[tuple[SignUp, dt.datetime, dt.datetime | None]] = []
    with transaction.atomic():
        signups = {
            s.volunteer.mobile: s
            for s in SignUp.objects.select_for_update(of=("self",)).select_related("volunteer")
            .filter(activity=activity, state=SignUpState.CONFIRMED)
        }  # fmt: skip
        for n, raw in enumerate(body, start=2):
            cells = [*raw, None, None, None][:3]
            mobile = normalize_mobile(str(cells[0] or ""))
            try:
                check_in = _moment(cells[1], row=n, column="签到时间")
                check_out = _moment(cells[2], row=n, column="签退时间")
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            signup = signups.get(mobile)
            if signup is None:
                errors.append(f"第 {n} 行：{mobile[:3]}****{mobile[-4:]} 没有该活动的已确认报名")
            elif check_in is None:
                errors.append(f"第 {n} 行：请填写签到时间")
            elif check_out is not None and check_out < check_in:
                errors.append(f"第 {n} 行：签退时间早于签到时间")
            else:
                plan.append((signup, check_in, check_out))
        if errors:
            raise ValidationError(errors[:20])
        for signup, check_in, check_out in plan:
            try:
                _check(signup, direction=IN, method=Method.IMPORT, by=actor, at=check_in, activity=activity)
                if check_out is not None:
                    _check(
                        signup, direction=OUT, method=Method.IMPORT, by=actor, at=check_out, activity=activity
                    )
            except ValidationError as exc:
                errors.append(f"{signup.volunteer.name}：{exc.messages[0]}")
        if errors:
            # Everything written above rolls back with the transaction.
            raise ValidationError(errors[:20])
    return len(plan)
