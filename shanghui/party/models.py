"""Party building in chambers (商会党建): party organisations linked to chambers, the chambers' founding,
terms and re-elections, candidates vetted by the 五步审查 chain, and the party work register."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.lib.crypto import EncryptedTextField
from shanghui.orgs.models import Organisation
from shanghui.workflow.models import EventBase


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL = "general", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT = "joint", _("联合党支部")


class PartyOrganisation(models.Model):
    """A party organisation of one chamber, or a joint branch of several (联合党支部)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(
        _("类型"), max_length=20, choices=PartyOrgKind.choices, default=PartyOrgKind.BRANCH
    )
    chambers = models.ManyToManyField(
        Organisation, verbose_name=_("所属商会"), related_name="party_organisations"
    )
    secretary_name = models.CharField(_("书记"), max_length=50, blank=True)
    # The secretary's account, when they have one: they review at 支部初审.
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("书记账号"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    member_count = models.PositiveIntegerField(_("党员人数"), default=0)
    founded_on = models.DateField(_("成立日期"))
    term_ends_on = models.DateField(_("本届任期届满"), null=True, blank=True)
    last_election_on = models.DateField(_("上次换届"), null=True, blank=True)
    # 五有: 有牌子、有经费、有阵地、有计划 (有活动 comes from the work register).
    has_plaque = models.BooleanField(_("已挂牌"), default=False)
    annual_funds = models.DecimalField(_("年度党建经费（元）"), max_digits=12, decimal_places=2, default=0)
    venue = models.CharField(_("活动阵地"), max_length=200, blank=True)
    plan_year = models.PositiveSmallIntegerField(_("已制定年度计划的年份"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[PartyOrganisation] = models.Manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChamberProfile(models.Model):
    """What the 三同时 register needs of a chamber: founding, president, term, party members."""

    chamber = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="party_profile")
    founded_on = models.DateField(_("商会成立日期"))
    president_name = models.CharField(_("会长"), max_length=50, blank=True)
    term_ends_on = models.DateField(_("本届任期届满"), null=True, blank=True)
    last_election_on = models.DateField(_("上次换届"), null=True, blank=True)
    party_members = models.PositiveIntegerField(_("会员中的党员人数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[ChamberProfile] = models.Manager()

    class Meta:
        verbose_name = _("商会党建档案")
        verbose_name_plural = _("商会党建档案")


class Election(models.Model):
    """A chamber's re-election (换届): its candidates are vetted in one 五步审查 round; the chamber and its
    party organisation are re-elected on the dates recorded here."""

    chamber = models.ForeignKey(
        Organisation, verbose_name=_("商会"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("换届名称"), max_length=100)
    planned_on = models.DateField(_("计划换届日期"))
    chamber_held_on = models.DateField(_("商会换届日期"), null=True, blank=True)
    party_held_on = models.DateField(_("党组织换届日期"), null=True, blank=True)
    notice_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Election] = models.Manager()

    class Meta:
        verbose_name = _("换届")
        verbose_name_plural = _("换届")
        ordering = ["-planned_on", "pk"]

    def __str__(self) -> str:
        return f"{self.chamber.name} {self.name}"


class Position(models.TextChoices):
    PRESIDENT = "president", _("会长")
    VICE_PRESIDENT = "vice_president", _("副会长")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    PARTY_SECRETARY = "party_secretary", _("党组织书记")
    SUPERVISOR = "supervisor", _("监事长")


class Candidate(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待发起审查")
        VETTING = "vetting", _("审查中")
        APPROVED = "approved", _("审查通过")
        REJECTED = "rejected", _("未通过")
        PUBLICITY = "publicity", _("公示中")
        FINAL = "final", _("确定人选")
        WITHDRAWN = "withdrawn", _("已撤回")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(_("姓名"), max_length=50)
    # The candidate proves this number on their phone to fill in the self-check (no account needed).
    mobile = EncryptedTextField(_("手机号"))
    position = models.CharField(_("拟任职务"), max_length=30, choices=Position.choices)
    birth_date = models.DateField(_("出生日期"))
    terms_served = models.PositiveSmallIntegerField(_("已连任届数"), default=0)
    enterprise = models.CharField(_("所在企业及职务"), max_length=200, blank=True)
    cv = models.TextField(_("个人简历"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The signed self-check: {"conditions": [...ticked], "disqualifications": [...ticked], "signature": "…"}
    self_check = models.JSONField(default=dict, blank=True)
    self_checked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[Candidate] = models.Manager()

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        ordering = ["election", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "position"],
                condition=Q(position__in=["president", "party_secretary", "secretary_general", "supervisor"])
                & ~Q(status__in=["rejected", "withdrawn"]),
                name="party_candidate_one_per_single_position",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_position_display()}）"


class CandidateDocument(models.Model):
    """A document of the candidate's file (ID, licences, certificates), checked by content."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="party/candidates/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[CandidateDocument] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]


class CandidateEvent(EventBase):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="events")

    objects: models.Manager[CandidateEvent] = models.Manager()

    class Meta:
        ordering = ["created_at", "pk"]


class DeedKind(models.TextChoices):
    STUDY = "study", _("学习会")
    PARTY_DAY = "party_day", _("主题党日")
    POLICY = "policy", _("送政策进会")
    PROBLEM = "problem", _("帮企解难")
    DONATION = "donation", _("疫情防控捐赠")


class Deed(models.Model):
    """The party work register (党建工作台账): study sessions, policy briefings, problems solved for
    enterprises, donations. (Study sessions and briefings move to the activities engine when it exists.)"""

    chamber = models.ForeignKey(
        Organisation, verbose_name=_("商会"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=DeedKind.choices)
    title = models.CharField(_("事项"), max_length=200)
    happened_on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    people = models.PositiveIntegerField(_("参与人数"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[Deed] = models.Manager()

    class Meta:
        verbose_name = _("党建工作")
        verbose_name_plural = _("党建工作")
        ordering = ["-happened_on", "-pk"]
        indexes = [models.Index(fields=["kind", "happened_on"], name="party_deed_kind_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="party_deed_amount_positive"
            )
        ]
