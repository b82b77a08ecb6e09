"""Importing checked rows: in one transaction, look up the existing items by code, merge, create
missing departments, write with bulk operations, record the audit row (and finish the job)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import ImportJob, ItemVersion, Material, ServiceItem
from shanghui.catalog.services import MaterialData, item_errors, material_rows, materials_of, snapshot_of
from shanghui.catalog.transfer.columns import COLUMN_BY_KEY, ImportFileError, map_header
from shanghui.catalog.transfer.reading import read_table
from shanghui.catalog.transfer.rows import RowData, RowError, parse_row
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.orgs.regions import county_codes
from shanghui.orgs.services import create_organisation

BATCH = 500  # rows per progress report, per look-up query and per bulk write
MAX_REPORTED_ERRORS = 10_000

Progress = Callable[[int], None]


@dataclass
class ImportResult:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    # Another run of the same job finished it first (a task run again after its worker's lease ran out
    # while the first run was alive after all): this run wrote nothing.
    superseded: bool = False
    departments_created: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})


class _Rollback(Exception):
    pass


def import_file(
    data: bytes, *, owner: Organisation, actor: User | None, mode: str, job: ImportJob | None = None,
    progress: Progress | None = None,
) -> ImportResult:  # fmt: skip
    """Import a CSV or XLSX file. Raises ImportFileError when the file as a whole is unusable."""
    table = read_table(data)
    mapping = map_header(table.header)
    records = (
        (number, {key: cells[index] if index < len(cells) else "" for index, key in mapping.items()})
        for number, cells in table.rows
    )
    return import_records(
        records, total=len(table.rows), owner=owner, actor=actor, mode=mode, job=job, progress=progress
    )


def import_records(
    records: Iterable[tuple[int, dict[str, str]]],
    *,
    total: int,
    owner: Organisation,
    actor: User | None,
    mode: str,
    job: ImportJob | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import rows given as (row number, {column key: text}); every row must have the same keys."""
    if total == 0:
        raise ImportFileError("文件中没有数据行（第一行是表头，从第二行起每行一个事项）")
    result = ImportResult(total_rows=total)
    good: list[RowData] = []
    first_row: dict[str, int] = {}
    counties = county_codes(owner)
    for done, (number, cells) in enumerate(records, start=1):
        row, errors = parse_row(number, cells, counties=counties)
        if row is not None and row.code in first_row:
            errors = [
                RowError(
                    number,
                    COLUMN_BY_KEY["item_code"].header,
                    f"实施编码与第 {first_row[row.code]} 行重复",
                    row.code,
                )
            ]
            row = None
        if row is not None:
            first_row[row.code] = number
            good.append(row)
        result.errors.extend(errors)
        if progress and done % BATCH == 0:
            progress(done)
    if progress:
        progress(total)
    if result.errors and mode == ImportJob.Mode.ALL_OR_NOTHING:
        return result
    try:
        with transaction.atomic():
            _apply(good, result, owner=owner, actor=actor, mode=mode, job=job)
    except _Rollback:
        result.created = result.updated = result.unchanged = 0
        result.departments_created = []
        result.applied = False
    return result


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def find_departments(owner: Organisation, names: Iterable[str]) -> dict[str, Organisation]:
    """Departments under `owner` by full name, else by short name; the one nearest the owner wins."""
    wanted = set(names)
    found: dict[str, Organisation] = {}
    candidates = Organisation.objects.filter(kind=OrgKind.DEPARTMENT, path__startswith=owner.path).order_by(
        "-depth", "-path"
    )  # the nearest last, so it overwrites deeper ones
    for org in candidates.filter(short_name__in=wanted):
        found[org.short_name] = org
    for org in candidates.filter(name__in=wanted):
        found[org.name] = org
    return found


@dataclass
class _Planned:
    row: RowData
    item: ServiceItem
    new: bool
    versioned: bool
    before: dict[str, Any] | None  # the snapshot of the stored version (existing items)
    replace_materials: bool
    materials: list[MaterialData]


def _apply(
    rows: list[RowData], result: ImportResult, *, owner: Organisation, actor: User | None, mode: str,
    job: ImportJob | None,
) -> None:  # fmt: skip
    # Serialise imports into one federation: two at once would both create the same department.
    Organisation.objects.select_for_update().filter(pk=owner.pk).first()
    if job is not None and not _lock_running(job.pk):
        result.superseded = True
        raise _Rollback
    departments = find_departments(owner, {r.department for r in rows})
    # Departments not found yet: an unsaved stand-in for comparing; created below if a row needs it.
    pending: dict[str, Organisation] = {}
    plans: list[_Planned] = []
    for chunk in _chunks(rows, BATCH):
        existing = {
            item.code: item
            for item in ServiceItem.objects.filter(code__in=[r.code for r in chunk])
            .select_related("department")
            .prefetch_related("materials")
        }
        for row in chunk:
            department = departments.get(row.department) or pending.setdefault(
                row.department, Organisation(kind=OrgKind.DEPARTMENT, name=row.department, parent=owner)
            )
            plan = _plan_row(row, existing.get(row.code), department, owner, result)
            if plan is not None:
                plans.append(plan)
    if result.errors and mode == ImportJob.Mode.ALL_OR_NOTHING:
        raise _Rollback
    if not plans and result.errors:
        # Nothing good to write: report the file as failed, as in all-or-nothing mode.
        raise _Rollback
    for name, stand_in in pending.items():
        if any(p.item.department is stand_in for p in plans):
            created = create_organisation(
                actor=actor, kind=OrgKind.DEPARTMENT, name=name, parent=owner, region_code=owner.region_code
            )
            result.departments_created.append(name)
            for p in plans:
                if p.item.department is stand_in:
                    p.item.department = created
    _write(plans, actor=actor)
    result.applied = True
    detail = {
        "owner_id": owner.pk, "mode": mode, "rows": result.total_rows, "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged, "error_rows": result.error_rows,
        "departments_created": len(result.departments_created),
    }  # fmt: skip
    record(actor=actor, action=AuditAction.CATALOG_IMPORT, obj=job or owner, detail=detail)
    if job is not None:
        finish_job(job, result)


# Where a problem found after merging a row with the stored item is reported.
FIELD_COLUMNS = {
    "legal_limit": "legal_limit", "promised_limit": "promised_limit", "fee_yuan": "fee",
    "delivery_methods": "delivery", "region_codes": "counties",
}  # fmt: skip


def _plan_row(
    row: RowData,
    item: ServiceItem | None,
    department: Organisation,
    owner: Organisation,
    result: ImportResult,
) -> _Planned | None:
    was_online = True
    if item is None:
        item = ServiceItem(department=department, **row.values)
        new, before, old_materials = True, None, []
    else:
        if not item.department.path.startswith(owner.path):
            # Codes are unique across the whole platform: never let one federation's file take over
            # another's item.
            result.errors.append(
                RowError(row.row, COLUMN_BY_KEY["item_code"].header,
                         f"该实施编码已被“{item.department.name}”的事项使用，不属于本工商联", row.code)
            )  # fmt: skip
            return None
        old_materials = materials_of(item)
        before = snapshot_of(item, old_materials)
        was_online = item.is_online
        for key, value in row.values.items():
            setattr(item, key, value)
        if department.pk != item.department_id:
            item.department = department
        new = False
    materials = old_materials if row.materials is None else _carry_blank_forms(row.materials, old_materials)
    problems = item_errors(item)
    if problems:
        for field_name, message in problems.items():
            column = COLUMN_BY_KEY[FIELD_COLUMNS.get(field_name, "name")].header
            result.errors.append(RowError(row.row, column, message, ""))
        return None
    if new:
        result.created += 1
        return _Planned(row, item, True, True, None, True, materials)
    after = snapshot_of(item, materials, department_name=department.name)
    if department.pk is None:
        after["department_id"] = -1  # a department created by this import: always a change
    versioned = after != before
    if not versioned and item.is_online == was_online:
        result.unchanged += 1
        return None
    result.updated += 1
    return _Planned(row, item, False, versioned, before, materials != old_materials, materials)


def _carry_blank_forms(materials: list[MaterialData], old: list[MaterialData]) -> list[MaterialData]:
    """A file cannot carry the blank forms uploaded in the edit page: keep them by material name."""
    forms = {m.name: m.blank_form for m in old if m.blank_form}
    if not forms:
        return materials
    return [
        MaterialData(m.name, m.form, m.copies, m.required, m.deferrable, m.notes, forms.get(m.name, ""))
        for m in materials
    ]


UPDATE_FIELDS = [
    "department", "name", "item_type", "group_name", "description", "conditions", "legal_limit",
    "legal_limit_unit", "promised_limit", "promised_limit_unit", "fee_yuan", "fee_note", "delivery_methods",
    "proxy_eligible", "region_codes", "is_online", "version", "updated_at",
]  # fmt: skip


def _update_items(items: list[ServiceItem], field_names: list[str]) -> None:
    """UPDATE each item with executemany. QuerySet.bulk_update() builds a CASE expression per field and
    row, which takes minutes for 10,000 rows; this takes seconds on SQLite and PostgreSQL alike."""
    if not items:
        return
    fields = [f for f in (ServiceItem._meta.get_field(name) for name in field_names) if isinstance(f, Field)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    table, pk = quote(ServiceItem._meta.db_table), quote(str(ServiceItem._meta.pk.column))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608  (names from the model, values bound)
    params = [
        [f.get_db_prep_save(getattr(item, f.attname), connection) for f in fields] + [item.pk]
        for item in items
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _delete_materials(item_ids: list[int]) -> None:
    """Delete the materials of these items in one statement. QuerySet.delete() would load every row to
    send post_delete signals; the search index notices the change by the items' updated_at anyway."""
    if not item_ids:
        return
    quote = connection.ops.quote_name
    table, column = quote(Material._meta.db_table), quote(Material._meta.get_field("item").column)
    marks = ", ".join(["%s"] * len(item_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", item_ids)  # noqa: S608  (as above)


def _write(plans: list[_Planned], *, actor: User | None) -> None:
    now = timezone.now()
    for chunk in _chunks(plans, BATCH):
        new = [p for p in chunk if p.new]
        changed = [p for p in chunk if not p.new]
        for p in new:
            p.item.version = 1
        ServiceItem.objects.bulk_create([p.item for p in new])
        # Keep the history complete: an item stored before versioning gets its old snapshot first.
        versioned = [p for p in changed if p.versioned]
        have = set(
            ItemVersion.objects.filter(item_id__in=[p.item.pk for p in versioned]).values_list(
                "item_id", "number"
            )
        )
        versions = [
            ItemVersion(
                item=p.item, number=p.item.version, snapshot=p.before, created_by=None, created_at=now
            )
            for p in versioned
            if (p.item.pk, p.item.version) not in have
        ]
        for p in versioned:
            p.item.version += 1
        for p in changed:
            p.item.updated_at = now
        _update_items([p.item for p in changed], UPDATE_FIELDS)
        replaced = [p for p in changed if p.replace_materials]
        _delete_materials([p.item.pk for p in replaced])
        Material.objects.bulk_create(
            [m for p in [*new, *replaced] for m in material_rows(p.item, p.materials)], batch_size=BATCH
        )
        versions += [
            ItemVersion(item=p.item, number=p.item.version, snapshot=snapshot_of(p.item, p.materials),
                        created_by=actor, created_at=now)
            for p in [*new, *versioned]
        ]  # fmt: skip
        ItemVersion.objects.bulk_create(versions, batch_size=BATCH)


def finish_job(job: ImportJob, result: ImportResult, *, file_error: str = "") -> None:
    errors = [e.as_json() for e in result.errors[:MAX_REPORTED_ERRORS]]
    if len(result.errors) > MAX_REPORTED_ERRORS:
        errors.append(
            {"row": 0, "column": "", "value": "",
             "message": f"错误太多，只列出前 {MAX_REPORTED_ERRORS} 条（共 {len(result.errors)} 条）"}
        )  # fmt: skip
    if file_error:
        errors = [{"row": 0, "column": "", "value": "", "message": file_error}]
    job.status = ImportJob.Status.SUCCEEDED if result.applied else ImportJob.Status.FAILED
    job.total_rows = result.total_rows
    job.processed_rows = result.total_rows
    job.created_count = result.created
    job.updated_count = result.updated
    job.unchanged_count = result.unchanged
    job.errors = errors
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status", "total_rows", "processed_rows", "created_count", "updated_count", "unchanged_count",
            "errors", "finished_at",
        ]
    )  # fmt: skip


def _lock_running(job_id: int, statuses: Sequence[str] = (ImportJob.Status.RUNNING,)) -> bool:
    """Inside the transaction that finishes a job: lock its row and say whether it still waits to be
    finished (no other run of it finished it first)."""
    return ImportJob.objects.select_for_update().filter(pk=job_id, status__in=statuses).exists()
