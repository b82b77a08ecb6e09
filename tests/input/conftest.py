"""Fixtures of the hostile-input tests: the proxy cases (`pw`) and API tokens (`api_as`) of the REST API
tests on top of the shared `world`, and `land`: a small demo — cases in every kind of state, materials,
a conversation, a rating with its follow-up, notifications, a robot and a failed notification, a synonym,
an import job, tokens — with a logged-in session for each persona, and a value for every keyword argument
of every URL pattern (tests/input/test_surface.py checks none is missing)."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import create_token
from shanghui.catalog.models import ImportJob
from shanghui.catalog.services import create_synonym, current_version
from shanghui.conversations import services as conversations
from shanghui.lib.owners import Viewer
from shanghui.mediation.tests.factories import signed_dispute
from shanghui.notify.models import Notification, OutboxMessage
from shanghui.notify.services import notify_users, save_channel_config
from shanghui.orgs.models import Membership
from shanghui.proxy import services
from shanghui.proxy.models import FollowUp
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.workflow import APPLICANT, CLERK
from shanghui.testing.cases import pdf_upload
from tests.api.conftest import api_as, make_token  # noqa: F401  (fixtures re-exported)

# Who attacks the pages, in the order tried: the first personas that can see a page attack it.
PERSONAS = ("agent", "clerk", "fed_admin", "chamber_admin", "dept_admin", "auditor", "citizen", "anonymous")
# A robot's webhook must lie under the provider's base: an address where nothing listens, so that the
# test button fails at once instead of reaching DingTalk.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture
def land(pw: SimpleNamespace, settings: Any) -> SimpleNamespace:
    settings.API_RATE_LIMIT = "0"  # thousands of requests: the limit has its own test
    settings.DINGTALK_API_BASE = settings.WECOM_API_BASE = NOWHERE
    w = pw

    # Cases in each kind of state, all of the Shanghai point and the 柯城区 window.
    w.draft = w.new_case()
    w.submitted_case = w.submitted()
    w.correction = w.case_in(
        "needs_correction", params={"request_correction": {"correction_items": ["户口簿不清晰"]}}
    )
    w.forwarded = w.case_in("forwarded")
    w.case = w.case_in("accepted", params={"accept": {"acceptance_number": "A1"}})
    done = w.case_in("accepted", params={"accept": {"acceptance_number": "A2"}})
    done = w.act(done, "complete", CLERK, result="granted", delivery_method="pickup")
    w.delivered = w.act(done, "deliver", APPLICANT)
    w.follow_up = FollowUp.objects.get(rating=services.rate_case(case=w.delivered, level=1, comment="态度差"))
    w.material = w.case.materials.get()
    w.result = services.add_material(
        case=w.case, actor=w.clerk, upload=pdf_upload("结果.pdf"), slot=None, is_result=True
    )

    # The main case's conversation: a text and a file from the agent, a message from the citizen.
    staff, citizen = Viewer(user=w.agent), Viewer(mobile=w.case.applicant_mobile)
    conversation, _access = conversations.open_for(PROXY_CASE, w.case.pk, staff)
    conversations.post_message(conversation=conversation, viewer=staff, body="请补充照片", client_id="c1")
    w.file_message = conversations.post_message(conversation=conversation, viewer=staff, upload=pdf_upload())
    conversations.post_message(conversation=conversation, viewer=citizen, body="好的")

    # Notifications, a robot and a notification it failed to deliver.
    notify_users(users=[w.agent, w.fed_admin], event="case.submit", key="fuzz:1", title="新办件", body="请预审",
                 url=f"/cases/{w.case.pk}/")  # fmt: skip
    w.robot = save_channel_config(
        actor=w.fed_admin, organisation=w.city, kind="dingtalk", name="工作群",
        webhook_url=f"{NOWHERE}/robot/send?access_token=" + "0" * 40, events=["case.submit"],
    )  # fmt: skip
    notify_users(users=[], event="case.submit", key="fuzz:2", title="办件提交", body="b", orgs=[w.point_a])
    OutboxMessage.objects.filter(config=w.robot).update(
        state=OutboxMessage.State.DEAD, attempts=5, last_error="x"
    )
    Notification.objects.create(user=w.agent, title="已办结", body="", url="/cases/")

    # The catalogue: a synonym, an import job, the item's first version.
    w.synonym = create_synonym(actor=w.fed_admin, phrase="换身份证", terms="居民身份证")
    w.job = ImportJob.objects.create(original_name="事项.csv", owner=w.city, created_by=w.fed_admin)
    w.version = current_version(w.item)

    # The donations ledger and pairing: a public fund of chamber A with a gift, a pledge, a requested
    # disbursement and an imported statement; a pair of chamber A's enterprise with a village.
    _ledger(w)
    # A dispute with a signed agreement (chamber A's committee, administered here by the chamber's admin,
    # who is also its mediator), the citizen its applicant: every mediation page has a record to attack.
    w.dispute_values = signed_dispute(w, admin=w.chamber_admin, mediator=w.chamber_admin,
                                         applicant_mobile=w.case.applicant_mobile)  # fmt: skip

    _party(w)
    activities = _activities(w)

    w.token_row, _raw = create_token(actor=w.agent, user=w.agent, name="对接系统", scope=ApiToken.Scope.WRITE)
    w.membership = Membership.objects.filter(user=w.agent).first()
    w.sessions = _sessions(w)
    w.values = {
        "case_id": w.case.pk, "material_id": w.material.pk, "action": "accept", "follow_up_id": w.follow_up.pk,
        "move": "answer", "item_id": w.item.pk, "number": w.version.number, "synonym_id": w.synonym.pk,
        "job_id": w.job.pk, "point_id": w.point_a.pk, "org_id": w.point_a.pk, "member_id": w.agent.pk,
        "membership_id": w.membership.pk if w.membership else 1, "notification_id": _first_notification(w),
        "config_id": w.robot.pk, "message_id": _first_failed(w), "token_id": w.token_row.pk,
        "owner_type": PROXY_CASE, "owner_id": w.case.pk, "seq": w.file_message.seq, "slot": 0,
        "fund_id": w.fund.pk, "gift_id": w.gift.pk, "pledge_id": w.pledge.pk, "disbursement_id": w.disbursement.pk,
        "statement_id": w.statement.pk, "pair_id": w.pair.pk,
        **activities,
        **w.dispute_values,
        "chamber_id": w.chamber_a.pk, "election_id": w.election.pk, "candidate_id": w.candidate.pk,
        "chain_id": w.chain.pk, "attachment_id": w.attachment.pk, "notice_id": w.notice.pk, "objection_id": w.objection.pk,
        "round_id": w.round.pk, "card_id": w.card.pk, "part": "self", "rubric_id": w.round.rubric_id,
        "document_id": w.document.pk, "evidence_id": w.evidence.pk,
    }  # fmt: skip
    # Where a route needs another value than its keyword's usual one.
    w.route_values = {
        "citizen:act": {"action": "withdraw"}, "mediation_citizen:act": {"action": "withdraw"},
        "mediation:act": {"action": "extend"}, "party:candidate_act": {"action": "start"},
        "publicity:act": {"action": "finalise"}, "scorecards:card_act": {"action": "submit"},
        "party:org_edit": {"org_id": w.branch.pk}, "scorecards:history": {"org_id": w.chamber_a.pk},
        "donations:fund_act": {"action": "close"}, "donations:disbursement_act": {"action": "approve"},
        "activities:act": {"action": "cancel"}, "volunteer:verify": {"token": w.certificate.token},
        "activities:team_member": {"member_id": w.team_application.pk},
        "activities:slot_quantity": {"activity_id": w.open_activity.pk},
    }  # fmt: skip
    # Pages that show nothing without a query (an htmx fragment, the citizen's application form).
    w.queries = {"orgs:role_options": {"organisation": w.point_a.pk}, "citizen:apply": {"item": w.item.pk}}
    # Plausible values for any field: real ids and words, so that some requests pass the first checks.
    w.known = sorted(
        {str(v) for v in w.values.values()} | {str(c.pk) for c in [w.draft, w.forwarded, w.delivered]}
    )
    return w


def _ledger(w: SimpleNamespace) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanghui.donations import reconcile
    from shanghui.donations import services as donations
    from shanghui.orgs.models import OrgKind
    from shanghui.orgs.tests.factories import make_org
    from shanghui.pairing.services import create_pair

    today = dt.date.today()
    fund = donations.create_fund(
        actor=w.chamber_admin, organiser=w.chamber_a, name="助学基金", purpose="助学", category="grassroots",
        starts_on=today, is_public=True, partner_charity="衢州市慈善总会", partner_registration="53330800MJ0000000X",
    )  # fmt: skip
    w.fund = donations.act_on_fund(actor=w.chamber_admin, fund=fund, action="open", expected_status="draft")
    w.gift = donations.record_gift(
        actor=w.chamber_admin, fund=w.fund, donor=donations.DonorInput(kind="enterprise", name="衢州甲科技有限公司"),
        gift=donations.GiftInput(kind="money", channel="own_account", received_on=today, amount=Decimal("1000")),
    )  # fmt: skip
    w.pledge = donations.create_pledge(
        actor=w.chamber_admin, fund=w.fund, donor=donations.DonorInput(kind="person", name="王五", mobile="13900001111"),
        amount=Decimal("500"),
    )  # fmt: skip
    w.disbursement = donations.request_disbursement(
        actor=w.chamber_admin, fund=w.fund, amount=Decimal("300"), recipient_kind="school", recipient_name="花园小学",
        purpose="助学",
    )  # fmt: skip
    csv = f"交易日期,金额,对方户名,摘要\n{today},1000.00,衢州甲科技有限公司,捐款\n".encode()
    w.statement = reconcile.import_statement(
        actor=w.chamber_admin, fund=w.fund, upload=SimpleUploadedFile("流水.csv", csv, "text/csv")
    )
    village = make_org(OrgKind.VILLAGE, "花园村", w.city)
    w.pair = create_pair(
        actor=w.chamber_admin,
        partner=w.enterprise_a,
        village=village,
        starts_on=today,
        province="四川省",
        county="岳池县",
        agreement=pdf_upload("帮扶协议.pdf"),
    )


def _party(w: SimpleNamespace) -> None:
    """Party building: a branch, a candidate under 五步审查 (past the self-check), another candidate's
    list in publicity with an objection, a 五有 card."""
    import datetime as dt

    from shanghui.party import checks, rubrics
    from shanghui.party import services as party
    from shanghui.party.models import Election, PartyOrganisation
    from shanghui.publicity import services as publicity
    from shanghui.reviews.models import Chain, ReviewAttachment
    from shanghui.scorecards import services as scorecards

    rubrics.ensure_five_step([w.dept, w.dept2])
    w.branch = PartyOrganisation.objects.create(
        name="上海商会党支部", founded_on=dt.date(2018, 1, 1), member_count=5
    )
    w.branch.chambers.set([w.chamber_a])
    w.election = Election.objects.create(chamber=w.chamber_a, name="换届", planned_on=dt.date(2027, 1, 1))
    w.candidate = party.add_candidate(actor=w.chamber_admin, election=w.election, name="王建国",
                                      mobile=w.case.applicant_mobile, position="president", birth_date=dt.date(1975, 1, 1))  # fmt: skip
    party.start_vetting(actor=w.chamber_admin, candidate=w.candidate)
    party.submit_self_check(candidate=w.candidate, mobile=w.case.applicant_mobile, conditions=list(checks.CONDITIONS),
                            disqualifications=[], signature="王建国")  # fmt: skip
    w.chain = Chain.objects.get(owner_type="party.candidate", owner_id=w.candidate.pk)
    upload = pdf_upload("审查意见.pdf")
    w.attachment = ReviewAttachment.objects.create(event=w.chain.events.last(), file=upload, name="审查意见.pdf",
                                                   size=upload.size or 0, content_type="application/pdf")  # fmt: skip
    w.notice = publicity.open_notice(owner_type="party.election", owner_id=w.election.pk, title="候选人公示",
                                     items=[{"key": f"candidate:{w.candidate.pk}", "name": "王建国"}], actor=w.fed_admin)  # fmt: skip
    w.objection = publicity.file_objection(
        notice_id=w.notice.pk, name="李四", contact="13800000000", text="有异议"
    )
    w.round = scorecards.open_round(rubric=rubrics.ensure_rubrics()["wuyou"], name="2026年度", organiser=w.city,
                                    organisations=[w.chamber_a], period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 12, 31), actor=w.fed_admin)  # fmt: skip
    w.card = w.round.cards.get()
    w.document = party.add_document(
        actor=w.chamber_admin, candidate=w.candidate, upload=pdf_upload("营业执照.pdf")
    )
    w.evidence = scorecards.add_evidence(card=w.card, actor=w.chamber_admin, upload=pdf_upload("挂牌.pdf"),
                                         indicator_id=w.card.scores.values_list("indicator_id", flat=True)[0])  # fmt: skip


def _activities(w: SimpleNamespace) -> dict[str, Any]:
    """An activity of the Shanghai chamber with a volunteer signed up, approved hours and a certificate."""
    import datetime as dt

    from django.utils import timezone

    from shanghui.activities import attendance, certificates, hours, seed
    from shanghui.activities import services as activities
    from shanghui.activities.models import ActivityKind, StarLevel
    from shanghui.activities.workflow import APPROVER, MACHINE, ORGANISER

    # The kinds and star levels come from a data migration: a transactional test before this one flushed them.
    seed.seed(ActivityKind, StarLevel)
    start = timezone.now() + dt.timedelta(days=3)
    activity = activities.create_activity(
        actor=w.chamber_staff, organisation=w.chamber_a, kind=ActivityKind.objects.get(code="volunteer"),
        title="社区志愿服务", starts_at=start, ends_at=start + dt.timedelta(hours=3), contact_name="王敏",
        contact_phone="021-58881234", slots=[{"role": "引导员", "quantity": 3}],
    )  # fmt: skip
    for action, kind, actor in (
        ("submit", ORGANISER, w.chamber_staff),
        ("approve", APPROVER, w.chamber_admin),
    ):
        MACHINE.transition(pk=activity.pk, action=action, actor=actor, actor_kind=kind)
    slot = activity.slots.get()
    volunteer = activities.save_volunteer(mobile=w.case.applicant_mobile, name="志愿者甲")
    signup = activities.sign_up(volunteer=volunteer, slot=slot)
    attendance.mark(actor=w.chamber_staff, signup=signup, direction="in", at=start)
    attendance.mark(actor=w.chamber_staff, signup=signup, direction="out", at=start + dt.timedelta(hours=2))
    for action in ("start", "finish"):
        MACHINE.transition(pk=activity.pk, action=action, actor=w.chamber_staff, actor_kind=ORGANISER)
    record = signup.hours.get()
    hours.decide(actor=w.chamber_staff, records=[record], approve=True)
    w.certificate = certificates.issue(actor=w.chamber_staff, volunteer=volunteer, organisation=w.chamber_a,
                                       period_start=record.served_on, period_end=record.served_on)  # fmt: skip
    open_activity = activities.create_activity(
        actor=w.chamber_staff, organisation=w.chamber_a, kind=ActivityKind.objects.get(code="volunteer"),
        title="待报名的活动", starts_at=start + dt.timedelta(days=1), ends_at=start + dt.timedelta(days=1, hours=2),
        contact_name="王敏", contact_phone="021-58881234", slots=[{"role": "引导员", "quantity": 3}],
    )  # fmt: skip
    w.open_activity = open_activity
    team = activities.create_team(actor=w.chamber_admin, organisation=w.chamber_a, name="志愿服务队")
    w.team_application = activities.join_team(volunteer=volunteer, team=team)
    return {
        "team_id": team.pk,
        "decision": "approve",
        "activity_id": activity.pk, "slot_id": open_activity.slots.get().pk, "signup_id": signup.pk, "op": "in",
        "direction": "in", "volunteer_id": volunteer.pk, "certificate_id": w.certificate.pk, "record_id": record.pk,
        "token": attendance.qr_token(activity, "in"),
    }  # fmt: skip


def _first_notification(w: SimpleNamespace) -> int:
    row = Notification.objects.filter(user=w.agent).order_by("pk").first()
    assert row is not None
    return row.pk


def _first_failed(w: SimpleNamespace) -> int:
    row = OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD).order_by("pk").first()
    assert row is not None
    return row.pk


def _sessions(w: SimpleNamespace) -> dict[str, str]:
    """A session key per persona (none for anonymous); `client_for` puts it in a fresh client."""
    keys: dict[str, str] = {}
    for persona in PERSONAS:
        if persona == "anonymous":
            continue
        if persona == "citizen":
            session = SessionStore()
            session[CITIZEN_SESSION_KEY] = w.case.applicant_mobile
            session[VERIFIED_AT_KEY] = int(time.time())
            session.save()
            assert session.session_key
            keys[persona] = session.session_key
            continue
        client = Client()
        client.force_login(getattr(w, persona))
        keys[persona] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return keys


def client_for(land: SimpleNamespace, persona: str) -> Client:
    """The persona's client with nothing but its session cookie: an example that logs out or in changes
    nothing for the next one (its database writes are rolled back, its cookies reset here). One client
    per persona: a client loads the middleware once, and WhiteNoise's takes most of a second."""
    clients: dict[str, Client] = land.__dict__.setdefault("clients", {})
    client = clients.setdefault(persona, Client(raise_request_exception=True))
    client.cookies = SimpleCookie()
    if persona in land.sessions:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = land.sessions[persona]
    return client
