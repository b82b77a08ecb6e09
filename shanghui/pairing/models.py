"""Pairing (结对帮扶, 万企兴万村, 东西部协作): an enterprise or a chamber paired with a village, projects under
the pair, and what came of it each year.

Investment (商业投资, `invested_fen`) and donations are kept apart and never added together: a
project's donations are the gifts of its fund in the donations ledger (`fund`), its investment is the
amount the enterprise invested on commercial terms. No column, page or export holds their sum.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.donations.models import Fund
from shanghui.orgs.models import Organisation
from shanghui.workflow.models import EventBase


class VillageProfile(models.Model):
    """Where a village of the organisation tree lies: its province and county (pairs are counted by them)."""

    village = models.OneToOneField(
        Organisation, verbose_name=_("村"), on_delete=models.CASCADE, related_name="village_profile"
    )
    province = models.CharField(_("省份"), max_length=20)
    county = models.CharField(_("县（市、区）"), max_length=40)

    objects: models.Manager[VillageProfile] = models.Manager()

    class Meta:
        verbose_name = _("村信息")
        verbose_name_plural = _("村信息")
        indexes = [models.Index(fields=["province", "county"], name="pairing_village_place_idx")]

    def __str__(self) -> str:
        return f"{self.province}{self.county}{self.village.name}"


def agreement_path(instance: Pair, filename: str) -> str:
    return f"pairing/agreements/{instance.village_id}/{filename}"


class Pair(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("帮扶中")
        ENDED = "ended", _("已结束")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("帮扶企业/商会"),
        on_delete=models.PROTECT,
        related_name="pairs_as_partner",
    )
    village = models.ForeignKey(
        Organisation, verbose_name=_("结对村"), on_delete=models.PROTECT, related_name="pairs_as_village"
    )
    programme = models.CharField(_("帮扶行动"), max_length=40, default="东西部协作")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    agreement = models.FileField(_("帮扶协议"), upload_to=agreement_path, blank=True)
    agreement_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Pair] = models.Manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "village"], name="pairing_pair_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pairing_pair_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner.name} ↔ {self.village.name}"


class PairEvent(EventBase):
    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="events")


class Project(models.Model):
    class Kind(models.TextChoices):
        INDUSTRY = "industry", _("产业帮扶")
        JOBS = "jobs", _("就业帮扶")
        CHARITY = "charity", _("公益帮扶")
        EXPERTISE = "expertise", _("智力帮扶")

    pair = models.ForeignKey(Pair, verbose_name=_("结对"), on_delete=models.CASCADE, related_name="projects")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("项目名称"), max_length=100)
    description = models.TextField(_("内容"), blank=True)
    # Commercial investment (签约投资额), in fen. Never a donation.
    invested_fen = models.BigIntegerField(_("投资金额（分）"), default=0)
    # Donations go through the ledger: the gifts of this fund.
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("捐赠基金"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairing_projects",
    )
    started_on = models.DateField(_("开始日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Project] = models.Manager()

    class Meta:
        verbose_name = _("帮扶项目")
        verbose_name_plural = _("帮扶项目")
        ordering = ["pair", "started_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(invested_fen__gte=0), name="pairing_project_invested_nonneg"),
            # A charity project is a gift, not an investment.
            models.CheckConstraint(
                condition=~Q(kind="charity") | Q(invested_fen=0), name="pairing_project_charity_not_invested"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    """What the pairing brought in one year."""

    pair = models.ForeignKey(Pair, verbose_name=_("结对"), on_delete=models.CASCADE, related_name="outcomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    collective_income_fen = models.BigIntegerField(_("村集体增收（分）"), default=0)
    jobs = models.PositiveIntegerField(_("带动就业（人）"), default=0)
    trained = models.PositiveIntegerField(_("培训（人次）"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: models.Manager[Outcome] = models.Manager()

    class Meta:
        verbose_name = _("帮扶成效")
        verbose_name_plural = _("帮扶成效")
        ordering = ["pair", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "year"], name="pairing_outcome_year_unique"),
            models.CheckConstraint(
                condition=Q(collective_income_fen__gte=0), name="pairing_outcome_income_nonneg"
            ),
        ]
