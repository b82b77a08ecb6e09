"""Every write to disputes besides status changes (those go through workflow.MACHINE.transition):
intake, mediators (the conflict check, declarations, recusal), sessions and minutes, files.
Each takes keyword-only arguments and the acting user (`actor`, None for a party on the phone with
`mobile`), holds its own guard (the actor kinds it needs) and runs in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.uploads import check_upload, sha256_of
from shanghui.lib.validators import (
    credit_code_error,
    is_valid_mobile,
    normalize_credit_code,
    normalize_mobile,
)
from shanghui.mediation import conflicts
from shanghui.mediation.clocks import CLOCKS, DEADLINES, acceptance_period, admins_of
from shanghui.mediation.models import (
    FINAL_STATUSES,
    Assignment,
    Committee,
    CommitteeMember,
    Dispute,
    DisputeFile,
    FileKind,
    Kind,
    MemberRole,
    Party,
    PartyKind,
    Session,
    Side,
    Source,
    Status,
)
from shanghui.mediation.workflow import APPLICANT, COMMITTEE, MACHINE, MEDIATOR, RESPONDENT
from shanghui.notify.services import notify_mobile, notify_users
from shanghui.orgs.models import Organisation, OrgKind

MAX_MEDIATORS = 3
MAX_AMOUNT = Decimal("999999999999.99")
MAX_FILES_PER_DISPUTE = 60
# Mediators are assigned until the outcome is recorded.
ASSIGNABLE = frozenset({Status.FILED, Status.AWAITING_CONSENT, Status.MEDIATING})


@dataclass
class PartyInput:
    side: str
    kind: str
    name: str
    mobile: str
    credit_code: str = ""
    representative: str = ""
    contact: str = ""
    address: str = ""

    def cleaned(self, prefix: str) -> PartyInput:
        errors: dict[str, str] = {}
        name = self.name.strip()
        if not name or len(name) > 100:
            errors[f"{prefix}name"] = "请填写当事人名称或姓名（100字以内）"
        if self.side not in Side.values:
            errors[f"{prefix}side"] = "请选择当事人地位"
        if self.kind not in PartyKind.values:
            errors[f"{prefix}kind"] = "请选择当事人类别（企业或个人）"
        code = normalize_credit_code(self.credit_code or "")
        if self.kind == PartyKind.ENTERPRISE:
            if error := credit_code_error(code):
                errors[f"{prefix}credit_code"] = error
        else:
            code = ""
        mobile = normalize_mobile(self.mobile or "")
        if not is_valid_mobile(mobile):
            errors[f"{prefix}mobile"] = "请输入有效的11位手机号码（以1开头）"
        if errors:
            raise ValidationError(errors)
        return PartyInput(
            self.side, self.kind, name, mobile, code, self.representative.strip()[:50], self.contact.strip()[:50],
            self.address.strip()[:200],
        )  # fmt: skip


def parse_amount(raw: Any) -> Decimal:
    try:
        amount = Decimal(str(raw if raw not in (None, "") else "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": "请输入有效金额（元），如 12000.50"}) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError({"amount": "争议金额应在 0 至 999,999,999,999.99 元之间"})
    return amount


def _store_files(dispute: Dispute, files: Sequence[UploadedFile], *, kind: str, actor: User | None,
                 session: Session | None = None) -> list[DisputeFile]:  # fmt: skip
    if not files:
        return []
    if DisputeFile.objects.filter(dispute=dispute).count() + len(files) > MAX_FILES_PER_DISPUTE:
        raise ValidationError({"files": f"每件纠纷最多 {MAX_FILES_PER_DISPUTE} 个文件"})
    stored = []
    for upload in files:
        content_type, extension = check_upload(upload)
        row = DisputeFile(
            dispute=dispute, session=session, kind=kind, name=(upload.name or "文件")[:200],
            content_type=content_type, size=upload.size or 0, sha256=sha256_of(upload), uploaded_by=actor,
            uploaded_by_party=actor is None,
        )  # fmt: skip
        row.file.save(f"d{dispute.pk}{extension}", upload, save=False)
        row.save()
        stored.append(row)
    return stored


def check_files(files: Sequence[UploadedFile]) -> None:
    """Refuse bad files before anything is written (a clear message next to the field)."""
    for upload in files:
        try:
            check_upload(upload)
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from None


# --- Intake -------------------------------------------------------------------------------------------


def create_dispute(
    *,
    actor: User | None,
    mobile: str = "",
    committee: Committee,
    source: str,
    kind: str,
    amount: Any,
    facts: str,
    claims: str,
    parties: Sequence[PartyInput],
    external_number: str = "",
    delegated_by: str = "",
    files: Sequence[UploadedFile] = (),
) -> Dispute:
    """File a dispute with a committee: by a party on the phone (`actor` None, `mobile` proved; the party
    must be one of the applicants), or by the committee's admin (any source, a court's delegation with its
    case number). Starts the acceptance clock."""
    errors: dict[str, Any] = {}
    if actor is None:
        if not mobile:
            raise PermissionDenied("请先验证手机号")
        source = Source.PARTY
    elif committee.pk not in _admin_committees(actor):
        raise PermissionDenied("只有调委会管理员可以登记纠纷")
    if not committee.is_active:
        errors["committee"] = "该调解委员会已停用"
    if source not in Source.values:
        errors["source"] = "请选择纠纷来源"
    if kind not in Kind.values:
        errors["kind"] = "请选择纠纷类型"
    facts, claims = (facts or "").strip(), (claims or "").strip()
    if not facts or len(facts) > 5000:
        errors["facts"] = "请填写纠纷事实（5000字以内）"
    if not claims or len(claims) > 2000:
        errors["claims"] = "请填写请求事项（2000字以内）"
    external_number, delegated_by = external_number.strip()[:60], delegated_by.strip()[:100]
    if source in {Source.COURT, Source.OTHER_BODY} and not (external_number and delegated_by):
        errors["external_number"] = "委派或委托的纠纷请填写委派机关及其案号"
    try:
        money = parse_amount(amount)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    cleaned: list[PartyInput] = []
    for i, party in enumerate(parties):
        try:
            cleaned.append(party.cleaned(f"parties.{i}." if len(parties) > 2 else f"{party.side}_"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    sides = {p.side for p in cleaned}
    if not errors and sides != {Side.APPLICANT, Side.RESPONDENT}:
        errors["parties"] = "至少需要一名申请人和一名被申请人"
    if not errors and actor is None and mobile not in {p.mobile for p in cleaned if p.side == Side.APPLICANT}:
        errors["applicant_mobile"] = "申请人的手机号须为您验证过的手机号"
    codes = [p.credit_code for p in cleaned if p.credit_code]
    if not errors and len(codes) != len(set(codes)):
        errors["parties"] = "同一企业不能重复列为当事人"
    check_files(files)
    if errors:
        raise ValidationError(errors)
    enterprises = dict(
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE, credit_code__in=codes).values_list(
            "credit_code", "pk"
        )
    )
    now = timezone.now()
    with transaction.atomic():
        dispute = Dispute.objects.create(
            number=f"tmp{uuid.uuid4().hex[:16]}", committee=committee, source=source,
            external_number=external_number, delegated_by=delegated_by, kind=kind, amount=money, facts=facts,
            claims=claims, filed_by=actor, filed_mobile=mobile if actor is None else "", filed_at=now,
        )  # fmt: skip
        # One code for the dispute from start to end: the committee's year and the row's id.
        dispute.number = f"TJ{timezone.localdate(now):%Y}{committee.pk:03d}{dispute.pk:06d}"
        CLOCKS.start(dispute, "acceptance", now, acceptance_period())
        dispute.save(update_fields=["number", "filed_at", "acceptance_due_at"])
        Party.objects.bulk_create(
            [
                Party(dispute=dispute, enterprise_id=enterprises.get(p.credit_code), **p.__dict__)
                for p in cleaned
            ]
        )
        _store_files(dispute, files, kind=FileKind.EVIDENCE, actor=actor)
        MACHINE.record_event(
            dispute, action="create", to_status=dispute.status, actor=actor,
            actor_kind=APPLICANT if actor is None else COMMITTEE, note=Source(source).label, created_at=now,
        )  # fmt: skip
        DEADLINES.schedule(dispute)
        notify_users(users=admins_of(dispute), event="mediation.filed", key=f"dispute:{dispute.pk}:filed",
                     title=f"新纠纷待受理：{dispute.number}", body=f"{Kind(kind).label}，请在受理时限内决定是否受理",
                     url=f"/mediation/{dispute.pk}/", subject=f"mediation.dispute:{dispute.pk}")  # fmt: skip
    return dispute


def _admin_committees(user: User) -> set[int]:
    return set(
        CommitteeMember.objects.filter(user=user, role=MemberRole.ADMIN).values_list(
            "committee_id", flat=True
        )
    )


def _lock(dispute_id: int) -> Dispute:
    # The dispute's row serialises every change to its mediators and sessions, as transitions do.
    return Dispute.objects.select_for_update(of=("self",)).select_related("committee").get(pk=dispute_id)


def _require(kinds: Iterable[str], *allowed: str, message: str) -> None:
    if not set(kinds) & set(allowed):
        raise PermissionDenied(message)


# --- Mediators --------------------------------------------------------------------------------------


def assign_mediator(
    *,
    actor: User | None,
    kinds: set[str],
    dispute_id: int,
    mediator: User,
    chosen_by_parties: bool = False,
    override_reason: str = "",
) -> Assignment:
    """Put a mediator of the committee's roster on the dispute (one to three). The conflict check runs
    first: a mediator tied to a party is refused unless the committee overrides it with a reason
    (audited)."""
    _require(kinds, COMMITTEE, message="只有调委会可以指派调解员")
    override_reason = override_reason.strip()
    with transaction.atomic():
        dispute = _lock(dispute_id)
        if dispute.status not in ASSIGNABLE:
            raise ValidationError(
                {"mediator": f"纠纷当前状态为“{dispute.get_status_display()}”，不能再指派调解员"}
            )
        if not CommitteeMember.objects.filter(
            committee_id=dispute.committee_id, user=mediator, role=MemberRole.MEDIATOR, user__is_active=True
        ).exists():
            raise ValidationError({"mediator": "只能从本调委会的调解员名册中指派"})
        active = dispute.assignments.filter(recused_at__isnull=True)
        if active.filter(mediator=mediator).exists():
            raise ValidationError({"mediator": "该调解员已在本纠纷中"})
        if active.count() >= MAX_MEDIATORS:
            raise ValidationError({"mediator": f"每件纠纷最多 {MAX_MEDIATORS} 名调解员"})
        found = conflicts.check(mediator, dispute)
        if found and not override_reason:
            raise ValidationError(
                {
                    "mediator": [
                        "该调解员与当事人存在利害关系，不能指派：" + "；".join(c.label for c in found)
                    ]
                },
                code="conflict",
            )
        now = timezone.now()
        assignment = Assignment.objects.create(
            dispute=dispute, mediator=mediator, chosen_by_parties=chosen_by_parties,
            conflicts=[c.as_dict() for c in found], override_reason=override_reason if found else "",
            assigned_at=now, assigned_by=actor,
        )  # fmt: skip
        MACHINE.record_event(
            dispute, action="assign", from_status=dispute.status, to_status=dispute.status, actor=actor,
            actor_kind=COMMITTEE, note=mediator.display_name + ("（当事人选定）" if chosen_by_parties else ""),
            data={"mediator": mediator.pk, "conflicts": len(found)}, created_at=now,
        )  # fmt: skip
        if found:
            record(actor=actor, action=AuditAction.MEDIATION_CONFLICT_OVERRIDE, obj=dispute,
                   detail={"mediator": mediator.pk, "kinds": sorted({c.kind for c in found})})  # fmt: skip
        notify_users(users=[mediator], event="mediation.assigned", key=f"dispute:{dispute.pk}:assign:{assignment.pk}",
                     title=f"您被指派调解纠纷{dispute.number}", body="请查看案情并作出无利害关系声明",
                     url=f"/mediation/{dispute.pk}/", subject=f"mediation.dispute:{dispute.pk}")  # fmt: skip
    return assignment


def declare_no_conflict(*, actor: User, dispute_id: int) -> Assignment:
    """The mediator's own declaration that they have no conflict with any party."""
    with transaction.atomic():
        dispute = _lock(dispute_id)
        assignment = dispute.assignments.filter(mediator=actor, recused_at__isnull=True).first()
        if assignment is None:
            raise PermissionDenied("只有本纠纷的调解员可以作出声明")
        if assignment.declared_at is not None:
            raise ValidationError(_("您已作出无利害关系声明"))
        now = timezone.now()
        assignment.declared_at = now
        assignment.save(update_fields=["declared_at"])
        MACHINE.record_event(dispute, action="declare", from_status=dispute.status, to_status=dispute.status,
                             actor=actor, actor_kind=MEDIATOR, note=actor.display_name, created_at=now)  # fmt: skip
    return assignment


def recuse(
    *, actor: User | None, kinds: set[str], dispute_id: int, assignment_id: int, reason: str
) -> Assignment:
    """A party asks for another mediator (or the committee, or the mediator themself, withdraws one)."""
    _require(kinds, APPLICANT, RESPONDENT, COMMITTEE, MEDIATOR, message="您不能要求调解员回避")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请说明回避理由"})
    with transaction.atomic():
        dispute = _lock(dispute_id)
        if dispute.status in FINAL_STATUSES or dispute.outcome:
            raise ValidationError({"reason": "调解已有结果，不能再申请回避"})
        assignment = dispute.assignments.filter(pk=assignment_id, recused_at__isnull=True).first()
        if assignment is None:
            raise ValidationError({"reason": "该调解员不在本纠纷中"})
        if kinds == {MEDIATOR} and assignment.mediator_id != getattr(actor, "pk", None):
            raise PermissionDenied("调解员只能本人申请回避")
        now = timezone.now()
        assignment.recused_at, assignment.recusal_reason = now, reason[:500]
        assignment.save(update_fields=["recused_at", "recusal_reason"])
        kind = next(k for k in (COMMITTEE, MEDIATOR, APPLICANT, RESPONDENT) if k in kinds)
        MACHINE.record_event(
            dispute, action="recuse", from_status=dispute.status, to_status=dispute.status, actor=actor,
            actor_kind=kind, note=reason[:500], data={"mediator": assignment.mediator_id}, created_at=now,
        )  # fmt: skip
        notify_users(users=admins_of(dispute), event="mediation.recusal", key=f"dispute:{dispute.pk}:recuse:{assignment.pk}",
                     title=f"纠纷{dispute.number}有调解员回避", body="请另行指派调解员",
                     url=f"/mediation/{dispute.pk}/", subject=f"mediation.dispute:{dispute.pk}")  # fmt: skip
    return assignment


# --- Sessions ---------------------------------------------------------------------------------------


def schedule_session(
    *, actor: User, kinds: set[str], dispute_id: int, scheduled_at: dt.datetime, place: str, online: bool,
    public: bool = False,
) -> Session:  # fmt: skip
    """A mediation session (the parties told by SMS). Public only when the parties chose so."""
    _require(kinds, MEDIATOR, COMMITTEE, message="只有调解员或调委会可以安排调解会")
    place = place.strip()[:200]
    if not place:
        raise ValidationError({"place": "请填写地点，线上调解请填写会议方式"})
    with transaction.atomic():
        dispute = _lock(dispute_id)
        if dispute.status != Status.MEDIATING:
            raise ValidationError({"scheduled_at": "被申请人同意调解后才能安排调解会"})
        session = Session.objects.create(dispute=dispute, scheduled_at=scheduled_at, place=place, online=online,
                                         public=public, created_by=actor)  # fmt: skip
        when = timezone.localtime(scheduled_at).strftime("%m-%d %H:%M")
        MACHINE.record_event(
            dispute, action="schedule", from_status=dispute.status, to_status=dispute.status, actor=actor,
            actor_kind=MEDIATOR if MEDIATOR in kinds else COMMITTEE, note=f"{when} {place}",
            created_at=timezone.now(),
        )  # fmt: skip
        for mobile in sorted(set(dispute.parties.values_list("mobile", flat=True))):
            notify_mobile(mobile=mobile, event="mediation.session", key=f"dispute:{dispute.pk}:session:{session.pk}:{mobile}",
                          template="dispute_update", params={"number": dispute.number, "status": f"调解会{when}"},
                          title=f"纠纷{dispute.number}调解会", subject=f"mediation.dispute:{dispute.pk}",
                          organisation=dispute.committee.chamber_id)  # fmt: skip
    return session


def record_minutes(
    *, actor: User, kinds: set[str], session_id: int, minutes: str, shared: bool = False,
    files: Sequence[UploadedFile] = (),
) -> Session:  # fmt: skip
    """The session was held: its minutes (笔录) and attachments. They reach the parties only when shared."""
    _require(kinds, MEDIATOR, message="只有调解员可以记录调解笔录")
    minutes = minutes.strip()
    if not minutes or len(minutes) > 20000:
        raise ValidationError({"minutes": "请填写调解笔录（20000字以内）"})
    check_files(files)
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        raise ValidationError({"minutes": "调解会不存在"})
    with transaction.atomic():
        dispute = _lock(session.dispute_id)
        if dispute.status != Status.MEDIATING:
            raise ValidationError(
                {"minutes": f"纠纷当前状态为“{dispute.get_status_display()}”，不能记录笔录"}
            )
        session = Session.objects.select_for_update().get(pk=session_id)
        now = timezone.now()
        session.minutes, session.shared_with_parties = minutes, shared
        session.held_at = session.held_at or now
        session.save(update_fields=["minutes", "shared_with_parties", "held_at"])
        _store_files(dispute, files, kind=FileKind.MINUTES, actor=actor, session=session)
        MACHINE.record_event(dispute, action="minutes", from_status=dispute.status, to_status=dispute.status,
                             actor=actor, actor_kind=MEDIATOR, created_at=now)  # fmt: skip
    return session


# --- Files --------------------------------------------------------------------------------------------


def add_evidence(
    *, actor: User | None, kinds: set[str], dispute_id: int, files: Sequence[UploadedFile]
) -> list[DisputeFile]:
    """Evidence from a party (on the phone) or the committee and mediators, while the dispute is open."""
    _require(kinds, APPLICANT, RESPONDENT, COMMITTEE, MEDIATOR, message="您不能为该纠纷上传材料")
    if not files:
        raise ValidationError({"files": "请选择文件"})
    check_files(files)
    with transaction.atomic():
        dispute = _lock(dispute_id)
        if dispute.status in FINAL_STATUSES:
            raise ValidationError({"files": "纠纷已结束，不能再上传材料"})
        stored = _store_files(dispute, files, kind=FileKind.EVIDENCE, actor=actor)
        kind = next(k for k in (MEDIATOR, COMMITTEE, APPLICANT, RESPONDENT) if k in kinds)
        MACHINE.record_event(dispute, action="upload", from_status=dispute.status, to_status=dispute.status,
                             actor=actor, actor_kind=kind, data={"files": len(stored)}, created_at=timezone.now())  # fmt: skip
    return stored


def visible_files(dispute: Dispute, *, party: bool) -> Any:
    """Parties see evidence and the attachments of minutes shared with them; staff see everything."""
    files = dispute.files.all()
    if party:
        files = files.exclude(kind=FileKind.MINUTES, session__shared_with_parties=False)
    return files


# --- Transitions, as pages and the API call them --------------------------------------------------


def act(
    *, dispute_id: int, action: str, actor: User | None, kinds: set[str], expected_status: str | None = None,
    params: dict[str, Any] | None = None,
) -> Dispute:  # fmt: skip
    """One workflow action by whoever holds the first of `kinds` the table allows (403 when none)."""
    spec = MACHINE.spec(action)
    kind = next(
        (k for k in (COMMITTEE, MEDIATOR, APPLICANT, RESPONDENT) if k in kinds and k in spec.actors), None
    )
    if kind is None:
        raise PermissionDenied(f"您不能执行“{spec.label}”")
    params = dict(params or {})
    if action == "sign" and params.get("signed_scan") is not None:
        try:
            _ctype, params["signed_scan"].extension = check_upload(params["signed_scan"])
        except ValidationError as exc:
            raise ValidationError({"signed_scan": exc.messages}) from None
    note = str(params.get("reason") or params.get("note") or "")[:1000]
    return MACHINE.transition(pk=dispute_id, action=action, actor=actor, actor_kind=kind,
                              expected_status=expected_status, note=note, params=params)  # fmt: skip


# --- The register of ties -----------------------------------------------------------------------------


def register_tie(
    *, actor: User, committee: Committee, mediator: User, credit_code: str, enterprise_name: str, kind: str,
    note: str = "",
) -> Any:  # fmt: skip
    """Record a mediator's tie to an enterprise (the conflict check reads it): by the committee's admin for
    anyone on its roster, or by a mediator for themself."""
    from shanghui.mediation.models import Tie, TieKind

    is_admin = committee.pk in _admin_committees(actor)
    if not is_admin and actor.pk != mediator.pk:
        raise PermissionDenied("只有调委会管理员或调解员本人可以登记利害关系")
    if not CommitteeMember.objects.filter(
        committee=committee, user=mediator, role=MemberRole.MEDIATOR
    ).exists():
        raise ValidationError({"mediator": "该人员不在本调委会的调解员名册中"})
    errors: dict[str, str] = {}
    code = normalize_credit_code(credit_code or "")
    if error := credit_code_error(code):
        errors["credit_code"] = error
    name = (enterprise_name or "").strip()
    if not name or len(name) > 100:
        errors["enterprise_name"] = "请填写企业名称（100字以内）"
    if kind not in TieKind.values:
        errors["kind"] = "请选择关系"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        tie = Tie.objects.create(
            user=mediator, credit_code=code, enterprise_name=name, kind=kind, note=note.strip()[:200]
        )
        record(actor=actor, action=AuditAction.MEDIATION_TIE_CREATE, obj=committee,
               detail={"mediator": mediator.pk, "kind": kind, "tie": tie.pk})  # fmt: skip
    return tie
