"""The activities engine: an activity of an organisation (its kind is data), held at a venue, with
slots people sign up for, their attendance and the hours it earns; volunteers, their teams, star levels
and certificates (志愿服务证明).

Volunteering is the first programme on the engine; lectures, study sessions, party days, training,
promotion events and investment visits are kinds of activity of the same engine.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.lib.crypto import EncryptedTextField
from shanghui.lib.masking import mask_id_number, mask_mobile
from shanghui.workflow.models import EventBase


def _secret() -> str:
    return secrets.token_urlsafe(24)


class ActivityKind(models.Model):
    """志愿服务, 学习会, 主题党日…: data an administrator extends in the Django admin."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    # Whether taking part earns volunteer hours (志愿服务时长).
    counts_hours = models.BooleanField(_("计入志愿服务时长"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("活动类型")
        verbose_name_plural = _("活动类型")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class VenueKind(models.TextChoices):
    BASE = "base", _("阵地")
    ROOM = "room", _("活动室")
    STATION = "station", _("推介站")
    OUTDOOR = "outdoor", _("户外场所")
    OTHER = "other", _("其他")


class Venue(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="venues"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=VenueKind.choices, default=VenueKind.ROOM)
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200)
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("活动场地")
        verbose_name_plural = _("活动场地")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="activities_venue_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待立项审批")
    PUBLISHED = "published", _("已发布")
    IN_PROGRESS = "in_progress", _("进行中")
    FINISHED = "finished", _("已结束")
    CLOSED = "closed", _("已结项")
    CANCELLED = "cancelled", _("已取消")


class Risk(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class BeneficiaryKind(models.TextChoices):
    NONE = "", _("未指定")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    HOUSEHOLDS = "households", _("户组")
    OTHER = "other", _("其他")


class Series(models.Model):
    """A recurring activity ("定时定点学习", every Tuesday evening): the rule its activities were made from."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=100)
    # ISO weekdays (1 = Monday), the local start and end time, every `interval` weeks, first..last day.
    weekdays = models.JSONField(_("星期"), default=list)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    interval = models.PositiveSmallIntegerField(_("间隔周数"), default=1)
    first_day = models.DateField(_("首次日期"))
    last_day = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("周期活动")
        verbose_name_plural = _("周期活动")

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    Status = Status

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.ForeignKey(
        ActivityKind, verbose_name=_("活动类型"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), blank=True)
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("活动场地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    place = models.CharField(
        _("地点说明"), max_length=200, blank=True, help_text=_("场地之外的集合地点或补充说明")
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    beneficiary_kind = models.CharField(
        _("服务对象类型"), max_length=12, choices=BeneficiaryKind.choices, blank=True, default=""
    )
    beneficiary_org = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("服务对象（结对村）"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    beneficiary = models.CharField(_("服务对象"), max_length=100, blank=True)
    risk = models.CharField(_("风险等级"), max_length=8, choices=Risk.choices, default=Risk.LOW)
    insurance_policy = models.CharField(_("意外保险保单号"), max_length=60, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    # Volunteers may cancel their sign-up until then (default: the start).
    cancel_deadline = models.DateTimeField(_("取消报名截止"), null=True, blank=True)
    # False: a sign-up waits for the organiser to confirm it (it holds its place meanwhile).
    auto_confirm = models.BooleanField(_("报名自动确认"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    # The key of the rotating check-in codes (attendance.py): one per activity, never shown.
    qr_secret = models.CharField(max_length=64, default=_secret, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "starts_at"], name="activities_org_status_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activities_ends_after_start"
            ),
            # 《志愿服务条例》第十七条: a risky activity is never published without accident insurance.
            models.CheckConstraint(
                condition=Q(risk="low")
                | ~Q(insurance_policy="")
                | Q(status__in=["draft", "pending", "cancelled"]),
                name="activities_risky_published_insured",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_risky(self) -> bool:
        return self.risk != Risk.LOW

    @property
    def where(self) -> str:
        parts = [self.venue.name if self.venue_id and self.venue else "", self.place]
        return " · ".join(p for p in parts if p)

    @property
    def beneficiary_text(self) -> str:
        if self.beneficiary_org_id and self.beneficiary_org:
            return self.beneficiary_org.name
        return self.beneficiary


class ActivityEvent(EventBase):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("活动记录")
        verbose_name_plural = _("活动记录")
        ordering = ["created_at", "pk"]


class Slot(models.Model):
    """A role for a time with a number of places: 引导员 08:00–12:00 ×10."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="slots")
    role = models.CharField(_("岗位"), max_length=40)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    quantity = models.PositiveIntegerField(_("人数"))
    skills = models.CharField(
        _("技能要求"), max_length=100, blank=True, help_text=_("多个技能用顿号或逗号分隔")
    )
    training = models.CharField(_("须完成的培训"), max_length=60, blank=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activities_slot_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="activities_slot_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.role


class Volunteer(models.Model):
    """A person with a phone number: a citizen (one-time SMS code) or a staff member (their account)."""

    mobile = models.CharField(_("手机号"), max_length=11, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="volunteer"
    )
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    skills = models.CharField(_("技能"), max_length=200, blank=True)
    trainings = models.CharField(_("已完成培训"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def skill_set(self) -> set[str]:
        return split_words(self.skills)

    def training_set(self) -> set[str]:
        return split_words(self.trainings)


def split_words(text: str) -> set[str]:
    for sep in "，、;；":
        text = text.replace(sep, ",")
    return {w.strip() for w in text.split(",") if w.strip()}


class StarLevel(models.Model):
    """一星 100 h … 五星 1,500 h: thresholds are data."""

    name = models.CharField(_("星级"), max_length=20, unique=True)
    min_hours = models.DecimalField(_("所需时长（小时）"), max_digits=7, decimal_places=1, unique=True)

    class Meta:
        verbose_name = _("志愿者星级")
        verbose_name_plural = _("志愿者星级")
        ordering = ["min_hours"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A chamber's volunteer team; joining needs the team admin's approval."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("队伍名称"), max_length=60)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="activities_team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    class State(models.TextChoices):
        APPLIED = "applied", _("待审核")
        APPROVED = "approved", _("已加入")
        REFUSED = "refused", _("未通过")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="teams")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.APPLIED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="activities_team_member_unique")
        ]


class SignUpState(models.TextChoices):
    APPLIED = "applied", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")
    REFUSED = "refused", _("未通过")


# Sign-ups that hold a place in their slot; and those that count against double booking.
HOLDING = (SignUpState.APPLIED, SignUpState.CONFIRMED)
ACTIVE = (SignUpState.APPLIED, SignUpState.CONFIRMED, SignUpState.WAITLISTED)


class Method(models.TextChoices):
    QR = "qr", _("扫码")
    ORGANISER = "organiser", _("组织者登记")
    IMPORT = "import", _("导入")


class Attendance(models.TextChoices):
    UNKNOWN = "", _("未签到")
    PRESENT = "present", _("已到")
    NO_SHOW = "no_show", _("缺席")


class SignUp(models.Model):
    """One person's place in one slot, and their attendance (who verified it, and how)."""

    State = SignUpState

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="signups")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    state = models.CharField(_("状态"), max_length=12, choices=SignUpState.choices)
    # The slot's times, copied: double booking is checked across activities in one indexed query.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(_("报名时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    attendance = models.CharField(
        _("出勤"), max_length=10, choices=Attendance.choices, blank=True, default=""
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_method = models.CharField(_("签到方式"), max_length=10, choices=Method.choices, blank=True)
    check_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_method = models.CharField(_("签退方式"), max_length=10, choices=Method.choices, blank=True)
    check_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "volunteer"], condition=Q(state__in=["applied", "confirmed", "waitlisted"]),
                name="activities_signup_one_active_per_slot",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["volunteer", "state", "starts_at"], name="activities_signup_vol_idx"),
            models.Index(fields=["slot", "state"], name="activities_signup_slot_idx"),
        ]


class HourState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已认定")
    REJECTED = "rejected", _("未认定")
    SUPERSEDED = "superseded", _("已被更正")


class HourRecord(models.Model):
    """Hours earned at one sign-up. Never edited in place: a correction is a new row pointing at the one it
    corrects; approving it supersedes that one."""

    State = HourState

    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="hours")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="hours")
    # Copied for the statistics (hours by chamber, month and kind without joins).
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("服务日期"), db_index=True)
    minutes = models.PositiveIntegerField(_("实际分钟数"))
    hours = models.DecimalField(_("时长（小时）"), max_digits=6, decimal_places=1)
    state = models.CharField(_("状态"), max_length=12, choices=HourState.choices, default=HourState.PENDING)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField(_("更正理由"), max_length=200, blank=True)
    requested_by_volunteer = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        indexes = [
            models.Index(fields=["volunteer", "state"], name="activities_hours_vol_idx"),
            models.Index(fields=["organisation", "state", "served_on"], name="activities_hours_org_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gte=Decimal("0")), name="activities_hours_not_negative")
        ]


class Certificate(models.Model):
    """志愿服务证明 for a period. Its public verification page is /v/verify/<token>/."""

    number = models.CharField(_("证明编号"), max_length=30, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("服务期间自"))
    period_end = models.DateField(_("服务期间至"))
    hours = models.DecimalField(_("累计时长（小时）"), max_digits=8, decimal_places=1)
    content = models.TextField(_("服务内容"))
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=40, unique=True, default=_secret, editable=False)
    void = models.BooleanField(_("已作废"), default=False)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at"]


class Notice(models.Model):
    """What a volunteer is told (promoted from the waitlist, an activity cancelled), on their phone page; the
    SMS goes through the notification outbox."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="notices")
    activity = models.ForeignKey(Activity, null=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
