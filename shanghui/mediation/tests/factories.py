"""A dispute with a mediator, a session and a file, for tests outside this app (the fuzz tests' land)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shanghui.mediation import services
from shanghui.mediation.models import Committee, CommitteeMember, Kind, MemberRole, PartyKind, Side, Source
from shanghui.mediation.services import PartyInput
from shanghui.mediation.workflow import COMMITTEE, MEDIATOR, RESPONDENT
from shanghui.orgs.tests.factories import make_credit_code

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signed_dispute(w: SimpleNamespace, *, admin: Any, mediator: Any, applicant_mobile: str) -> dict[str, int]:
    """Chamber A's committee (admin, mediator — who may be the same person), and a dispute mediated to a
    signed written agreement (in effect: its PDFs and scan exist), with a held session and an evidence
    file; returns the ids its URL patterns take."""
    committee = Committee.objects.create(chamber=w.chamber_a, name="衢州在上海商会人民调解委员会", head=admin)
    CommitteeMember.objects.create(committee=committee, user=admin, role=MemberRole.ADMIN)
    CommitteeMember.objects.get_or_create(committee=committee, user=mediator, role=MemberRole.MEDIATOR)
    dispute = services.create_dispute(
        actor=None, mobile=applicant_mobile, committee=committee, source=Source.PARTY, kind=Kind.CONTRACT,
        amount="50000", facts="货款纠纷", claims="支付货款",
        parties=[
            PartyInput(side=Side.APPLICANT, kind=PartyKind.PERSON, name="张三", mobile=applicant_mobile),
            PartyInput(side=Side.RESPONDENT, kind=PartyKind.ENTERPRISE, name="衢州丙有限公司",
                       credit_code=make_credit_code(9001), mobile="13600000002"),
        ],
        files=[SimpleUploadedFile("合同.pdf", PDF)],
    )  # fmt: skip
    assignment = services.assign_mediator(
        actor=admin, kinds={COMMITTEE}, dispute_id=dispute.pk, mediator=mediator
    )
    services.act(dispute_id=dispute.pk, action="accept", actor=admin, kinds={COMMITTEE})
    services.act(dispute_id=dispute.pk, action="consent", actor=None, kinds={RESPONDENT})
    session = services.schedule_session(actor=mediator, kinds={MEDIATOR}, dispute_id=dispute.pk,
                                        scheduled_at=timezone.now(), place="商会调解室", online=False)  # fmt: skip
    services.declare_no_conflict(actor=mediator, dispute_id=dispute.pk)
    services.record_minutes(actor=mediator, kinds={MEDIATOR}, session_id=session.pk, minutes="双方陈述意见")
    agreement = {"issues": "货款数额", "terms": "丙公司于月底前支付四万元", "performance_method": "银行转账"}
    services.act(
        dispute_id=dispute.pk, action="record_agreement", actor=mediator, kinds={MEDIATOR}, params=agreement
    )
    services.act(dispute_id=dispute.pk, action="sign", actor=mediator, kinds={MEDIATOR},
                 params={"signed_scan": SimpleUploadedFile("协议.pdf", PDF)})  # fmt: skip
    return {"committee_id": committee.pk, "dispute_id": dispute.pk, "assignment_id": assignment.pk, "session_id": session.pk,
            "file_id": dispute.files.get().pk}  # fmt: skip
