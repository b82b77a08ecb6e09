"""Every write to proxy cases besides status changes (those go through workflow.transition):
intake, materials, material review, rating and bad-rating follow-up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import ServiceItem
from shanghui.catalog.services import items_offered_by, pin_version
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.uploads import check_upload, sha256_of
from shanghui.lib.validators import id_number_error, is_valid_mobile, normalize_id_number, normalize_mobile
from shanghui.lib.workdays import add_working_days, local_date
from shanghui.notify.services import notify_users
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.proxy import summaries
from shanghui.proxy.models import (
    Case,
    CaseMaterial,
    Channel,
    DailySerial,
    FollowUp,
    Rating,
    Status,
)
from shanghui.proxy.quotas import check_upload_quota
from shanghui.proxy.workflow import MACHINE
from shanghui.workdays import calendar

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


# --- Numbers -------------------------------------------------------------------------------------


def next_case_number(region_code: str) -> str:
    """{region}{yyyyMMdd}{serial:06d}, the serial counting per region and Beijing day. Must run inside
    the intake transaction: the counter row stays locked until it commits, so concurrent intakes queue
    and never share a number."""
    day = local_date(timezone.now())
    # Make sure the row exists without failing when another intake creates it at the same moment.
    DailySerial.objects.bulk_create([DailySerial(region_code=region_code, day=day)], ignore_conflicts=True)
    serial = DailySerial.objects.select_for_update().get(region_code=region_code, day=day)
    serial.last += 1
    serial.save(update_fields=["last"])
    return f"{region_code}{day:%Y%m%d}{serial.last:06d}"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))


# --- Intake --------------------------------------------------------------------------------------


@dataclass
class Applicant:
    name: str
    id_number: str
    mobile: str
    home_region_code: str
    current_city: str
    current_address: str = ""

    def cleaned(self) -> Applicant:
        errors: dict[str, str] = {}
        name = self.name.strip()
        if not name or len(name) > 50:
            errors["name"] = "请填写申请人姓名"
        id_number = normalize_id_number(self.id_number)
        if error := id_number_error(id_number):
            errors["id_number"] = error
        mobile = normalize_mobile(self.mobile)
        if not is_valid_mobile(mobile):
            errors["mobile"] = "请输入有效的11位手机号码（以1开头）"
        region = self.home_region_code.strip()
        if len(region) != 6 or not region.isdigit():
            errors["home_region_code"] = "请选择户籍所在区县"
        if not self.current_city.strip():
            errors["current_city"] = "请填写现居城市"
        if errors:
            raise ValidationError(errors)
        return Applicant(
            name, id_number, mobile, region, self.current_city.strip(), self.current_address.strip()
        )


def offered_items(point: Organisation) -> Any:
    return items_offered_by(point).filter(proxy_eligible=True, is_online=True)


# How a case came in, as its first timeline entry says. API intake is an agent's system acting.
CREATED_NOTES = {
    Channel.CITIZEN: "申请人在线申请",
    Channel.AGENT: "代办员代为录入",
    Channel.API: "通过接口提交",
}


def create_case(
    *,
    actor: User | None,
    channel: str,
    item: ServiceItem,
    proxy_point: Organisation,
    applicant: Applicant,
    poa_confirmed: bool,
    note: str = "",
    idempotency_key: str = "",
) -> Case:
    """A new case in draft, pinned to the item's current version. With an `idempotency_key` (one per
    intake form), a repeated submission returns the case the first one created."""
    case, _created = create_case_once(
        actor=actor, channel=channel, item=item, proxy_point=proxy_point, applicant=applicant,
        poa_confirmed=poa_confirmed, note=note, idempotency_key=idempotency_key,
    )  # fmt: skip
    return case


@transaction.atomic
def create_case_once(
    *,
    actor: User | None,
    channel: str,
    item: ServiceItem,
    proxy_point: Organisation,
    applicant: Applicant,
    poa_confirmed: bool,
    note: str = "",
    idempotency_key: str = "",
) -> tuple[Case, bool]:
    """create_case, and whether this call created the case: False when the `idempotency_key` had already
    created it — a retry, or a duplicate that raced the first request and lost (the API answers 200
    instead of 201 then)."""
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    applicant = applicant.cleaned()
    if proxy_point.kind != OrgKind.PROXY_POINT or not proxy_point.is_active:
        raise ValidationError({"proxy_point": "请选择一个代办点"})
    if not offered_items(proxy_point).filter(pk=item.pk).exists():
        raise ValidationError({"item": "该代办点不受理此事项"})
    if item.region_codes and applicant.home_region_code not in item.region_codes:
        raise ValidationError({"home_region_code": "申请人户籍所在区县不办理此事项"})
    if not poa_confirmed:
        raise ValidationError({"poa_confirmed": "请阅读并确认委托书"})
    now = timezone.now()
    case = Case(
        query_code=new_query_code(),
        status=Status.DRAFT,
        channel=channel,
        item=item,
        item_version=pin_version(item),
        proxy_point=proxy_point,
        department_id=item.department_id,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_id_hash=keyed_hash(applicant.id_number),
        applicant_mobile=applicant.mobile,
        home_region_code=applicant.home_region_code,
        current_city=applicant.current_city,
        current_address=applicant.current_address,
        poa_confirmed_at=now,
        note=note.strip(),
        created_by=actor,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            # The number is taken inside the savepoint: when the insert fails because the same form
            # raced itself, the rollback gives the serial back, so duplicates leave no gap.
            case.number = next_case_number(applicant.home_region_code)
            case.save()
    except IntegrityError:
        # The same form raced itself (a double click): the other request created the case.
        existing = Case.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    MACHINE.record_event(
        case, action="create", to_status=Status.DRAFT, actor=actor,
        actor_kind="applicant" if channel == Channel.CITIZEN else "agent",
        note=CREATED_NOTES[Channel(channel)], created_at=now,
    )  # fmt: skip
    summaries.record_change(None, case)
    return case, True


# --- Materials -----------------------------------------------------------------------------------

# Who may add files in which status: the citizen while preparing or correcting; the clerk's results.
UPLOAD_STATUSES = {Status.DRAFT, Status.SUBMITTED, Status.NEEDS_CORRECTION}


@transaction.atomic
def add_material(
    *, case: Case, actor: User | None, upload: UploadedFile, slot: int | None, is_result: bool = False,
    replace: bool = True,
) -> CaseMaterial:  # fmt: skip
    """One file for a case. In a numbered slot it replaces the slot's current file, unless `replace` is
    False (the second and later files chosen together: add_materials)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if is_result:
        if case.status != Status.ACCEPTED:
            raise ValidationError(_("只有办理中的办件可以上传结果文书"))
    elif case.status not in UPLOAD_STATUSES:
        raise ValidationError(f"办件当前状态为“{case.get_status_display()}”，不能再上传材料")
    content_type, extension = check_upload(upload)
    materials = case.item_version.snapshot.get("materials", [])
    if slot is not None and not 0 <= slot < len(materials):
        raise ValidationError(_("没有这一项材料"))
    # Without an actor the applicant uploads (the citizen pages): their quotas, by their mobile number.
    check_upload_quota(
        case_id=case.pk,
        user=actor,
        mobile=case.applicant_mobile if actor is None else "",
        size=upload.size or 0,
    )
    name = "办理结果" if is_result else (materials[slot]["name"] if slot is not None else "其他材料")
    if slot is not None and not is_result and replace:
        # A re-upload replaces the slot's file; the old one stays on record, no longer current.
        case.materials.filter(slot=slot, is_current=True, is_result=False).update(is_current=False)
    material = CaseMaterial(
        case=case, slot=slot, name=name, original_name=(upload.name or "")[:200], content_type=content_type,
        size=upload.size or 0, sha256=sha256_of(upload), uploaded_by=actor, is_result=is_result,
    )  # fmt: skip
    material.file.save(f"{case.number}-{secrets.token_hex(8)}{extension}", upload, save=False)
    material.save()
    return material


# Files chosen together in one upload; more is refused as a whole (a phone's whole gallery by mistake).
MAX_FILES_PER_UPLOAD = 10


@dataclass
class UploadOutcome:
    stored: list[CaseMaterial]
    refused: list[tuple[str, str]]  # (file name, reason in Chinese)

    def message(self) -> str:
        """The refused files, each named with its reason: "IMG_1.heic：只能上传…；b.pdf：文件超过…"; the
        reason alone when the one file sent was refused (the person knows which file they chose)."""
        if len(self.refused) == 1 and not self.stored:
            return self.refused[0][1]
        return "；".join(f"{name}：{reason}" for name, reason in self.refused)


def add_materials(
    *, case: Case, actor: User | None, uploads: list[UploadedFile], slot: int | None
) -> UploadOutcome:
    """Several files chosen at once for one slot (or the extra files). Each is checked and stored on its
    own, exactly as one upload (type, size, the quotas per file, the case's status): a refused file is
    named with its reason and the others are kept — on a phone with a poor connection, sending the good
    photos again is worse than re-taking one. In a numbered slot the first stored file replaces the
    slot's old one and the rest join it. More than MAX_FILES_PER_UPLOAD files are refused as a whole."""
    if not uploads:
        raise ValidationError(_("请选择要上传的文件"))
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(
            _("一次最多上传 %(limit)d 个文件，您选择了 %(chosen)d 个，请分批上传")
            % {"limit": MAX_FILES_PER_UPLOAD, "chosen": len(uploads)}
        )
    outcome = UploadOutcome([], [])
    for upload in uploads:
        try:
            material = add_material(
                case=case, actor=actor, upload=upload, slot=slot, replace=not outcome.stored
            )
        except ValidationError as exc:
            outcome.refused.append(((upload.name or "")[:100], "；".join(exc.messages)))
        else:
            outcome.stored.append(material)
    return outcome


@transaction.atomic
def review_material(*, material: CaseMaterial, actor: User, review: str, note: str = "") -> CaseMaterial:
    if review not in CaseMaterial.Review.values:
        raise ValidationError({"review": "请选择审核结果"})
    if review == CaseMaterial.Review.NEEDS_CORRECTION and not note.strip():
        raise ValidationError({"note": "请写明需要怎样补正"})
    material = CaseMaterial.objects.select_for_update().get(pk=material.pk)
    material.review = review
    material.review_note = note.strip()[:300]
    material.save(update_fields=["review", "review_note"])
    return material


def missing_required(case: Case) -> list[str]:
    """Names of required materials with no current file (容缺 items may come later)."""
    present = set(case.materials.filter(is_current=True, is_result=False).values_list("slot", flat=True))
    return [
        material["name"]
        for index, material in enumerate(case.item_version.snapshot.get("materials", []))
        if material.get("required") and not material.get("deferrable") and index not in present
    ]


# --- Personal data ---------------------------------------------------------------------------------


def reveal_id_number(*, actor: User, case: Case, request: HttpRequest | None = None, via: str = "") -> str:
    """The applicant's full ID number, audited (pages and API alike). The caller has checked that the
    actor handles the case (access.get_case_for_user(..., write=True)). `via`: "api" for the REST API."""
    detail = {"field": "applicant_id_number", **({"via": via} if via else {})}
    record(actor=actor, action=AuditAction.PII_REVEAL, obj=case, request=request, detail=detail)
    return case.applicant_id_number


# --- Rating and follow-up --------------------------------------------------------------------------


@transaction.atomic
def rate_case(*, case: Case, actor: User | None = None, level: int, comment: str = "") -> Rating:
    """好差评 by the applicant, once per case, after the result was delivered. `actor`: the user who
    entered it (None: the applicant on the citizen pages), recorded on the timeline event."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in summaries.RATED_STATUSES:
        raise ValidationError(_("办件办结送达后才能评价"))
    if Rating.objects.filter(case=case).exists():
        raise ValidationError(_("该办件已经评价过了"))
    if level not in Rating.Level.values:
        raise ValidationError({"level": "请选择评价等级"})
    rating = Rating.objects.create(case=case, level=level, comment=comment.strip()[:1000])
    summaries.record_rating(case, level, followed_up=rating.is_bad)  # the follow-up is opened below
    MACHINE.record_event(
        case, action="rate", from_status=case.status, to_status=case.status, actor=actor,
        actor_kind="applicant", note=rating.get_level_display(), data={"level": level}, created_at=timezone.now(),
    )  # fmt: skip
    if rating.is_bad:
        responsible: Organisation = case.window if case.window is not None else case.proxy_point
        due = add_working_days(calendar.current(), timezone.now(), settings.PROXY_FOLLOW_UP_DAYS)
        follow_up = FollowUp.objects.create(rating=rating, responsible=responsible, due_at=due)
        from shanghui.proxy.clocks import staff_of

        role = Role.WINDOW_CLERK if case.window_id else Role.AGENT
        notify_users(
            users=staff_of(responsible.pk, role), event="case.bad_rating", key=f"followup:{follow_up.pk}",
            title=f"办件{case.number}收到差评，请整改", body=rating.comment[:200],
            url=f"/cases/{case.pk}/", subject=f"proxy.case:{case.pk}",
            # Both organisations the applicant dealt with: their robots (and those above) may follow ratings.
            orgs=[o for o in [case.proxy_point_id, case.window_id] if o],
        )  # fmt: skip
    return rating


FOLLOW_UP_MOVES = {
    "answer": ({FollowUp.State.OPEN}, FollowUp.State.ANSWERED),
    "close": ({FollowUp.State.ANSWERED}, FollowUp.State.CLOSED),
    "reopen": ({FollowUp.State.ANSWERED}, FollowUp.State.OPEN),
    "appeal": ({FollowUp.State.OPEN, FollowUp.State.ANSWERED}, FollowUp.State.APPEALED),
    "uphold_appeal": ({FollowUp.State.APPEALED}, FollowUp.State.APPEAL_UPHELD),
    "reject_appeal": ({FollowUp.State.APPEALED}, FollowUp.State.OPEN),
}


@transaction.atomic
def move_follow_up(*, follow_up: FollowUp, actor: User, move: str, text: str = "") -> FollowUp:
    """answer (responsible side) → close or reopen (supervisor); appeal (responsible side) →
    uphold or reject (supervisor). Access is checked by the caller (proxy.access)."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    sources, target = FOLLOW_UP_MOVES[move]
    if follow_up.state not in sources:
        raise ValidationError(f"整改当前状态为“{follow_up.get_state_display()}”，不能执行此操作")
    if move in ("answer", "appeal") and not text.strip():
        raise ValidationError({"text": "请填写内容"})
    if move == "answer":
        follow_up.answer = text.strip()
    elif move == "appeal":
        follow_up.appeal_reason = text.strip()
    else:
        follow_up.decision_note = text.strip()
    follow_up.state = target
    follow_up.save()
    record(
        actor=actor,
        action=AuditAction(f"followup.{move}"),
        obj=follow_up,
        detail={"case_id": follow_up.rating.case_id},
    )
    return follow_up
