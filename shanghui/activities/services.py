"""Every write of activities, slots, sign-ups and volunteers: keyword-only, an explicit actor (None: the
system or a volunteer without an account), one transaction. Status changes of an activity go through
workflow.MACHINE; attendance is in attendance.py, hours in hours.py, certificates in certificates.py.

Capacity and double booking are decided under row locks: the slot's row (so two phones taking the last
place in the same second are serialised: the second one is waitlisted) and the volunteer's row (so one
person signing up for two overlapping slots from two tabs is refused the second time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.activities.models import (
    ACTIVE,
    HOLDING,
    Activity,
    ActivityKind,
    BeneficiaryKind,
    Notice,
    Risk,
    Series,
    SignUp,
    SignUpState,
    Slot,
    Status,
    Team,
    TeamMember,
    Venue,
    Volunteer,
)
from shanghui.activities.workflow import MACHINE, ORGANISER
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.validators import birth_date_from_id, normalize_id_number, validate_id_number
from shanghui.lib.workdays import BEIJING
from shanghui.notify.services import notify_mobile
from shanghui.orgs.models import Organisation

# Statuses in which the activity's details may still be edited.
EDITABLE = (Status.DRAFT,)
# Statuses in which people may sign up (the organiser may add people until it ends).
OPEN_FOR_SIGNUP = (Status.PUBLISHED,)
ORGANISER_MAY_ADD = (Status.PUBLISHED, Status.IN_PROGRESS)
MAX_SERIES = 60
ACTIVITY_FIELDS = (
    "kind", "title", "description", "venue", "place", "starts_at", "ends_at", "beneficiary_kind",
    "beneficiary_org", "beneficiary", "risk", "insurance_policy", "contact_name", "contact_phone",
    "cancel_deadline", "auto_confirm",
)  # fmt: skip


def _check_activity(fields: dict[str, Any], organisation: Organisation) -> None:
    errors: dict[str, str] = {}
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = "结束时间应晚于开始时间"
    if starts and ends and ends - starts > dt.timedelta(days=31):
        errors["ends_at"] = "一次活动不能超过31天，长期活动请设为周期活动"
    deadline = fields.get("cancel_deadline")
    if deadline and starts and deadline > starts:
        errors["cancel_deadline"] = "取消报名截止时间不能晚于活动开始"
    venue: Venue | None = fields.get("venue")
    if venue is not None and not organisation.path.startswith(venue.organisation.path):
        errors["venue"] = "只能选择本组织或上级组织的场地"
    kind: ActivityKind | None = fields.get("kind")
    if kind is not None and not kind.is_active:
        errors["kind"] = "该活动类型已停用"
    if not str(fields.get("title") or "").strip():
        errors["title"] = "请填写活动名称"
    if fields.get("risk") not in Risk.values:
        errors["risk"] = "请选择风险等级"
    if fields.get("beneficiary_kind", "") not in BeneficiaryKind.values:
        errors["beneficiary_kind"] = "请选择服务对象类型"
    if errors:
        raise ValidationError(errors)


def create_activity(
    *, actor: User | None, organisation: Organisation, slots: Iterable[dict[str, Any]] = (), **fields: Any
) -> Activity:
    """A draft activity of `organisation` with its slots (dicts of add_slot's arguments)."""
    unknown = set(fields) - set(ACTIVITY_FIELDS) - {"series"}
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    fields.setdefault("risk", Risk.LOW)
    _check_activity(fields, organisation)
    with transaction.atomic():
        activity = Activity.objects.create(organisation=organisation, created_by=actor, **fields)
        MACHINE.record_event(
            activity, action="create", actor=actor, actor_kind=ORGANISER, created_at=timezone.now()
        )
        for slot in slots:
            _new_slot(activity, **slot)
    return activity


def update_activity(*, actor: User, activity: Activity, **fields: Any) -> Activity:
    """Change a draft's details (a submitted activity is sent back to draft by its approver first)."""
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("organisation").get(pk=activity.pk)
        if locked.status not in EDITABLE:
            raise ValidationError(f"活动{locked.get_status_display()}，不能再修改内容")
        merged = {name: getattr(locked, name) for name in ACTIVITY_FIELDS} | fields
        _check_activity(merged, locked.organisation)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        MACHINE.record_event(
            locked, action="update", actor=actor, actor_kind=ORGANISER, created_at=timezone.now(),
            data={"fields": sorted(fields)},
        )  # fmt: skip
    return locked


def _new_slot(activity: Activity, **fields: Any) -> Slot:
    starts = fields.get("starts_at") or activity.starts_at
    ends = fields.get("ends_at") or activity.ends_at
    errors: dict[str, str] = {}
    if not str(fields.get("role") or "").strip():
        errors["role"] = "请填写岗位名称"
    if ends <= starts:
        errors["ends_at"] = "结束时间应晚于开始时间"
    elif starts < activity.starts_at or ends > activity.ends_at:
        errors["starts_at"] = "岗位时间应在活动时间之内"
    quantity = fields.get("quantity")
    if not isinstance(quantity, int) or quantity < 1 or quantity > 10000:
        errors["quantity"] = "人数应为 1–10000"
    if errors:
        raise ValidationError(errors)
    assert isinstance(quantity, int)
    return Slot.objects.create(
        activity=activity, role=fields["role"].strip(), starts_at=starts, ends_at=ends, quantity=quantity,
        skills=fields.get("skills", ""), training=fields.get("training", ""), min_age=fields.get("min_age"),
    )  # fmt: skip


def add_slot(*, actor: User, activity: Activity, **fields: Any) -> Slot:
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status in (Status.FINISHED, Status.CLOSED, Status.CANCELLED):
            raise ValidationError(f"活动{locked.get_status_display()}，不能再添加岗位")
        slot = _new_slot(locked, **fields)
        MACHINE.record_event(
            locked, action="slot", actor=actor, actor_kind=ORGANISER, created_at=timezone.now(),
            data={"slot": slot.pk, "role": slot.role, "quantity": slot.quantity},
        )  # fmt: skip
    return slot


def change_slot_quantity(*, actor: User, slot: Slot, quantity: int) -> Slot:
    """More places promote the waitlist in order; fewer never drop anyone already holding a place."""
    with transaction.atomic():
        locked = Slot.objects.select_for_update().select_related("activity").get(pk=slot.pk)
        holding = locked.signups.filter(state__in=HOLDING).count()
        if quantity < max(holding, 1):
            raise ValidationError({"quantity": f"已有 {holding} 人占用名额，人数不能少于 {max(holding, 1)}"})
        locked.quantity = quantity
        locked.save(update_fields=["quantity"])
        MACHINE.record_event(
            locked.activity, action="slot", actor=actor, actor_kind=ORGANISER, created_at=timezone.now(),
            data={"slot": locked.pk, "quantity": quantity},
        )  # fmt: skip
        _promote(locked)
    return locked


def create_series(
    *, actor: User, organisation: Organisation, weekdays: list[int], start_time: dt.time, end_time: dt.time,
    first_day: dt.date, last_day: dt.date, interval: int = 1, role: str = "参加人员", quantity: int = 30,
    **fields: Any,
) -> Series:  # fmt: skip
    """A recurring activity ("每周二晚定时定点学习"): one draft activity per matching day, each with one slot."""
    days = occurrences(weekdays=weekdays, first_day=first_day, last_day=last_day, interval=interval)
    if end_time <= start_time:
        raise ValidationError({"end_time": "结束时间应晚于开始时间"})
    if not days:
        raise ValidationError({"weekdays": "所选期间内没有符合规则的日期"})
    if len(days) > MAX_SERIES:
        raise ValidationError({"last_day": f"一次最多生成 {MAX_SERIES} 场活动，请缩短期间"})
    with transaction.atomic():
        series = Series.objects.create(
            organisation=organisation, title=fields.get("title", ""), weekdays=sorted(set(weekdays)),
            start_time=start_time, end_time=end_time, interval=interval, first_day=first_day, last_day=last_day,
            created_by=actor,
        )  # fmt: skip
        for day in days:
            starts = dt.datetime.combine(day, start_time, tzinfo=BEIJING)
            ends = dt.datetime.combine(day, end_time, tzinfo=BEIJING)
            create_activity(
                actor=actor, organisation=organisation, series=series, starts_at=starts, ends_at=ends,
                slots=[{"role": role, "quantity": quantity}], **fields,
            )  # fmt: skip
    return series


def occurrences(
    *, weekdays: list[int], first_day: dt.date, last_day: dt.date, interval: int = 1
) -> list[dt.date]:
    """The days of a rule: ISO weekdays (1 = Monday) every `interval` weeks from the week of `first_day`."""
    if not weekdays or any(not 1 <= d <= 7 for d in weekdays):
        raise ValidationError({"weekdays": "请选择星期几"})
    if last_day < first_day:
        raise ValidationError({"last_day": "截止日期不能早于首次日期"})
    if interval < 1 or interval > 8:
        raise ValidationError({"interval": "间隔周数应为 1–8"})
    if (last_day - first_day).days > 366 * 2:
        raise ValidationError({"last_day": "周期不能超过两年"})
    week0 = first_day - dt.timedelta(days=first_day.isoweekday() - 1)
    days = []
    day = first_day
    while day <= last_day:
        if day.isoweekday() in weekdays and ((day - week0).days // 7) % interval == 0:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


# --- Venues and kinds -------------------------------------------------------------------------------------


def save_venue(
    *, actor: User, organisation: Organisation, venue: Venue | None = None, **fields: Any
) -> Venue:
    if not str(fields.get("name") or "").strip() or not str(fields.get("address") or "").strip():
        raise ValidationError(_("请填写场地名称和地址"))
    with transaction.atomic():
        if venue is None:
            venue = Venue(organisation=organisation)
        if Venue.objects.filter(organisation=organisation, name=fields["name"]).exclude(pk=venue.pk).exists():
            raise ValidationError({"name": "本组织已有同名场地"})
        for name, value in fields.items():
            setattr(venue, name, value)
        venue.organisation = organisation
        venue.save()
    return venue


# --- Volunteers ---------------------------------------------------------------------------------------------


def volunteer_for_mobile(mobile: str, *, user: User | None = None) -> Volunteer | None:
    volunteer = Volunteer.objects.filter(mobile=mobile).first()
    if volunteer is None and user is not None:
        volunteer = Volunteer.objects.filter(user=user).first()
    return volunteer


def save_volunteer(
    *, mobile: str, name: str, user: User | None = None, id_number: str = "", skills: str = "", trainings: str = "",
) -> Volunteer:  # fmt: skip
    """Register (or update) the volunteer behind a proved mobile number."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写姓名"})
    if len(name) > 50:
        raise ValidationError({"name": "姓名不能超过50字"})
    birth: dt.date | None = None
    if id_number:
        id_number = normalize_id_number(id_number)
        validate_id_number(id_number)
        birth = birth_date_from_id(id_number)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().filter(mobile=mobile).first() or Volunteer(
            mobile=mobile
        )
        volunteer.name = name
        if (
            user is not None
            and volunteer.user_id is None
            and not Volunteer.objects.filter(user=user).exists()
        ):
            volunteer.user = user
        if id_number:
            volunteer.id_number = id_number
            volunteer.id_number_hash = keyed_hash(id_number)
            volunteer.birth_date = birth
        volunteer.skills = skills.strip()[:200]
        volunteer.trainings = trainings.strip()[:200]
        volunteer.save()
    return volunteer


def create_team(*, actor: User, organisation: Organisation, name: str, description: str = "") -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写队伍名称"})
    if Team.objects.filter(organisation=organisation, name=name).exists():
        raise ValidationError({"name": "本组织已有同名志愿服务队"})
    return Team.objects.create(
        organisation=organisation, name=name[:60], description=description.strip()[:2000]
    )


def join_team(*, volunteer: Volunteer, team: Team) -> TeamMember:
    with transaction.atomic():
        member, created = TeamMember.objects.get_or_create(team=team, volunteer=volunteer)
        if not created and member.state == TeamMember.State.APPROVED:
            raise ValidationError(_("您已是该志愿服务队队员"))
        if not created and member.state == TeamMember.State.APPLIED:
            raise ValidationError(_("已申请加入，等待队伍管理员审核"))
        if not created and member.state == TeamMember.State.REFUSED:
            member.state = TeamMember.State.APPLIED
            member.save(update_fields=["state"])
    return member


def decide_team_member(*, actor: User, member: TeamMember, approve: bool) -> TeamMember:
    with transaction.atomic():
        locked = TeamMember.objects.select_for_update().get(pk=member.pk)
        if locked.state != TeamMember.State.APPLIED:
            raise ValidationError(_("该申请已处理"))
        locked.state = TeamMember.State.APPROVED if approve else TeamMember.State.REFUSED
        locked.decided_by = actor
        locked.save(update_fields=["state", "decided_by"])
        tell(
            locked.volunteer,
            None,
            f"志愿服务队“{locked.team.name}”：{'已同意' if approve else '未同意'}您的加入申请",
        )
    return locked


# --- Sign-up ------------------------------------------------------------------------------------------------

FULL_WAITLISTED = "名额已满，已为您登记候补，有人取消时按顺序递补并通知您"


def requirement_errors(volunteer: Volunteer, slot: Slot, *, today: dt.date) -> list[str]:
    errors = []
    missing = sorted(_words(slot.skills) - volunteer.skill_set())
    if missing:
        errors.append("该岗位需要技能：" + "、".join(missing))
    if slot.training and slot.training not in volunteer.training_set():
        errors.append(f"该岗位须先完成培训：{slot.training}")
    if slot.min_age:
        if volunteer.birth_date is None:
            errors.append(f"该岗位要求年满 {slot.min_age} 周岁，请先在个人资料中填写身份证号")
        elif _age(volunteer.birth_date, today) < slot.min_age:
            errors.append(f"该岗位要求年满 {slot.min_age} 周岁")
    return errors


def _words(text: str) -> set[str]:
    from shanghui.activities.models import split_words

    return split_words(text)


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _overlapping(
    volunteer: Volunteer, starts: dt.datetime, ends: dt.datetime, *, exclude: int | None = None
) -> SignUp | None:
    rows = SignUp.objects.filter(
        volunteer=volunteer, state__in=ACTIVE, starts_at__lt=ends, ends_at__gt=starts
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.select_related("activity", "slot").first()


def overlap_message(other: SignUp) -> str:
    when = timezone.localtime(other.starts_at).strftime("%m月%d日 %H:%M")
    return f"您已报名同一时间的“{other.activity.title}·{other.slot.role}”（{when}），同一时间只能参加一个岗位"


def sign_up(
    *, volunteer: Volunteer, slot: Slot, actor: User | None = None, by_organiser: bool = False, note: str = "",
) -> SignUp:  # fmt: skip
    """Take a place in `slot` (confirmed, or applied when the organiser confirms sign-ups), or a place on
    its waitlist when it is full. Refused with a clear message: the activity is not open, the slot has
    begun, a requirement is not met, the person already holds an overlapping slot."""
    now = timezone.now()
    with transaction.atomic():
        # The slot first, then the volunteer: always in this order, so two sign-ups never deadlock.
        locked = Slot.objects.select_for_update().select_related("activity").get(pk=slot.pk)
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        activity = locked.activity
        allowed = ORGANISER_MAY_ADD if by_organiser else OPEN_FOR_SIGNUP
        if activity.status not in allowed:
            raise ValidationError(f"活动{activity.get_status_display()}，不能报名")
        if not by_organiser and locked.starts_at <= now:
            raise ValidationError(_("该岗位已开始，不能再报名"))
        if not by_organiser and (
            problems := requirement_errors(volunteer, locked, today=now.astimezone(BEIJING).date())
        ):
            raise ValidationError(problems)
        if SignUp.objects.filter(slot=locked, volunteer=volunteer, state__in=ACTIVE).exists():
            raise ValidationError(_("您已报名该岗位"))
        if other := _overlapping(volunteer, locked.starts_at, locked.ends_at):
            raise ValidationError(overlap_message(other))
        holding = SignUp.objects.filter(slot=locked, state__in=HOLDING).count()
        if holding < locked.quantity:
            state = SignUpState.CONFIRMED if (activity.auto_confirm or by_organiser) else SignUpState.APPLIED
        else:
            state = SignUpState.WAITLISTED
        signup = SignUp.objects.create(
            slot=locked, activity=activity, volunteer=volunteer, state=state, starts_at=locked.starts_at,
            ends_at=locked.ends_at, created_at=now, decided_by=actor if by_organiser else None, note=note[:200],
        )  # fmt: skip
    return signup


def cancel_signup(*, signup: SignUp, actor: User | None = None, by_organiser: bool = False) -> SignUp:
    """The volunteer until the activity's deadline, the organiser at any time before it ends. The first on
    the waitlist takes a freed place and is told."""
    now = timezone.now()
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("activity").get(pk=signup.slot_id)
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        activity = slot.activity
        if locked.state not in ACTIVE:
            raise ValidationError(f"该报名{locked.get_state_display()}，不能取消")
        if activity.status in (Status.FINISHED, Status.CLOSED, Status.CANCELLED):
            raise ValidationError(f"活动{activity.get_status_display()}，不能取消报名")
        if not by_organiser:
            deadline = activity.cancel_deadline or slot.starts_at
            if now > deadline:
                raise ValidationError(_("已过取消报名的截止时间，如不能参加请联系活动组织者"))
        if locked.checked_in_at:
            raise ValidationError(_("已签到，不能取消报名"))
        locked.state = SignUpState.CANCELLED
        locked.decided_by = actor if by_organiser else None
        locked.save(update_fields=["state", "decided_by"])
        if by_organiser:
            tell(locked.volunteer, activity, f"您在“{activity.title}”的报名已被组织者取消")
        _promote(slot)
    return locked


def decide_signup(*, actor: User, signup: SignUp, confirm: bool) -> SignUp:
    """The organiser confirms or refuses an application (活动报名需确认); a refusal frees the place."""
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("activity").get(pk=signup.slot_id)
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if locked.state not in (SignUpState.APPLIED, SignUpState.WAITLISTED):
            raise ValidationError(f"该报名{locked.get_state_display()}，不能再确认或拒绝")
        if confirm and locked.state == SignUpState.WAITLISTED:
            holding = SignUp.objects.filter(slot=slot, state__in=HOLDING).count()
            if holding >= slot.quantity:
                raise ValidationError(_("岗位名额已满，请先增加人数"))
        locked.state = SignUpState.CONFIRMED if confirm else SignUpState.REFUSED
        locked.decided_by = actor
        locked.save(update_fields=["state", "decided_by"])
        verdict = "已确认，请按时参加" if confirm else "未通过"
        tell(locked.volunteer, slot.activity, f"您报名的“{slot.activity.title}·{slot.role}”{verdict}")
        if not confirm:
            _promote(slot)
    return locked


def move_signup(*, actor: User, signup: SignUp, to_slot: Slot) -> SignUp:
    """Move a person to another slot of the same activity (its capacity and their other slots checked)."""
    with transaction.atomic():
        first, second = sorted([signup.slot_id, to_slot.pk])
        slots = {
            s.pk: s
            for s in Slot.objects.select_for_update()
            .select_related("activity")
            .filter(pk__in=[first, second])
        }
        target, source = slots[to_slot.pk], slots[signup.slot_id]
        locked = SignUp.objects.select_for_update().select_related("volunteer").get(pk=signup.pk)
        if target.activity_id != locked.activity_id:
            raise ValidationError(_("只能调到同一活动的其他岗位"))
        if target.pk == source.pk:
            raise ValidationError(_("已在该岗位"))
        if locked.state not in HOLDING:
            raise ValidationError(f"该报名{locked.get_state_display()}，不能调岗")
        if SignUp.objects.filter(slot=target, state__in=HOLDING).count() >= target.quantity:
            raise ValidationError(_("目标岗位名额已满"))
        if other := _overlapping(locked.volunteer, target.starts_at, target.ends_at, exclude=locked.pk):
            raise ValidationError(overlap_message(other))
        locked.slot = target
        locked.starts_at, locked.ends_at = target.starts_at, target.ends_at
        locked.decided_by = actor
        locked.save(update_fields=["slot", "starts_at", "ends_at", "decided_by"])
        tell(locked.volunteer, target.activity, f"您在“{target.activity.title}”的岗位已调整为“{target.role}”")
        _promote(source)
    return locked


def _promote(slot: Slot) -> None:
    """Give freed places to the waitlist in order (the slot's row is locked by the caller)."""
    free = slot.quantity - SignUp.objects.filter(slot=slot, state__in=HOLDING).count()
    if free <= 0:
        return
    waiting = list(
        SignUp.objects.select_for_update()
        .filter(slot=slot, state=SignUpState.WAITLISTED)
        .order_by("created_at", "pk")[:free]
    )
    for row in waiting:
        row.state = SignUpState.CONFIRMED
        row.save(update_fields=["state"])
        tell(
            row.volunteer,
            slot.activity,
            f"您已从候补递补为“{slot.activity.title}·{slot.role}”的正式志愿者，请按时参加",
        )


# --- Telling volunteers -------------------------------------------------------------------------------------


def tell(volunteer: Volunteer, activity: Activity | None, text: str) -> Notice:
    """A notice on the volunteer's page and an SMS through the outbox (after the transaction commits)."""
    now = timezone.now()
    notice = Notice.objects.create(volunteer=volunteer, activity=activity, text=text[:200], created_at=now)
    notify_mobile(
        mobile=volunteer.mobile, event="activity.notice", key=f"activity-notice:{notice.pk}",
        template="volunteer_notice", params={"text": text[:35]}, title=text[:120],
        organisation=activity.organisation if activity else None,
    )  # fmt: skip
    return notice


def tell_everyone_signed_up(activity: Activity, *, text: str) -> int:
    rows = SignUp.objects.filter(activity=activity, state__in=ACTIVE).select_related("volunteer")
    told = {row.volunteer_id: row.volunteer for row in rows}
    for volunteer in told.values():
        tell(volunteer, activity, text)
    return len(told)


def unread_notices(volunteer: Volunteer) -> QuerySet[Notice]:
    return Notice.objects.filter(volunteer=volunteer)
