"""Every write to the catalogue. Keyword-only, explicit actor (None is the system), one transaction.

Versioning: `snapshot_of()` is what a citizen sees of an item (every field of the service guide and the
materials list, with the department's name). A write whose snapshot differs from the item's current one
bumps `ServiceItem.version` and stores the new snapshot as an `ItemVersion`; a write that changes only
the online flag (a publishing state, not content) saves without a new version; a write that changes
nothing writes nothing. Proxy cases pin `pin_version(item)` at intake; `current_version(item)` only reads.

`updated_at` moves on every write (the search index reloads when Max(updated_at) changes): `save()`
sets it through auto_now; the bulk writes of the importer set it explicitly.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import (
    Delivery,
    ImportJob,
    ItemType,
    ItemVersion,
    Material,
    MaterialForm,
    ProxyPointCatalog,
    ServiceItem,
    Synonym,
)
from shanghui.orgs.models import PATH_STEP, Organisation, OrgKind
from shanghui.worker.durable import enqueue_with_change

# The fields a service call may set. `usage_count` and `version` are the system's.
ITEM_FIELDS = (
    "department", "code", "name", "item_type", "parent", "group_name", "description", "conditions",
    "legal_limit", "legal_limit_unit", "promised_limit", "promised_limit_unit", "fee_yuan", "fee_note",
    "delivery_methods", "proxy_eligible", "region_codes", "is_online",
)  # fmt: skip
# Changes to these alone save the item without a new version.
UNVERSIONED_FIELDS = frozenset({"is_online"})

REGION_CODE = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class MaterialData:
    """One required document as a service call takes it. `blank_form` is a stored file name, or a new
    upload (a File) that the service stores."""

    name: str
    form: str = MaterialForm.ORIGINAL
    copies: int = 1
    required: bool = True
    deferrable: bool = False
    notes: str = ""
    blank_form: str | File = ""

    def as_json(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict(): the importer calls this for every material of every row.
        return {
            "name": self.name, "form": self.form, "copies": self.copies, "required": self.required,
            "deferrable": self.deferrable, "notes": self.notes,
            "blank_form": self.blank_form if isinstance(self.blank_form, str) else "",
        }  # fmt: skip


def material_data_of(material: Material) -> MaterialData:
    return MaterialData(
        name=material.name, form=material.form, copies=material.copies, required=material.required,
        deferrable=material.deferrable, notes=material.notes, blank_form=material.blank_form.name or "",
    )  # fmt: skip


def materials_of(item: ServiceItem) -> list[MaterialData]:
    # Uses a prefetch when there is one (the importer and the export prefetch "materials").
    return [material_data_of(m) for m in sorted(item.materials.all(), key=lambda m: (m.position, m.pk))]


@functools.cache
def zh_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """The Chinese labels of a choices class, whatever language the request uses: snapshots, exports
    and import files are in Chinese (the labels are the translation source)."""
    with translation.override("zh-hans"):
        return {str(value): str(label) for value, label in choices.choices}


def fee_text(value: Decimal | int | str | None) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def snapshot_of(
    item: ServiceItem, materials: Sequence[MaterialData], *, department_name: str = ""
) -> dict[str, Any]:
    """What a citizen sees of `item` with `materials`: the content of an ItemVersion."""
    return {
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "item_type_label": zh_labels(ItemType).get(item.item_type, ""),
        "department_id": item.department_id,
        "department_name": department_name or (item.department.name if item.department_id else ""),
        "parent_id": item.parent_id,
        "group_name": item.group_name,
        "description": item.description,
        "conditions": item.conditions,
        "legal_limit": item.legal_limit,
        "legal_limit_unit": item.legal_limit_unit,
        "promised_limit": item.promised_limit,
        "promised_limit_unit": item.promised_limit_unit,
        "fee_yuan": fee_text(item.fee_yuan),
        "fee_note": item.fee_note,
        "delivery_methods": list(item.delivery_methods or []),
        "proxy_eligible": item.proxy_eligible,
        "region_codes": list(item.region_codes or []),
        "materials": [m.as_json() for m in materials],
    }


# How the snapshot keys read in the version history.
SNAPSHOT_LABELS = {
    "code": "实施编码", "name": "事项名称", "item_type": "事项类型", "department_id": "实施部门",
    "parent_id": "主项", "group_name": "主项名称", "description": "事项说明", "conditions": "受理条件",
    "legal_limit": "法定时限", "legal_limit_unit": "法定时限单位", "promised_limit": "承诺时限",
    "promised_limit_unit": "承诺时限单位", "fee_yuan": "收费金额", "fee_note": "收费说明",
    "delivery_methods": "送达方式", "proxy_eligible": "可代办", "region_codes": "办理区县",
    "materials": "申请材料", "is_online": "在线状态",
}  # fmt: skip
_DERIVED_KEYS = {"item_type_label", "department_name"}


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The snapshot keys that differ (derived labels folded into the field they come from)."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return [k for k in keys if k not in _DERIVED_KEYS] or keys


# --- validation shared by the services and the importer -------------------------------------------


def item_errors(item: ServiceItem) -> dict[str, str]:
    """Rules beyond the model's field validation, in Chinese, keyed by field."""
    errors: dict[str, str] = {}
    if item.legal_limit is not None and item.legal_limit < 1:
        errors["legal_limit"] = "法定时限应为正整数（天）"
    if item.promised_limit is not None and item.promised_limit < 1:
        errors["promised_limit"] = "承诺时限应为正整数（天）"
    if (
        item.legal_limit is not None
        and item.promised_limit is not None
        and item.legal_limit_unit == item.promised_limit_unit
        and item.promised_limit > item.legal_limit
    ):
        errors["promised_limit"] = "承诺时限不能超过法定时限"
    bad_delivery = [d for d in item.delivery_methods or [] if d not in Delivery.values]
    if bad_delivery:
        errors["delivery_methods"] = f"未知的送达方式：{'、'.join(map(str, bad_delivery))}"
    bad_regions = [c for c in item.region_codes or [] if not REGION_CODE.match(str(c))]
    if bad_regions:
        errors["region_codes"] = f"行政区划代码应为6位数字：{'、'.join(map(str, bad_regions))}"
    if item.fee_yuan is not None and Decimal(item.fee_yuan) < 0:
        errors["fee_yuan"] = "收费金额不能为负数"
    return errors


def _check_item(item: ServiceItem) -> None:
    errors: dict[str, Any] = dict(item_errors(item))
    if item.department_id and item.department.kind != OrgKind.DEPARTMENT:
        errors["department"] = "实施部门必须是“部门”类型的组织"
    if item.parent_id and item.parent_id == item.pk:
        errors["parent"] = "主项不能是事项本身"
    if errors:
        raise ValidationError(errors)
    # The constraint check is done above in Chinese; the model's own would repeat it in English.
    item.full_clean(validate_constraints=False)


def _material_errors(materials: Sequence[MaterialData]) -> None:
    for index, m in enumerate(materials, start=1):
        if not m.name.strip():
            raise ValidationError({"materials": f"第{index}项材料缺少名称"})
        if m.form not in MaterialForm.values:
            raise ValidationError({"materials": f"第{index}项材料的形式无效"})
        if m.copies < 1:
            raise ValidationError({"materials": f"第{index}项材料的份数应为正整数"})


def _store_blank_form(material: Material, upload: File) -> str:
    field = Material._meta.get_field("blank_form")
    name = field.generate_filename(material, upload.name or "blank-form")
    return default_storage.save(name, upload)


def _stored(materials: Sequence[MaterialData]) -> list[MaterialData]:
    """The materials with any new upload stored, so that their snapshot names the stored file."""
    result = []
    for m in materials:
        if isinstance(m.blank_form, File):
            m = replace(m, blank_form=_store_blank_form(Material(), m.blank_form))
        result.append(m)
    return result


def material_rows(item: ServiceItem, materials: Sequence[MaterialData]) -> list[Material]:
    return [
        Material(
            item=item,
            position=position,
            name=m.name.strip(),
            form=m.form,
            copies=m.copies,
            required=m.required,
            deferrable=m.deferrable,
            notes=m.notes,
            blank_form=m.blank_form if isinstance(m.blank_form, str) else "",
        )  # fmt: skip
        for position, m in enumerate(materials, start=1)
    ]


# --- items -----------------------------------------------------------------------------------------


@transaction.atomic
def create_item(
    *,
    actor: User | None,
    materials: Sequence[MaterialData] = (),
    request: HttpRequest | None = None,
    **fields: Any,
) -> ServiceItem:
    item = ServiceItem(**{k: v for k, v in fields.items() if k in ITEM_FIELDS})
    _check_item(item)
    _material_errors(materials)
    materials = _stored(materials)
    item.version = 1
    item.save()
    Material.objects.bulk_create(material_rows(item, materials))
    ItemVersion.objects.create(item=item, number=1, snapshot=snapshot_of(item, materials), created_by=actor)
    record(
        actor=actor, action=AuditAction.CATALOG_ITEM_CREATE, obj=item, request=request,
        detail={"code": item.code, "version": 1},
    )  # fmt: skip
    return item


class StaleEdit(ValidationError):
    """The item changed since the form was loaded (HTTP 409 in views)."""


@transaction.atomic
def update_item(
    *,
    actor: User | None,
    item: ServiceItem,
    materials: Sequence[MaterialData] | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> ServiceItem:
    """Change an item; `materials`, when given, replaces the whole list. `expected_version` is the
    version the editor saw: a concurrent edit in between is refused, never silently overwritten."""
    # Lock the row: two editors must not both compute "version + 1" from the same state. Only the item's
    # row (of=self): PostgreSQL would otherwise lock the department too, and every new case of that
    # department (its foreign key check) would wait for this edit.
    item = ServiceItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    if expected_version is not None and item.version != expected_version:
        raise StaleEdit(f"该事项已被他人修改（当前为第{item.version}版），请刷新页面后重新编辑")
    old_materials = materials_of(item)
    before = snapshot_of(item, old_materials)
    was_online = item.is_online
    for key, value in fields.items():
        if key in ITEM_FIELDS:
            setattr(item, key, value)
    _check_item(item)
    new_materials = old_materials if materials is None else list(materials)
    _material_errors(new_materials)
    # Compare before storing any new upload: a new file always differs from what was there.
    pending_upload = any(isinstance(m.blank_form, File) for m in new_materials)
    after = snapshot_of(item, new_materials)
    if before == after and not pending_upload and item.is_online == was_online:
        return item
    new_materials = _stored(new_materials)
    after = snapshot_of(item, new_materials)
    versioned = before != after
    if versioned:
        # History stays complete for items made before versioning (or outside the services).
        ItemVersion.objects.get_or_create(
            item=item, number=item.version, defaults={"snapshot": before, "created_by": None}
        )
        item.version += 1
    item.save()
    if new_materials != old_materials:
        item.materials.all().delete()
        Material.objects.bulk_create(material_rows(item, new_materials))
    if versioned:
        ItemVersion.objects.create(item=item, number=item.version, snapshot=after, created_by=actor)
    changed = changed_keys(before, after) + (["is_online"] if item.is_online != was_online else [])
    record(
        actor=actor, action=AuditAction.CATALOG_ITEM_UPDATE, obj=item, request=request,
        detail={"code": item.code, "fields": changed, "version": item.version},
    )  # fmt: skip
    return item


def current_version(item: ServiceItem) -> ItemVersion:
    """The item's current version as stored, read only: every catalogue write stores the version it makes
    (create_item, update_item, the importer). An item written outside these services has none yet: its
    current snapshot is returned unsaved, and nothing is written (pages and API reads call this)."""
    # The number stored now, not the one on `item`: a stale instance must not show an old version.
    version = ItemVersion.objects.filter(item_id=item.pk, number=F("item__version")).first()
    if version is not None:
        return version
    fresh = ServiceItem.objects.select_related("department").get(pk=item.pk)
    return ItemVersion(item=fresh, number=fresh.version, snapshot=snapshot_of(fresh, materials_of(fresh)))


def pin_version(item: ServiceItem) -> ItemVersion:
    """The stored ItemVersion of the item's current version, for a case to pin at intake (a write):
    later edits of the item never change what the case asked for. Stores the version of an item written
    outside the catalogue services, which has none yet."""
    version = current_version(item)
    if version.pk is not None:
        return version
    try:
        with transaction.atomic():
            locked = (
                ServiceItem.objects.select_for_update(of=("self",))
                .select_related("department")
                .get(pk=item.pk)
            )
            version, _ = ItemVersion.objects.get_or_create(
                item=locked,
                number=locked.version,
                defaults={"snapshot": snapshot_of(locked, materials_of(locked))},
            )
    except IntegrityError:
        # A concurrent intake created it first (PostgreSQL without the lock's reach on a fresh row).
        version = ItemVersion.objects.get(item_id=item.pk, number=F("item__version"))
    return version


# --- synonyms --------------------------------------------------------------------------------------


def _clean_synonym(synonym: Synonym) -> None:
    synonym.phrase = synonym.phrase.strip()
    synonym.terms = " ".join(synonym.terms.split())
    errors = {}
    if not synonym.phrase:
        errors["phrase"] = "请填写群众说法"
    if not synonym.terms:
        errors["terms"] = "请填写对应的规范用语"
    if Synonym.objects.filter(phrase=synonym.phrase).exclude(pk=synonym.pk).exists():
        errors["phrase"] = "这个说法已经有了，请直接修改它"
    if errors:
        raise ValidationError(errors)
    synonym.full_clean(validate_unique=False)


@transaction.atomic
def create_synonym(
    *, actor: User | None, phrase: str, terms: str, is_active: bool = True, request: HttpRequest | None = None
) -> Synonym:
    synonym = Synonym(phrase=phrase, terms=terms, is_active=is_active, updated_by=actor)
    _clean_synonym(synonym)
    synonym.save()
    record(actor=actor, action=AuditAction.CATALOG_SYNONYM_CREATE, obj=synonym, request=request)
    return synonym


@transaction.atomic
def update_synonym(
    *, actor: User | None, synonym: Synonym, request: HttpRequest | None = None, **fields: Any
) -> Synonym:
    synonym = Synonym.objects.select_for_update().get(pk=synonym.pk)
    changed = []
    for key in ("phrase", "terms", "is_active"):
        if key in fields and getattr(synonym, key) != fields[key]:
            setattr(synonym, key, fields[key])
            changed.append(key)
    if not changed:
        return synonym
    synonym.updated_by = actor
    _clean_synonym(synonym)
    synonym.save()
    record(
        actor=actor,
        action=AuditAction.CATALOG_SYNONYM_UPDATE,
        obj=synonym,
        request=request,
        detail={"fields": changed},
    )
    return synonym


@transaction.atomic
def delete_synonym(*, actor: User | None, synonym: Synonym, request: HttpRequest | None = None) -> None:
    detail = {"phrase": synonym.phrase, "terms": synonym.terms}
    deleted, _ = Synonym.objects.filter(pk=synonym.pk).delete()
    if deleted:
        record(
            actor=actor, action=AuditAction.CATALOG_SYNONYM_DELETE, object_type="catalog.synonym",
            object_id=str(synonym.pk), object_repr=synonym.phrase, request=request, detail=detail,
        )  # fmt: skip


# --- proxy point offers ----------------------------------------------------------------------------


def root_path(org: Organisation) -> str:
    return org.path[:PATH_STEP]


def catalogue_of(org: Organisation) -> QuerySet[ServiceItem]:
    """The items of the catalogue `org` works with: every item of a department under the same root
    federation (a Quzhou chamber's point takes Quzhou's items, not another city's)."""
    return ServiceItem.objects.filter(department__path__startswith=root_path(org))


def offerable_items(point: Organisation) -> QuerySet[ServiceItem]:
    return catalogue_of(point).filter(proxy_eligible=True, is_online=True)


def items_offered_by(point: Organisation) -> QuerySet[ServiceItem]:
    """What the point takes now: every online proxy-eligible item of its catalogue by default, or the
    ones it chose (those still online and proxy-eligible)."""
    settings = ProxyPointCatalog.objects.filter(proxy_point=point).first()
    items = offerable_items(point)
    if settings is None or settings.offers_all:
        return items
    return items.filter(Q(pk__in=settings.items.values("pk")))


@transaction.atomic
def set_point_offer(
    *,
    actor: User | None,
    point: Organisation,
    offers_all: bool,
    items: Iterable[ServiceItem | int] = (),
    request: HttpRequest | None = None,
) -> ProxyPointCatalog:
    if point.kind != OrgKind.PROXY_POINT:
        raise ValidationError(gettext_lazy("只有代办点可以设置提供的事项"))
    ids = {i if isinstance(i, int) else i.pk for i in items}
    allowed = set(offerable_items(point).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        raise ValidationError({"items": "所选事项中有不可代办、已下线或不属于本地目录的事项"})
    if not offers_all and not ids:
        raise ValidationError({"items": "请至少选择一个事项，或选择“提供全部可代办事项”"})
    settings, _ = ProxyPointCatalog.objects.select_for_update().get_or_create(proxy_point=point)
    settings.offers_all = offers_all
    settings.save()  # moves updated_at even when only the chosen items change
    settings.items.set([] if offers_all else sorted(ids))
    record(
        actor=actor, action=AuditAction.CATALOG_OFFER_UPDATE, obj=point, request=request,
        detail={"offers_all": offers_all, "items": 0 if offers_all else len(ids)},
    )  # fmt: skip
    return settings


# --- imports -----------------------------------------------------------------------------------------


@transaction.atomic
def start_import(
    *,
    actor: User | None,
    owner: Organisation,
    upload: File,
    mode: str,
    request: HttpRequest | None = None,
) -> ImportJob:
    """Store the uploaded file as a queued job and have the task worker run it once this commits."""
    # Imported here: the task module imports the importer, which imports this module.
    from shanghui.catalog.tasks import import_catalogue

    if owner.kind != OrgKind.FEDERATION:
        raise ValidationError({"owner": "导入的事项必须属于一个工商联"})
    if mode not in ImportJob.Mode.values:
        raise ValidationError({"mode": "请选择导入方式"})
    name = (getattr(upload, "name", "") or "catalogue").rsplit("/", 1)[-1][:200]
    job = ImportJob(original_name=name, mode=mode, owner=owner, created_by=actor)
    job.file.save(name, upload, save=False)
    job.save()
    record(
        actor=actor, action=AuditAction.CATALOG_IMPORT_START, obj=job, request=request,
        detail={"owner_id": owner.pk, "mode": mode, "file": name},
    )  # fmt: skip
    enqueue_with_change(import_catalogue, job.pk)
    return job
