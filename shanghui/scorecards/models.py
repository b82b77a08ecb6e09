"""Scorecards (评价打分): versioned rubrics as data, rounds per period, one card per organisation.

A rubric (双强六好, 五有, 四好商会, 五强十好 …) has dimensions → indicators; each indicator has its maximum
points, how it is scored (`Method`), the evidence required and whether it is a veto item (一票否决: the
condition happening fails the whole card). A rubric is never edited once a round uses it: a revision is
a new version, and a round keeps the version it started with.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanghui.orgs.models import Organisation
from shanghui.workflow.models import EventBase


class Rubric(models.Model):
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    # An editable template whose items the federation fills in (五强十好: its items are not published).
    is_template = models.BooleanField(_("待完善模板"), default=False)
    description = models.TextField(_("说明"), blank=True)
    # [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, …] highest first; below all: the last one.
    levels = models.JSONField(_("等次"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Rubric] = models.Manager()

    class Meta:
        verbose_name = _("评价细则")
        verbose_name_plural = _("评价细则")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="scorecards_rubric_version")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def max_total(self) -> Decimal:
        return sum((i.max_points for i in self.indicators.all() if not i.veto), Decimal(0))


class Dimension(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="dimensions")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("维度"), max_length=100)

    objects: models.Manager[Dimension] = models.Manager()

    class Meta:
        ordering = ["rubric", "order"]


class Method(models.TextChoices):
    POINTS = "points", _("按分值打分")
    YESNO = "yesno", _("是/否")
    COUNT = "count", _("按次数计分（封顶）")
    DEDUCTION = "deduction", _("扣分")


class Indicator(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="indicators")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="indicators")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("指标"), max_length=200)
    method = models.CharField(_("计分方式"), max_length=10, choices=Method.choices, default=Method.POINTS)
    max_points = models.DecimalField(_("满分"), max_digits=6, decimal_places=1, default=Decimal(10))
    # Points per time (count) or per deduction (deduction).
    unit = models.DecimalField(_("每次分值"), max_digits=6, decimal_places=1, default=Decimal(1))
    evidence = models.CharField(_("佐证材料要求"), max_length=300, blank=True)
    veto = models.BooleanField(_("一票否决"), default=False)
    # A proposal source the platform answers from its own data (scorecards/sources.py), e.g. "party.venue".
    source = models.CharField(_("数据来源"), max_length=40, blank=True)

    objects: models.Manager[Indicator] = models.Manager()

    class Meta:
        ordering = ["rubric", "dimension__order", "order"]

    def __str__(self) -> str:
        return self.name

    def points(self, value: Decimal | None) -> Decimal:
        """The points a value earns (a veto item earns none: it only fails the card)."""
        if value is None or self.veto:
            return Decimal(0)
        if self.method == Method.YESNO:
            return self.max_points if value else Decimal(0)
        if self.method == Method.COUNT:
            return min(value * self.unit, self.max_points)
        if self.method == Method.DEDUCTION:
            return max(self.max_points - value * self.unit, Decimal(0))
        return min(max(value, Decimal(0)), self.max_points)


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        PUBLICITY = "publicity", _("公示中")
        CLOSED = "closed", _("已结束")

    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(_("评价名称"), max_length=100)
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("评价期开始"))
    period_end = models.DateField(_("评价期结束"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    notice_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Round] = models.Manager()

    class Meta:
        verbose_name = _("评价轮次")
        verbose_name_plural = _("评价轮次")
        ordering = ["-period_end", "name"]

    def __str__(self) -> str:
        return self.name


class Card(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待自评")
        SUBMITTED = "submitted", _("待评审")
        RETURNED = "returned", _("退回修改")
        SCORED = "scored", _("已评分")
        PUBLICITY = "publicity", _("公示中")
        FINAL = "final", _("已认定")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="cards")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("被评价组织"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    self_total = models.DecimalField(_("自评分"), max_digits=7, decimal_places=1, null=True, blank=True)
    review_total = models.DecimalField(_("评审分"), max_digits=7, decimal_places=1, null=True, blank=True)
    level = models.CharField(_("等次"), max_length=20, blank=True)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[Card] = models.Manager()

    class Meta:
        verbose_name = _("评价表")
        verbose_name_plural = _("评价表")
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="scorecards_card_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round.name} · {self.organisation.name}"


class Score(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    self_value = models.DecimalField(_("自评"), max_digits=7, decimal_places=1, null=True, blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)
    review_value = models.DecimalField(_("评审"), max_digits=7, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    # What the platform proposes from its own data, and where that came from.
    proposed_value = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    proposed_from = models.CharField(max_length=300, blank=True)

    objects: models.Manager[Score] = models.Manager()

    class Meta:
        ordering = ["card", "indicator__dimension__order", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["card", "indicator"], name="scorecards_score_unique")]


class Evidence(models.Model):
    """A file the evaluated organisation gives as evidence of an indicator (checked by content)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="evidence_files")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="scorecards/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Evidence] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]


class CardEvent(EventBase):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")

    objects: models.Manager[CardEvent] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]
