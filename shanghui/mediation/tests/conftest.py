"""Personas of dispute mediation on top of the shared world: a committee of chamber A with its admin
(the chamber's staff member), three mediators on its roster (one tied to the respondent's enterprise),
two parties on the phone, and the chamber's admin who is not on the committee."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shanghui.mediation import services
from shanghui.mediation.models import (
    Assignment,
    Committee,
    CommitteeMember,
    Dispute,
    Kind,
    MemberRole,
    PartyKind,
    Session,
    Side,
    Source,
)
from shanghui.mediation.services import PartyInput
from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.tests.factories import grant, make_credit_code, make_org, make_user
from shanghui.workdays import calendar
from tests.api.conftest import _fresh_rate_limits, api_as, make_token  # noqa: F401  (API fixtures re-exported)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICANT_MOBILE, RESPONDENT_MOBILE, STRANGER_MOBILE = "13800000001", "13800000002", "13800000009"


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def med(world: SimpleNamespace) -> SimpleNamespace:
    calendar.seed_from_package()
    calendar.invalidate()
    w = world
    w.respondent_org = make_org(OrgKind.ENTERPRISE, "衢州乙贸易有限公司", w.chamber_a)
    w.committee = Committee.objects.create(chamber=w.chamber_a, name="衢州在上海商会人民调解委员会")
    w.med_admin = w.chamber_staff
    CommitteeMember.objects.create(committee=w.committee, user=w.med_admin, role=MemberRole.ADMIN)
    w.committee.head = w.med_admin
    w.committee.save()
    w.mediator2 = grant(make_user(username="mediator2", name="周调解"), w.chamber_a, Role.MEDIATOR)
    w.tied = grant(make_user(username="tied", name="钱调解"), w.chamber_a, Role.MEDIATOR)
    for user in (w.mediator, w.mediator2, w.tied):
        CommitteeMember.objects.create(committee=w.committee, user=user, role=MemberRole.MEDIATOR)
    # The tied mediator holds office in the respondent's enterprise (member registry).
    grant(w.tied, w.respondent_org, Role.LECTURER)
    from shanghui.orgs.models import Membership

    Membership.objects.filter(user=w.tied, organisation=w.respondent_org).update(title="监事")
    # Another committee (chamber B) with its own admin and mediator: outsiders to chamber A's disputes.
    w.committee_b = Committee.objects.create(chamber=w.chamber_b, name="龙游在杭州商会人民调解委员会")
    CommitteeMember.objects.create(committee=w.committee_b, user=w.chamber_admin_b, role=MemberRole.ADMIN)
    w.mediator_b = grant(make_user(username="mediator_b"), w.chamber_b, Role.MEDIATOR)
    CommitteeMember.objects.create(committee=w.committee_b, user=w.mediator_b, role=MemberRole.MEDIATOR)

    def parties(
        applicant_mobile: str = APPLICANT_MOBILE, respondent_mobile: str = RESPONDENT_MOBILE
    ) -> list[PartyInput]:
        return [
            PartyInput(side=Side.APPLICANT, kind=PartyKind.ENTERPRISE, name=w.enterprise_a.name,
                       credit_code=w.enterprise_a.credit_code, mobile=applicant_mobile, representative="张三"),
            PartyInput(side=Side.RESPONDENT, kind=PartyKind.ENTERPRISE, name=w.respondent_org.name,
                       credit_code=w.respondent_org.credit_code, mobile=respondent_mobile, representative="李四"),
        ]  # fmt: skip

    def new(committee: Committee | None = None, **kw: Any) -> Dispute:
        fields: dict[str, Any] = dict(
            actor=None, mobile=APPLICANT_MOBILE, committee=committee or w.committee, source=Source.PARTY,
            kind=Kind.CONTRACT, amount="120000.00", facts="乙公司拖欠货款十二万元", claims="请求支付货款",
            parties=parties(),
        )  # fmt: skip
        fields.update(kw)
        return services.create_dispute(**fields)

    def ready(dispute: Dispute) -> Dispute:
        """What the outcome needs besides the status: a declared mediator and a held session (written
        directly: the Walks tests move the status only through the machine)."""
        from django.utils import timezone

        Assignment.objects.create(dispute=dispute, mediator=w.mediator, assigned_at=timezone.now(),
                                  declared_at=timezone.now())  # fmt: skip
        Session.objects.create(dispute=dispute, scheduled_at=timezone.now(), place="商会调解室",
                               held_at=timezone.now(), minutes="双方陈述")  # fmt: skip
        return dispute

    w.parties, w.new, w.ready = parties, new, ready
    w.other_code = make_credit_code(777)
    return w


def as_party(client: Any, mobile: str) -> Any:
    """A client whose session holds a number proved just now (as accounts.citizen.sign_in leaves it)."""
    from django.utils import timezone

    from shanghui.accounts import citizen

    session = client.session
    session[citizen.CITIZEN_SESSION_KEY] = mobile
    session[citizen.VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    session.save()
    return client
