"""The government service catalogue (政务服务事项目录): service items owned by departments, their
required materials, their versions, and what each proxy point offers.

Versioning: `ServiceItem` is the living item that staff edit; every change that alters what a citizen
sees writes a new `ItemVersion` snapshot (fields and materials as JSON). A proxy case pins the version
current at intake, so later edits never change what an existing case asked for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    # Values are the national type codes used by the provincial portals (see shared/data/README.md).
    LICENSE = "1", _("行政许可")
    PAYMENT = "5", _("行政给付")
    CONFIRMATION = "7", _("行政确认")
    REWARD = "8", _("行政奖励")
    ADJUDICATION = "9", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working", _("工作日")
    CALENDAR_DAYS = "calendar", _("自然日")


class Delivery(models.TextChoices):
    POST = "post", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子证照")
    PICKUP = "pickup", _("代办点自取")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    BOTH = "both", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子材料")


class ServiceItem(models.Model):
    department = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="service_items",
        limit_choices_to={"kind": "department"},
    )  # fmt: skip
    code = models.CharField(_("实施编码"), max_length=80, unique=True)
    name = models.CharField(_("事项名称"), max_length=200, db_index=True)
    item_type = models.CharField(_("事项类型"), max_length=4, choices=ItemType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sub_items",
    )
    # The portal's grouping (主项名称) as imported, kept even when no parent item exists for it.
    group_name = models.CharField(_("主项名称"), max_length=200, blank=True)
    description = models.TextField(_("事项说明"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    legal_limit = models.PositiveIntegerField(_("法定时限"), null=True, blank=True)
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    promised_limit = models.PositiveIntegerField(_("承诺时限"), null=True, blank=True)
    promised_limit_unit = models.CharField(
        _("承诺时限单位"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    fee_yuan = models.DecimalField(_("收费金额（元）"), max_digits=10, decimal_places=2, default=0)
    fee_note = models.CharField(
        _("收费说明"), max_length=200, blank=True, help_text=_("如：不收费；工本费20元")
    )
    delivery_methods = models.JSONField(_("送达方式"), default=list, blank=True)
    proxy_eligible = models.BooleanField(_("可由商会代办"), default=True)
    # GB/T 2260 codes of the counties that offer the item; empty means every county of the department.
    region_codes = models.JSONField(_("办理区县"), default=list, blank=True)
    is_online = models.BooleanField(_("在线（上架）"), default=True)
    # How often citizens chose the item: a ranking signal for search.
    usage_count = models.PositiveIntegerField(_("办件量"), default=0)
    version = models.PositiveIntegerField(_("当前版本"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["department_id", "name"]
        indexes = [
            models.Index(fields=["department", "is_online"], name="catalog_item_dept_online_idx"),
            models.Index(fields=["proxy_eligible", "is_online"], name="catalog_item_proxy_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit__isnull=True)
                | Q(legal_limit__isnull=True)
                | Q(promised_limit__lte=models.F("legal_limit"))
                | ~Q(promised_limit_unit=models.F("legal_limit_unit")),
                name="catalog_item_promised_within_legal",
            ),
            models.CheckConstraint(condition=Q(fee_yuan__gte=0), name="catalog_item_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials"
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(
        _("材料形式"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    required = models.BooleanField(_("必须提交"), default=True)
    deferrable = models.BooleanField(_("可容缺后补"), default=False)
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/%Y/", blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(copies__gte=1), name="catalog_material_copies_positive")
        ]

    def __str__(self) -> str:
        return self.name


class ItemVersion(models.Model):
    """A frozen copy of an item as citizens saw it; cases point here."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    snapshot = models.JSONField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="catalog_version_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"


class ProxyPointCatalog(models.Model):
    """Which items a proxy point takes. By default (`offers_all`) every proxy-eligible item."""

    proxy_point = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="catalog_settings",
        limit_choices_to={"kind": "proxy_point"},
    )  # fmt: skip
    offers_all = models.BooleanField(_("提供全部可代办事项"), default=True)
    items = models.ManyToManyField(
        ServiceItem, blank=True, related_name="offered_by", verbose_name=_("提供的事项")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("代办点事项设置")
        verbose_name_plural = _("代办点事项设置")

    def __str__(self) -> str:
        return f"{self.proxy_point_id}: {'全部可代办事项' if self.offers_all else '选中的事项'}"


class Synonym(models.Model):
    """How citizens say it → the catalogue's own terms, e.g. 换身份证 → 居民身份证 办理."""

    phrase = models.CharField(_("群众说法"), max_length=50, unique=True)
    terms = models.CharField(_("对应规范用语"), max_length=200, help_text=_("多个词用空格分隔"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.terms}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导入中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("未导入（有错误）")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("全部正确才导入")
        GOOD_ROWS = "good", _("导入正确的行，报告错误行")

    file = models.FileField(_("文件"), upload_to="catalog/imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    mode = models.CharField(_("导入方式"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    # The federation whose departments the rows name (departments are found or created below it).
    owner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(_("错误行"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The task (django-tasks result id) running the job: its page tells a run cut off by a dead worker.
    task_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
