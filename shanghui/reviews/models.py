"""Review chains (审查链): a template of ordered steps, and chain instances attached to any record.

A template is data (`ChainTemplate.steps`, a list of step dicts, see `StepSpec`): each step is one
reviewer slot (a role at an organisation, resolved by the owning programme: "branch_secretary" →
the secretary of the candidate's chamber's branch) or a parallel group of departments, each answering
无异议 / 有异议 / 需补充. A chain attaches to a record as a conversation does (owner type + id); the
owning programme answers who may see it and who sits on each slot (`reviews.owner.ReviewOwner`,
registered in `lib/owners.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.orgs.models import Organisation
from shanghui.workflow.models import EventBase

SINGLE, PARALLEL = "single", "parallel"


class ChainTemplate(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    # [{"key": "branch", "label": "支部初审", "kind": "single", "slot": "branch_secretary", "days": 5,
    #   "checks": ["age", "terms"]}, {"key": "joint", "label": "部门联审", "kind": "parallel",
    #   "departments": [<organisation id>, …], "days": 10}]
    steps = models.JSONField(_("步骤"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[ChainTemplate] = models.Manager()

    class Meta:
        verbose_name = _("审查链模板")
        verbose_name_plural = _("审查链模板")

    def __str__(self) -> str:
        return self.name


class Chain(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("审查中")
        MORE = "more", _("待补充材料")
        APPROVED = "approved", _("审查通过")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    owner_type = models.CharField(max_length=40)
    owner_id = models.BigIntegerField()
    template = models.ForeignKey(ChainTemplate, on_delete=models.PROTECT, related_name="chains")
    title = models.CharField(_("审查对象"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    # The index of the active step; len(steps) when every step is done.
    current = models.PositiveSmallIntegerField(default=0)
    # Bumped by the owner every time the subject changes (a step records the version it approved).
    subject_version = models.PositiveIntegerField(default=1)
    reason = models.TextField(_("结论说明"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[Chain] = models.Manager()

    class Meta:
        verbose_name = _("审查链")
        verbose_name_plural = _("审查链")
        constraints = [
            # At most one open chain per record (Wagtail's partial unique constraint).
            models.UniqueConstraint(
                fields=["owner_type", "owner_id"],
                condition=Q(status__in=["running", "more"]),
                name="reviews_chain_one_open_per_owner",
            )
        ]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="reviews_chain_owner_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RUNNING, self.Status.MORE)


class ChainStep(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("未开始")
        ACTIVE = "active", _("审查中")
        DONE = "done", _("已通过")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=40)
    label = models.CharField(_("步骤"), max_length=60)
    kind = models.CharField(max_length=10, default=SINGLE)
    slot = models.CharField(max_length=40, blank=True)
    days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=5)
    checks = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opinion = models.TextField(_("审查意见"), blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    # What the hard-rule checks found when the step started (approval is blocked while any remain).
    check_failures = models.JSONField(default=list, blank=True)
    overdue_flagged = models.BooleanField(default=False)

    objects: models.Manager[ChainStep] = models.Manager()

    class Meta:
        ordering = ["chain", "index"]
        constraints = [models.UniqueConstraint(fields=["chain", "index"], name="reviews_step_unique")]
        indexes = [models.Index(fields=["state", "due_at"], name="reviews_step_due_idx")]


class Opinion(models.TextChoices):
    AGREE = "agree", _("无异议")
    OBJECT = "object", _("有异议")
    MORE = "more", _("需补充")


class StepAnswer(models.Model):
    """One department's answer in a parallel step."""

    step = models.ForeignKey(ChainStep, on_delete=models.CASCADE, related_name="answers")
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    opinion = models.CharField(max_length=10, choices=Opinion.choices, blank=True)
    note = models.TextField(_("意见"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[StepAnswer] = models.Manager()

    class Meta:
        ordering = ["step", "department__name"]
        constraints = [models.UniqueConstraint(fields=["step", "department"], name="reviews_answer_unique")]


class ReviewEvent(EventBase):
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="events")

    objects: models.Manager[ReviewEvent] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]


class ReviewAttachment(models.Model):
    """A file given with a decision (checked by content, lib/uploads.py)."""

    event = models.ForeignKey(ReviewEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="reviews/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)

    objects: models.Manager[ReviewAttachment] = models.Manager()


class Delegation(models.Model):
    """A reviewer's deputy for a period: the deputy may decide wherever the principal may."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审查人"), on_delete=models.CASCADE, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("代理人"), on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Delegation] = models.Manager()

    class Meta:
        verbose_name = _("审查代理")
        verbose_name_plural = _("审查代理")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="reviews_delegation_period"
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("deputy")), name="reviews_delegation_not_self"
            ),
        ]
