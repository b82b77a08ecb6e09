"""Proxy service cases (政会联通代办): a citizen working away from home asks a chamber's proxy point to
get a home-city government matter done. See docs/workflow.md for the states and who may move them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from shanghui.lib.crypto import EncryptedTextField
from shanghui.lib.masking import mask_id_number, mask_mobile, mask_name
from shanghui.workflow.models import EventBase


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待预审")
    NEEDS_CORRECTION = "needs_correction", _("待补正")
    FORWARDED = "forwarded", _("已转递，待受理")
    ACCEPTED = "accepted", _("已受理，办理中")
    SUSPENDED = "suspended", _("已中止")
    REFUSED = "refused", _("不予受理")
    COMPLETED = "completed", _("已办结，待送达")
    DELIVERED = "delivered", _("已送达")
    CLOSED = "closed", _("已归档")
    WITHDRAWN = "withdrawn", _("已撤回")
    TERMINATED = "terminated", _("已终止")


OPEN_STATUSES = frozenset(
    {Status.DRAFT, Status.SUBMITTED, Status.NEEDS_CORRECTION, Status.FORWARDED, Status.ACCEPTED, Status.SUSPENDED,
     Status.COMPLETED}
)  # fmt: skip
FINAL_STATUSES = frozenset({Status.REFUSED, Status.CLOSED, Status.WITHDRAWN, Status.TERMINATED})


class Channel(models.TextChoices):
    CITIZEN = "citizen", _("群众自助申请")
    AGENT = "agent", _("代办员代录")
    API = "api", _("接口")


class Result(models.TextChoices):
    GRANTED = "granted", _("准予")
    DENIED = "denied", _("不予")


class Clock(models.TextChoices):
    REVIEW = "review", _("代办点预审")
    ACCEPTANCE = "acceptance", _("窗口受理")
    PROCESSING = "processing", _("承诺办结")


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=20, unique=True)
    query_code = models.CharField(_("查询码"), max_length=12)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices)

    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+"
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion", verbose_name=_("事项版本"), on_delete=models.PROTECT, related_name="cases"
    )
    proxy_point = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("代办点"), on_delete=models.PROTECT, related_name="proxy_cases"
    )
    department = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("受理部门"),
        on_delete=models.PROTECT,
        related_name="department_cases",
    )
    window = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("受理窗口"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="window_cases",
    )  # fmt: skip

    # The applicant. Citizens have no account: they prove their mobile number with a one-time code.
    applicant_name = models.CharField(_("申请人"), max_length=50)
    applicant_id_number = EncryptedTextField(_("身份证号"))
    applicant_id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    applicant_mobile = models.CharField(_("手机号"), max_length=11, db_index=True)
    home_region_code = models.CharField(_("户籍地区县代码"), max_length=6)
    current_city = models.CharField(_("现居城市"), max_length=40)
    current_address = models.CharField(_("现居地址"), max_length=200, blank=True)
    poa_confirmed_at = models.DateTimeField(_("委托书确认时间"), null=True, blank=True)
    note = models.TextField(_("申请说明"), blank=True)

    # Workflow details.
    # While a case waits for a correction: the status it returns to when the citizen resubmits
    # (submitted after the agent asked, forwarded or accepted after the window asked).
    return_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    correction_items = models.JSONField(_("补正事项"), default=list, blank=True)
    acceptance_number = models.CharField(_("受理编号"), max_length=40, blank=True)
    refusal_reason = models.TextField(_("不予受理理由"), blank=True)
    suspension_reason = models.TextField(_("中止原因"), blank=True)
    termination_reason = models.TextField(_("终止原因"), blank=True)
    result = models.CharField(_("办理结果"), max_length=10, choices=Result.choices, blank=True)
    result_note = models.TextField(_("结果说明"), blank=True)
    delivery_method = models.CharField(_("送达方式"), max_length=12, blank=True)
    forward_tracking_number = models.CharField(_("材料寄递单号"), max_length=40, blank=True)
    result_tracking_number = models.CharField(_("结果寄递单号"), max_length=40, blank=True)

    # The three clocks: due times, and when the running clock was paused (correction, suspension).
    review_due_at = models.DateTimeField(_("预审时限"), null=True, blank=True)
    acceptance_due_at = models.DateTimeField(_("受理时限"), null=True, blank=True)
    processing_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    paused_at = models.DateTimeField(_("计时暂停于"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("转递时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # A client-generated key per intake form, so a double click or a retry creates one case.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("代办件")
        verbose_name_plural = _("代办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["proxy_point", "status", "-created_at"], name="proxy_case_point_status_idx"),
            models.Index(fields=["window", "status", "-created_at"], name="proxy_case_window_status_idx"),
            models.Index(fields=["department", "status"], name="proxy_case_dept_status_idx"),
            models.Index(fields=["status", "review_due_at"], name="proxy_case_review_due_idx"),
            models.Index(fields=["status", "acceptance_due_at"], name="proxy_case_accept_due_idx"),
            models.Index(fields=["status", "processing_due_at"], name="proxy_case_process_due_idx"),
            # The case list's search by applicant name, newest first (a million cases: no scan of them).
            models.Index(fields=["applicant_name", "-created_at"], name="proxy_case_applicant_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="proxy_case_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="proxy_case_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def masked_applicant(self) -> str:
        return mask_name(self.applicant_name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.applicant_id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.applicant_mobile)


class DailySerial(models.Model):
    """The last serial number given out per region and day: case numbers are
    {region}{yyyyMMdd}{serial:06d}, and the row is locked while a number is taken."""

    region_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="proxy_serial_unique")]


class CaseMaterial(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("合格")
        NEEDS_CORRECTION = "needs_correction", _("需补正")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    # The material's position and name in the pinned item version; blank for extra files.
    slot = models.PositiveSmallIntegerField(_("材料序号"), null=True, blank=True)
    name = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    review = models.CharField(_("审核"), max_length=20, choices=Review.choices, default=Review.PENDING)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    is_current = models.BooleanField(_("当前版本"), default=True)
    is_result = models.BooleanField(_("办理结果文书"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["case_id", "slot", "uploaded_at"]


class CaseEvent(EventBase):
    """The timeline: one append-only row per change of a case, written in the same transaction.
    A null actor with actor_kind "applicant" is the citizen; with "system", a task."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["case_id", "created_at", "id"]
        indexes = [models.Index(fields=["action", "created_at"], name="proxy_event_action_idx")]


class Rating(models.Model):
    class Level(models.IntegerChoices):
        VERY_SATISFIED = 5, _("非常满意")
        SATISFIED = 4, _("满意")
        BASICALLY = 3, _("基本满意")
        DISSATISFIED = 2, _("不满意")
        VERY_DISSATISFIED = 1, _("非常不满意")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(_("评价"), choices=Level.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="proxy_rating_level")
        ]

    @property
    def is_bad(self) -> bool:
        return self.level <= self.Level.DISSATISFIED


class FollowUp(models.Model):
    """整改: a bad rating must be answered by the responsible side and closed, and may be appealed."""

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("已答复，待审核")
        CLOSED = "closed", _("已办结")
        APPEALED = "appealed", _("申诉中")
        APPEAL_UPHELD = "appeal_upheld", _("申诉成立")

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="follow_up")
    responsible = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    due_at = models.DateTimeField(_("整改时限"))
    answer = models.TextField(_("整改答复"), blank=True)
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        indexes = [
            models.Index(fields=["state", "due_at"], name="proxy_followup_state_idx"),
            # The follow-up list's default view (未办结, by due time): read in order, a page at a time.
            models.Index(
                fields=["due_at", "id"],
                name="proxy_followup_open_due_idx",
                condition=Q(state__in=["open", "answered", "appealed"]),
            ),
        ]


class PointSettings(models.Model):
    """Per proxy point: its pre-review time limit (working days)."""

    proxy_point = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="proxy_settings"
    )
    review_days = models.PositiveSmallIntegerField(_("预审时限（工作日）"), default=1)


class MobileCode(models.Model):
    """One-time login codes of one mobile number (see proxy/otp.py): the current code, hashed, and
    when codes were sent in the last day, for the provider's sending limits. One row per number, so
    that the row can be locked while a code is given out or checked. The number itself is not stored,
    only its keyed hash."""

    mobile_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # ISO times of the codes sent in the last 24 hours (at most the daily limit).
    sent_times = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")


class CaseStat(models.Model):
    """Pre-aggregated case counts for the statistics page (see proxy/summaries.py), kept current by the
    same transactions that write cases: intake, every workflow action and rating.

    One row per (viewer, via_department, key): how many cases an organisation's subtree sees with that
    key. `viewer_id` is the organisation whose subtree holds the case's proxy point, window or
    department (an ancestor-or-self of one of them; 0 counts every case, for superusers);
    `via_department` marks cases the viewer sees only through their department (which only department
    readers see, access.DEPARTMENT_READER_ROLES). `key` names one figure of one case, e.g.
    "s|closed|2026-03|112" (status, month of creation in Beijing time, outcome of the three clocks),
    "i|2026-03|<item id>", "d|2026-03|<department id>", "p|2026-03|<proxy point id>",
    "g|2026-03|<rating level>", "f|2026-03" (its follow-up): every figure per month of creation, so that a
    period's figures are sums over its months.
    Rebuilt from the cases by `shanghui rebuild_case_stats`."""

    # Not a foreign key: 0 means "every case", and -1 holds the "needs a rebuild" marker.
    viewer_id = models.BigIntegerField()
    via_department = models.BooleanField(default=False)
    key = models.CharField(max_length=40)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("办件统计汇总")
        verbose_name_plural = _("办件统计汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["viewer_id", "via_department", "key"], name="proxy_casestat_unique"
            )
        ]


@receiver(post_save, sender="orgs.Organisation")
def _organisation_saved(sender: object, instance: models.Model, created: bool, **kwargs: object) -> None:
    # A move rewrites the paths of the moved subtree (orgs.services.update_organisation): who sees
    # which case changes, and the case summaries must follow. New organisations have no cases yet.
    update_fields = kwargs.get("update_fields")
    if not created and isinstance(update_fields, frozenset) and "path" in update_fields:
        from shanghui.proxy.summaries import organisation_path_saved

        organisation_path_saved(instance.pk)
