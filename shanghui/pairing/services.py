"""Every write of pairing: typed, keyword-only, an explicit actor, one transaction, its audit row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.donations.models import Fund
from shanghui.donations.money import MAX_FEN, to_fen
from shanghui.lib.uploads import check_upload, sha256_of
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.pairing.access import can_write_pair
from shanghui.pairing.models import Outcome, Pair, Project, VillageProfile
from shanghui.pairing.workflow import PAIR_MACHINE, READER, WRITER


def _fen(value: Decimal | None, field: str, errors: dict[str, str], *, allow_zero: bool = True) -> int:
    if value is None:
        return 0
    try:
        fen = to_fen(value)
    except ValidationError as exc:
        errors[field] = exc.messages[0]
        return 0
    if fen < 0 or (fen == 0 and not allow_zero):
        errors[field] = "金额不能为负数"
    elif fen > MAX_FEN:
        errors[field] = "金额超出范围"
    return fen


@transaction.atomic
def create_pair(
    *, actor: User | None, partner: Organisation, village: Organisation, starts_on: dt.date,
    ends_on: dt.date | None = None, programme: str = "东西部协作", province: str = "", county: str = "",
    agreement: UploadedFile | None = None,
) -> Pair:  # fmt: skip
    errors: dict[str, str] = {}
    if partner.kind not in (OrgKind.ENTERPRISE, OrgKind.CHAMBER):
        errors["partner"] = "帮扶方须为企业或商会"
    if village.kind != OrgKind.VILLAGE:
        errors["village"] = "请选择结对村"
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    profile = VillageProfile.objects.filter(village=village).first()
    if profile is None and not (province.strip() and county.strip()):
        errors["province"] = "该村尚未登记所在省份和县，请填写"
    if Pair.objects.filter(partner=partner, village=village).exists():
        errors["village"] = "该企业与该村已结对"
    if agreement is not None:
        try:
            check_upload(agreement)
        except ValidationError as exc:
            errors["agreement"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    if profile is None:
        VillageProfile.objects.create(
            village=village, province=province.strip()[:20], county=county.strip()[:40]
        )
    pair = Pair(
        partner=partner,
        village=village,
        starts_on=starts_on,
        ends_on=ends_on,
        programme=programme[:40],
        created_by=actor,
    )
    if agreement is not None:
        pair.agreement_sha256 = sha256_of(agreement)
        pair.agreement.save(f"agreement-{pair.agreement_sha256[:12]}.pdf", agreement, save=False)
    pair.save(force_insert=True)
    PAIR_MACHINE.record_event(
        pair,
        action="create",
        actor=actor,
        actor_kind=WRITER,
        to_status=pair.status,
        created_at=timezone.now(),
    )
    record(actor=actor, action=AuditAction.PAIRING_CREATE, obj=pair)
    return pair


def end_pair(*, actor: User, pair: Pair, ends_on: dt.date, expected_status: str | None) -> Pair:
    """The pair ends (its projects and outcomes stay). Who may: access.can_write_pair, checked here."""
    kind = WRITER if can_write_pair(actor, pair) else READER
    with transaction.atomic():
        pair = PAIR_MACHINE.transition(
            pk=pair.pk, action="end", actor=actor, actor_kind=kind, expected_status=expected_status,
            params={"ends_on": ends_on},
        )  # fmt: skip
        record(actor=actor, action=AuditAction.PAIRING_END, obj=pair)
    return pair


@transaction.atomic
def add_project(
    *, actor: User | None, pair: Pair, kind: str, name: str, started_on: dt.date, description: str = "",
    invested: Decimal | None = None, fund: Fund | None = None,
) -> Project:  # fmt: skip
    errors: dict[str, str] = {}
    if kind not in Project.Kind.values:
        errors["kind"] = "请选择项目类型"
    if not name.strip():
        errors["name"] = "请填写项目名称"
    invested_fen = _fen(invested, "invested", errors)
    if kind == Project.Kind.CHARITY and invested_fen:
        errors["invested"] = "公益帮扶是捐赠，不填投资金额；捐赠请通过捐赠台账的基金登记"
    if errors:
        raise ValidationError(errors)
    project = Project.objects.create(
        pair=pair, kind=kind, name=name.strip()[:100], description=description.strip(), invested_fen=invested_fen,
        fund=fund, started_on=started_on,
    )  # fmt: skip
    PAIR_MACHINE.record_event(
        pair, action="project", actor=actor, actor_kind=WRITER, note=project.name, created_at=timezone.now()
    )
    record(actor=actor, action=AuditAction.PAIRING_PROJECT_CREATE, obj=project, detail={"pair": pair.pk})
    return project


@transaction.atomic
def record_outcome(
    *, actor: User | None, pair: Pair, year: int, collective_income: Decimal | None, jobs: int, trained: int,
    note: str = "",
) -> Outcome:  # fmt: skip
    errors: dict[str, str] = {}
    if not 2000 <= year <= dt.date.today().year:
        errors["year"] = "年度不正确"
    income = _fen(collective_income, "collective_income", errors)
    if jobs < 0 or jobs > 1_000_000:
        errors["jobs"] = "人数不正确"
    if trained < 0 or trained > 1_000_000:
        errors["trained"] = "人次不正确"
    if errors:
        raise ValidationError(errors)
    outcome, _created = Outcome.objects.update_or_create(
        pair=pair, year=year,
        defaults={"collective_income_fen": income, "jobs": jobs, "trained": trained, "note": note.strip()[:200], "recorded_by": actor},
    )  # fmt: skip
    record(
        actor=actor,
        action=AuditAction.PAIRING_OUTCOME_RECORD,
        obj=outcome,
        detail={"pair": pair.pk, "year": year},
    )
    return outcome
