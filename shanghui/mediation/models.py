"""Dispute mediation (涉企纠纷调解) by chamber mediation committees (商会人民调解委员会), shaped by the
People's Mediation Law (人民调解法). See docs/mediation.md for the states and who may move them.

A committee belongs to a chamber; its members are its admins (the head among them) and its roster of
mediators. A dispute is filed with one committee, has parties on both sides (enterprises or persons),
one to three mediators (checked for conflicts against the member registry and the register of ties),
sessions with minutes, and an outcome: a written agreement (art. 29), an oral one (art. 28) or none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanghui.lib.validators import validate_credit_code
from shanghui.workflow.models import EventBase


class Status(models.TextChoices):
    FILED = "filed", _("已登记，待受理")
    DECLINED = "declined", _("不予受理")
    AWAITING_CONSENT = "awaiting_consent", _("待被申请人同意")
    REFUSED = "refused", _("被申请人拒绝调解")
    MEDIATING = "mediating", _("调解中")
    AGREEMENT_DRAFTED = "agreement_drafted", _("协议待签署")
    IN_EFFECT = "in_effect", _("协议已生效")
    CONFIRMING = "confirming", _("司法确认中")
    PERFORMING = "performing", _("履行回访中")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("已结案")


FINAL_STATUSES = frozenset({Status.DECLINED, Status.REFUSED, Status.FAILED, Status.WITHDRAWN, Status.CLOSED})
OPEN_STATUSES = frozenset(set(Status) - FINAL_STATUSES)


class Kind(models.TextChoices):
    CONTRACT = "contract", _("合同/买卖")
    DEBT = "debt", _("债务")
    LABOUR = "labour", _("劳动")
    IP = "ip", _("知识产权")
    PARTNERSHIP = "partnership", _("合伙/股权")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    PARTY = "party", _("当事人申请")
    STAFF = "staff", _("调委会登记")
    COURT = "court", _("法院委派")
    OTHER_BODY = "other_body", _("其他机关委托")


class Outcome(models.TextChoices):
    NONE = "", _("尚无结果")
    WRITTEN = "written", _("书面调解协议")
    ORAL = "oral", _("口头协议")
    NO_AGREEMENT = "no_agreement", _("调解不成")


class CourtDecision(models.TextChoices):
    NONE = "", _("尚未裁定")
    GRANTED = "granted", _("确认有效")
    REJECTED = "rejected", _("驳回申请")


class Performance(models.TextChoices):
    NONE = "", _("尚未回访")
    PERFORMED = "performed", _("已履行")
    PARTLY = "partly", _("部分履行")
    NOT_PERFORMED = "not_performed", _("未履行")


class Clock(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理时限")
    MEDIATION = "mediation", _("调解期限")
    CONFIRMATION = "confirmation", _("司法确认申请期")
    FOLLOW_UP = "follow_up", _("履行回访")


class Committee(models.Model):
    """A chamber's people's mediation committee (商会人民调解委员会)."""

    chamber = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("所属商会"),
        on_delete=models.PROTECT,
        related_name="mediation_committees",
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主任"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("调解场所"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("调解委员会")
        verbose_name_plural = _("调解委员会")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("调委会管理员")
    MEDIATOR = "mediator", _("调解员")


class CommitteeMember(models.Model):
    """Who works for a committee: its admins (intake, acceptance, assignment) and its roster of mediators."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediation_roles"
    )
    role = models.CharField(_("角色"), max_length=10, choices=MemberRole.choices)
    speciality = models.CharField(_("擅长领域"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("调委会成员")
        verbose_name_plural = _("调委会成员")
        constraints = [
            models.UniqueConstraint(fields=["committee", "user", "role"], name="mediation_member_unique")
        ]


class TieKind(models.TextChoices):
    EMPLOYEE = "employee", _("在该企业任职")
    OFFICER = "officer", _("担任该企业负责人、股东或高管")
    RELATIVE = "relative", _("近亲属在该企业任职或持股")
    OTHER = "other", _("其他利害关系")


class Tie(models.Model):
    """The register of ties (利害关系登记): what a mediator declared, or the committee recorded, about
    enterprises they are tied to. The conflict check reads it beside the member registry (memberships)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediation_ties"
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    enterprise_name = models.CharField(_("企业名称"), max_length=100)
    kind = models.CharField(_("关系"), max_length=10, choices=TieKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("利害关系登记")
        verbose_name_plural = _("利害关系登记")
        indexes = [models.Index(fields=["credit_code"], name="mediation_tie_code_idx")]


class Dispute(models.Model):
    number = models.CharField(_("纠纷编号"), max_length=20, unique=True)
    committee = models.ForeignKey(
        Committee, verbose_name=_("调解委员会"), on_delete=models.PROTECT, related_name="disputes"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.FILED)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    # A court's or another body's own case number (诉前委派): kept, the other system is not copied.
    external_number = models.CharField(_("委派机关案号"), max_length=60, blank=True)
    delegated_by = models.CharField(_("委派机关"), max_length=100, blank=True)
    kind = models.CharField(_("纠纷类型"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("争议金额（元）"), max_digits=14, decimal_places=2, default=0)
    facts = models.TextField(_("纠纷事实"))
    claims = models.TextField(_("请求事项"))
    # Who filed it on the phone (the proved mobile), or the staff member.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_mobile = models.CharField(max_length=11, blank=True)
    public_sessions = models.BooleanField(_("公开调解"), default=False)

    filed_at = models.DateTimeField(_("登记时间"), db_index=True)
    acceptance_due_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    mediation_due_at = models.DateTimeField(null=True, blank=True)
    extended = models.BooleanField(_("已延长调解期限"), default=False)
    outcome_at = models.DateTimeField(_("调解结果时间"), null=True, blank=True)
    effective_at = models.DateTimeField(_("协议生效时间"), null=True, blank=True)
    confirmation_due_at = models.DateTimeField(null=True, blank=True)
    confirmation_applied_at = models.DateTimeField(_("申请司法确认时间"), null=True, blank=True)
    performing_at = models.DateTimeField(null=True, blank=True)
    performance_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)

    decline_reason = models.TextField(_("不予受理理由"), blank=True)
    advice = models.TextField(_("告知的其他解决途径"), blank=True)
    outcome = models.CharField(_("调解结果"), max_length=12, choices=Outcome.choices, blank=True, default="")
    issues = models.TextField(_("争议焦点"), blank=True)
    terms = models.TextField(_("协议内容"), blank=True)
    performance_method = models.TextField(_("履行方式"), blank=True)
    performance_due = models.DateField(_("履行期限"), null=True, blank=True)
    settled_amount = models.DecimalField(
        _("协议金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    handed_to_court = models.BooleanField(_("已移交法院（诉调对接）"), default=False)
    signed_scan = models.FileField(_("签章协议扫描件"), upload_to="mediation/%Y/%m/", blank=True)
    court = models.CharField(_("受理司法确认的法院"), max_length=100, blank=True)
    court_decision = models.CharField(
        _("司法确认结果"), max_length=10, choices=CourtDecision.choices, blank=True, default=""
    )
    ruling_number = models.CharField(_("裁定书文号"), max_length=60, blank=True)
    performance = models.CharField(
        _("履行情况"), max_length=14, choices=Performance.choices, blank=True, default=""
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("纠纷")
        verbose_name_plural = _("纠纷")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["committee", "status"], name="mediation_committee_status_idx"),
            models.Index(fields=["status", "mediation_due_at"], name="mediation_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="mediation_dispute_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class Side(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class PartyKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PERSON = "person", _("个人")


class Party(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("当事人地位"), max_length=10, choices=Side.choices)
    kind = models.CharField(_("类别"), max_length=10, choices=PartyKind.choices)
    name = models.CharField(_("名称/姓名"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    # The member enterprise the credit code names, when it is one of ours.
    enterprise = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    representative = models.CharField(_("法定代表人/代理人"), max_length=50, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    mobile = models.CharField(_("联系手机"), max_length=11, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    consent = models.BooleanField(_("同意调解"), null=True, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["side", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="person") | ~Q(credit_code=""), name="mediation_party_enterprise_has_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A mediator on a dispute: how they came (chosen by the parties or assigned), the conflicts the check
    found (kept, with the override's reason), their declaration of no conflict, and a recusal."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    chosen_by_parties = models.BooleanField(_("当事人选定"), default=False)
    conflicts = models.JSONField(_("利害关系检查结果"), default=list, blank=True)
    override_reason = models.TextField(_("仍然指派的理由"), blank=True)
    declared_at = models.DateTimeField(_("无利害关系声明时间"), null=True, blank=True)
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recused_at = models.DateTimeField(_("回避时间"), null=True, blank=True)
    recusal_reason = models.TextField(_("回避理由"), blank=True)

    class Meta:
        verbose_name = _("调解员指派")
        verbose_name_plural = _("调解员指派")
        ordering = ["assigned_at", "pk"]
        constraints = [
            # At most one active assignment of a mediator to a dispute.
            models.UniqueConstraint(
                fields=["dispute", "mediator"],
                condition=Q(recused_at__isnull=True),
                name="mediation_one_active_assignment",
            )
        ]


class Session(models.Model):
    """A mediation session (调解会): scheduled, then held with its minutes (笔录)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    scheduled_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    online = models.BooleanField(_("线上调解"), default=False)
    public = models.BooleanField(_("公开进行"), default=False)
    minutes = models.TextField(_("调解笔录"), blank=True)
    held_at = models.DateTimeField(_("实际举行时间"), null=True, blank=True)
    # Minutes reach the parties only when shared.
    shared_with_parties = models.BooleanField(_("向当事人公开笔录"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        ordering = ["scheduled_at", "pk"]


class FileKind(models.TextChoices):
    EVIDENCE = "evidence", _("证据材料")
    MINUTES = "minutes", _("笔录附件")
    OTHER = "other", _("其他")


class DisputeFile(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="files")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=FileKind.choices)
    file = models.FileField(_("文件"), upload_to="mediation/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_party = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("纠纷文件")
        verbose_name_plural = _("纠纷文件")
        ordering = ["created_at", "pk"]


class DisputeEvent(EventBase):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")

    class Meta:
        verbose_name = _("纠纷事件")
        verbose_name_plural = _("纠纷事件")
        ordering = ["created_at", "pk"]
