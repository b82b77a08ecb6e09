"""Every write of party building: party organisations, chamber profiles, re-elections and candidates, the
candidate's self-check, publishing the candidate list, the work register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.lib.uploads import check_upload
from shanghui.lib.validators import normalize_mobile, validate_mobile
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.party import checks
from shanghui.party.access import can_write_chamber, federation_covers
from shanghui.party.models import (
    Candidate,
    CandidateDocument,
    ChamberProfile,
    Deed,
    DeedKind,
    Election,
    PartyOrganisation,
    Position,
)
from shanghui.party.workflow import CANDIDATE_OWNER, ELECTION_OWNER, MACHINE, STAFF
from shanghui.workflow.machine import SYSTEM

MAX_AMOUNT = Decimal("1000000000")


def _chamber(user: User, chamber: Organisation) -> None:
    if chamber.kind != OrgKind.CHAMBER:
        raise ValidationError({"chamber": "请选择商会"})
    if not can_write_chamber(user, chamber):
        raise PermissionDenied("您不能修改该商会的党建信息")


@transaction.atomic
def save_party_org(
    *, actor: User, chambers: list[Organisation], org: PartyOrganisation | None = None, **fields: Any
) -> PartyOrganisation:
    if not chambers:
        raise ValidationError({"chambers": "请选择所属商会"})
    for chamber in chambers:
        _chamber(actor, chamber)
    if fields.get("kind") != "joint" and len(chambers) > 1:
        raise ValidationError({"chambers": "只有联合党支部可以属于多个商会"})
    org = org or PartyOrganisation()
    for name, value in fields.items():
        setattr(org, name, value)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise ValidationError({"name": "已有同名党组织"}) from None
    org.chambers.set(chambers)
    audit(actor=actor, action=AuditAction.PARTY_ORG_SAVE, obj=org)
    return org


@transaction.atomic
def save_profile(*, actor: User, chamber: Organisation, **fields: Any) -> ChamberProfile:
    _chamber(actor, chamber)
    profile, _ = ChamberProfile.objects.update_or_create(chamber=chamber, defaults=fields)
    audit(actor=actor, action=AuditAction.PARTY_CHAMBER_SAVE, obj=chamber)
    return profile


@transaction.atomic
def save_election(
    *, actor: User, chamber: Organisation, name: str, planned_on: dt.date, election: Election | None = None,
    chamber_held_on: dt.date | None = None, party_held_on: dt.date | None = None,
) -> Election:  # fmt: skip
    _chamber(actor, chamber)
    election = election or Election(chamber=chamber, created_by=actor)
    election.name, election.planned_on = name, planned_on
    election.chamber_held_on, election.party_held_on = chamber_held_on, party_held_on
    election.save()
    audit(actor=actor, action=AuditAction.PARTY_ELECTION_SAVE, obj=election)
    return election


@transaction.atomic
def add_candidate(
    *, actor: User, election: Election, name: str, mobile: str, position: str, birth_date: dt.date,
    terms_served: int = 0, enterprise: str = "", cv: str = "",
) -> Candidate:  # fmt: skip
    _chamber(actor, election.chamber)
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    if position not in Position.values:
        raise ValidationError({"position": "请选择拟任职务"})
    if not name.strip():
        raise ValidationError({"name": "请填写姓名"})
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                election=election, name=name.strip(), mobile=mobile, position=position, birth_date=birth_date,
                terms_served=terms_served, enterprise=enterprise, cv=cv, created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError({"position": "该职务已有候选人"}) from None
    MACHINE.record_event(candidate, action="create", actor=actor, actor_kind=STAFF, to_status=candidate.status,
                         created_at=timezone.now())  # fmt: skip
    return candidate


def _chain(candidate: Candidate) -> Any:
    from shanghui.reviews.models import Chain

    return Chain.objects.filter(owner_type=CANDIDATE_OWNER, owner_id=candidate.pk).order_by("-pk").first()


@transaction.atomic
def update_candidate(*, actor: User, candidate: Candidate, **fields: Any) -> Candidate:
    """A change to the file while it is being vetted: the steps after the self-check run again."""
    from shanghui.reviews.services import subject_changed

    _chamber(actor, candidate.election.chamber)
    if candidate.status not in (Candidate.Status.DRAFT, Candidate.Status.VETTING):
        raise ValidationError(_("审查已结束，不能修改候选人信息"))
    for name, value in fields.items():
        setattr(candidate, name, value)
    candidate.save()
    MACHINE.record_event(candidate, action="update", actor=actor, actor_kind=STAFF, to_status=candidate.status,
                         created_at=timezone.now(), data={"fields": sorted(fields)})  # fmt: skip
    chain = _chain(candidate)
    if chain is not None and chain.is_open and chain.current > 1:
        subject_changed(chain=chain, from_step=1, actor=actor)
    return candidate


def start_vetting(*, actor: User, candidate: Candidate, expected_status: str | None = None) -> Candidate:
    _chamber(actor, candidate.election.chamber)
    return MACHINE.transition(pk=candidate.pk, action="start", actor=actor, actor_kind=STAFF,
                              expected_status=expected_status, params={"actor": actor})  # fmt: skip


def withdraw(*, actor: User, candidate: Candidate, reason: str) -> Candidate:
    from shanghui.reviews.services import decide

    _chamber(actor, candidate.election.chamber)
    chain = _chain(candidate)
    if chain is not None and chain.is_open:
        decide(
            chain=chain, actor=actor, action="withdraw", reason=reason
        )  # the chain withdraws the candidate
        return Candidate.objects.get(pk=candidate.pk)
    return MACHINE.transition(pk=candidate.pk, action="withdraw", actor=actor, actor_kind=STAFF, note=reason)


@transaction.atomic
def submit_self_check(
    *, candidate: Candidate, mobile: str, conditions: list[str], disqualifications: list[str], signature: str
) -> Candidate:
    """The candidate's own self-check, on their phone with the proved mobile. It is step 1 of the chain:
    submitting it approves that step; changing it later makes the steps after it run again."""
    from shanghui.reviews.services import subject_changed
    from shanghui.reviews.workflow import MACHINE as CHAINS
    from shanghui.reviews.workflow import REVIEWER

    candidate = Candidate.objects.select_for_update().select_related("election").get(pk=candidate.pk)
    if not mobile or mobile != candidate.mobile:
        raise PermissionDenied("请使用候选人本人的手机号验证后填写")
    if candidate.status != Candidate.Status.VETTING:
        raise ValidationError(_("当前不在审查阶段，不能填写自查表"))
    errors: dict[str, str] = {}
    if set(conditions) != set(checks.CONDITIONS):
        errors["conditions"] = "请逐条确认本人符合全部任职条件；不符合的请联系商会撤回提名"
    if not set(disqualifications) <= set(checks.DISQUALIFICATIONS):
        errors["disqualifications"] = "申报项无效"
    if signature.strip() != candidate.name:
        errors["signature"] = "请签署本人姓名（与候选人姓名一致）"
    if errors:
        raise ValidationError(errors)
    chain = _chain(candidate)
    if chain is None or not chain.is_open:
        raise ValidationError(_("审查已结束，不能修改自查表"))
    candidate.self_check = {
        "conditions": list(conditions),
        "disqualifications": list(disqualifications),
        "signature": signature.strip(),
    }
    candidate.self_checked_at = timezone.now()
    candidate.save(update_fields=["self_check", "self_checked_at", "updated_at"])
    MACHINE.record_event(candidate, action="self_check", actor=None, actor_kind=SYSTEM, to_status=candidate.status,
                         created_at=candidate.self_checked_at, data={"declared": len(disqualifications)})  # fmt: skip
    audit(
        actor=None,
        citizen=True,
        action=AuditAction.PARTY_SELF_CHECK,
        obj=candidate,
        detail={"declared": len(disqualifications)},
    )
    if chain.current == 0 and chain.status == chain.Status.RUNNING:
        CHAINS.transition(pk=chain.pk, action="approve", actor=None, actor_kind=REVIEWER,
                          note="候选人本人签署（已验证手机号）", params={"by": None, "opinion": "候选人本人签署"})  # fmt: skip
    else:
        subject_changed(chain=chain, from_step=1, actor=None)
    return candidate


@transaction.atomic
def publish_list(*, actor: User, election: Election, days: int = 5) -> Any:
    """The approved candidates of the election go to publicity (公示) for `days` working days."""
    from shanghui.publicity.services import open_notice

    if not federation_covers(actor, election.chamber):
        raise PermissionDenied("候选人名单由上级工商联（党委）发布公示")
    approved = list(election.candidates.filter(status=Candidate.Status.APPROVED))
    if not approved:
        raise ValidationError(_("还没有审查通过的候选人"))
    if election.notice_id and election.candidates.filter(status=Candidate.Status.PUBLICITY).exists():
        raise ValidationError(_("候选人名单正在公示"))
    for c in approved:
        MACHINE.transition(pk=c.pk, action="publish", actor=actor, actor_kind=STAFF)
    items = [
        {
            "key": f"candidate:{c.pk}",
            "name": c.name,
            "detail": f"{c.get_position_display()}候选人 · {c.enterprise}".rstrip(" ·"),
        }
        for c in approved
    ]
    notice = open_notice(
        owner_type=ELECTION_OWNER, owner_id=election.pk, title=f"{election.chamber.name}{election.name}候选人公示",
        items=items, actor=actor, days=days,
        intro="以下人选已经候选人自荐自查、支部初审、商会负责人审核、党委复审、部门联审，现予公示。"
        "如有异议，请在公示期内实名反映，我们将严格保密。",
    )  # fmt: skip
    election.notice_id = notice.pk
    election.save(update_fields=["notice_id"])
    return notice


MAX_DOCUMENTS = 20


@transaction.atomic
def add_document(*, actor: User, candidate: Candidate, upload: UploadedFile) -> CandidateDocument:
    """A document of the candidate's file. While the chain waits for more material it is the supply;
    otherwise, once past the self-check, it is a change: the steps after the self-check run again."""
    from shanghui.reviews.services import subject_changed

    _chamber(actor, candidate.election.chamber)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status not in (Candidate.Status.DRAFT, Candidate.Status.VETTING):
        raise ValidationError({"file": "审查已结束，不能再上传材料"})
    if candidate.documents.count() >= MAX_DOCUMENTS:
        raise ValidationError({"file": f"每位候选人最多上传{MAX_DOCUMENTS}份材料"})
    try:
        content_type, _ext = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    document = CandidateDocument.objects.create(
        candidate=candidate, file=upload, name=(upload.name or "材料")[:200], size=upload.size or 0,
        content_type=content_type, uploaded_by=actor,
    )  # fmt: skip
    audit(
        actor=actor, action=AuditAction.PARTY_DOCUMENT_UPLOAD, obj=candidate, detail={"document": document.pk}
    )
    chain = _chain(candidate)
    if chain is not None and chain.status == chain.Status.RUNNING and chain.current > 1:
        subject_changed(chain=chain, from_step=1, actor=actor)
    return document


@transaction.atomic
def record_deed(
    *, actor: User, chamber: Organisation, kind: str, title: str, happened_on: dt.date,
    amount: Decimal | None = None, people: int | None = None,
) -> Deed:  # fmt: skip
    _chamber(actor, chamber)
    if kind not in DeedKind.values:
        raise ValidationError({"kind": "请选择类型"})
    if kind == DeedKind.DONATION and (amount is None or amount <= 0):
        raise ValidationError({"amount": "捐赠请填写金额"})
    if amount is not None and not (0 <= amount < MAX_AMOUNT):
        raise ValidationError({"amount": "金额无效"})
    deed = Deed.objects.create(chamber=chamber, kind=kind, title=title.strip(), happened_on=happened_on,
                               amount=amount, people=people, created_by=actor)  # fmt: skip
    audit(actor=actor, action=AuditAction.PARTY_DEED_SAVE, obj=deed, detail={"kind": kind})
    return deed
