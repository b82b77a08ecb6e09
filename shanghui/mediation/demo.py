"""The mediation part of the demo: committees in seven chambers with their rosters, and a year of
disputes (DISPUTES, above the federation's reported "500+ disputes mediated") told on the calendar the
workflow would have written them: each dispute's whole story is planned (intake, acceptance within the
working-day limit, the respondent's consent, sessions, the outcome, confirmation, follow-up) and cut at
now, so that recent ones are still open and every state is represented. Rows are written with
bulk_create (the whole `shanghui demo` stays under a minute); a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shanghui.demo import fake
from shanghui.demo.loader import Demo
from shanghui.demo.quzhou import COUNTY_BY_REGION, REMOTE_CHAMBERS
from shanghui.lib.workdays import end_of_day
from shanghui.mediation.clocks import acceptance_period, confirmation_period, mediation_period
from shanghui.mediation.models import (
    Assignment,
    Committee,
    CommitteeMember,
    CourtDecision,
    Dispute,
    DisputeEvent,
    Kind,
    MemberRole,
    Outcome,
    Party,
    PartyKind,
    Performance,
    Session,
    Side,
    Source,
    Status,
    Tie,
    TieKind,
)
from shanghui.mediation.workflow import APPLICANT, COMMITTEE, MEDIATOR, OTHER_CHANNELS, RESPONDENT
from shanghui.orgs.models import Organisation, OrgKind, Role

LABEL = "纠纷"
DISPUTES = 540
# (chamber, weight): where disputes come from. 上海 is the one the well-known logins work in.
CHAMBERS = (
    ("衢州在上海商会", 5), ("龙游在杭州商会", 3), ("江山在北京商会", 2), ("江山市木业商会", 3),
    ("龙游县特种纸商会", 2), ("常山县轴承商会", 2), ("柯城区航埠镇商会", 1),
)  # fmt: skip
KINDS = (
    (Kind.CONTRACT, 35),
    (Kind.DEBT, 25),
    (Kind.LABOUR, 15),
    (Kind.IP, 5),
    (Kind.PARTNERSHIP, 10),
    (Kind.OTHER, 10),
)
SOURCES = ((Source.PARTY, 45), (Source.STAFF, 20), (Source.COURT, 30), (Source.OTHER_BODY, 5))
# How stories end: declined, withdrawn, refused by the respondent, no agreement, written, oral.
ENDINGS = (
    ("declined", 2),
    ("withdrawn", 2),
    ("refused", 3),
    ("no_agreement", 14),
    ("written", 55),
    ("oral", 24),
)
BRANDS = ("恒达", "联创", "宏远", "鑫源", "华通", "金盛", "瑞丰", "天成", "中盛", "永信", "博远", "嘉禾")
TRADES = ("贸易", "建材", "机械", "纸业", "木业", "电子", "食品", "物流", "化工", "纺织")
FACTS: dict[str, tuple[str, str]] = {
    Kind.CONTRACT: ("买卖合同约定的货款未按期支付", "请求支付货款及逾期利息"),
    Kind.DEBT: ("借款到期后未归还", "请求归还借款本金及利息"),
    Kind.LABOUR: ("拖欠工资及未依法支付加班费", "请求支付拖欠工资和经济补偿"),
    Kind.IP: ("未经许可使用注册商标销售同类产品", "请求停止侵权并赔偿损失"),
    Kind.PARTNERSHIP: ("合伙经营利润分配和股权转让款发生争议", "请求按约定分配利润、支付股权转让款"),
    Kind.OTHER: ("厂房租赁到期后押金未退还", "请求退还押金"),
}


def _pick(rng: random.Random, weighted: Any) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


@dataclass
class Story:
    committee: Committee
    chamber: Organisation
    filed: dt.datetime
    kind: str
    source: str
    amount: Decimal
    ending: str
    mediators: list[Any]
    admin: Any
    dispute: Dispute | None = None
    steps: list[tuple[dt.datetime, str, str, str, str]] = field(
        default_factory=list
    )  # when, action, to, kind, note


def load(demo: Demo) -> None:
    chambers = [(demo.orgs[name], w) for name, w in CHAMBERS if name in demo.orgs]
    if not chambers:
        demo.stdout.write("  演示商会不存在，跳过纠纷调解。")
        return
    committees = _committees(demo, [c for c, _w in chambers])
    existing = Dispute.objects.filter(committee__in=[c for c, _r, _a in committees.values()]).count()
    if existing:
        demo.existing[LABEL] += existing
        demo.stdout.write(f"  演示调委会已有 {existing} 件纠纷，未新建。")
        return
    rng = demo.rng("mediation.disputes")
    now = timezone.now()
    stories = [_story(rng, now, committees, chambers) for _ in range(DISPUTES)]
    _save(rng, now, stories)
    demo.created[LABEL] += len(stories)
    mediated = sum(1 for s in stories if any(step[1] == "accept" for step in s.steps))
    demo.stdout.write(f"  {len(stories)} 件纠纷（近一年），受理调解 {mediated} 件")


def _committees(demo: Demo, chambers: list[Organisation]) -> dict[int, tuple[Committee, list[Any], Any]]:
    """Per chamber: its committee, roster and head (an admin). 上海's head is the well-known `mediator`,
    its other admin the chamber's `chamber_staff`; the chamber's `chamber_admin` is not on it (sees the
    figures, never a dispute)."""
    from shanghui.accounts.models import User

    found: dict[int, tuple[Committee, list[Any], Any]] = {}
    slugs = {rc.name: rc.slug for rc in REMOTE_CHAMBERS}
    for n, chamber in enumerate(chambers, start=1):
        slug = slugs.get(chamber.name, f"local{n}")
        committee, _ = Committee.objects.get_or_create(
            name=f"{chamber.name}人民调解委员会",
            defaults={"chamber": chamber, "address": chamber.address or "", "phone": chamber.contact_phone},
        )
        roster = []
        if slug == "shanghai":
            head = User.objects.get(username="mediator")
            roster.append(head)
            staff = User.objects.filter(username="chamber_staff").first()
            if staff:
                CommitteeMember.objects.get_or_create(committee=committee, user=staff, role=MemberRole.ADMIN)
        else:
            head = demo.member(f"mediator_{slug}_1", person=f"{committee.name}/主任", organisation=chamber,
                               role=Role.MEDIATOR, title="调委会主任")  # fmt: skip
            roster.append(head)
        roster.append(demo.member(f"mediator_{slug}_2", person=f"{committee.name}/调解员2", organisation=chamber,
                                  role=Role.MEDIATOR, title="专职调解员"))  # fmt: skip
        CommitteeMember.objects.get_or_create(committee=committee, user=head, role=MemberRole.ADMIN)
        for user in roster:
            CommitteeMember.objects.get_or_create(committee=committee, user=user, role=MemberRole.MEDIATOR)
        if committee.head_id != head.pk:
            committee.head = head
            committee.save(update_fields=["head"])
        # A declared tie: the second mediator's relative works for one of the chamber's members.
        member = chamber.children.filter(kind=OrgKind.ENTERPRISE).order_by("path").first()
        if member and not Tie.objects.filter(user=roster[-1], credit_code=member.credit_code).exists():
            Tie.objects.create(user=roster[-1], credit_code=member.credit_code, enterprise_name=member.name,
                               kind=TieKind.RELATIVE, note="配偶在该企业任财务")  # fmt: skip
        found[chamber.pk] = (committee, roster, head)
    return found


def _story(rng: random.Random, now: dt.datetime, committees: Any, chambers: Any) -> Story:
    chamber = _pick(rng, chambers)
    committee, roster, head = committees[chamber.pk]
    filed = now - dt.timedelta(days=rng.uniform(0.05, 364), hours=0)
    filed = filed.replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59), second=0, microsecond=0)
    if filed > now:
        filed -= dt.timedelta(days=1)
    amount = Decimal(round(10 ** rng.uniform(3.6, 6.3), -2)).quantize(Decimal("0.01"))
    story = Story(committee, chamber, filed, _pick(rng, KINDS), _pick(rng, SOURCES), amount, _pick(rng, ENDINGS),
                  rng.sample(roster, 2 if rng.random() < 0.2 and len(roster) > 1 else 1), head)  # fmt: skip
    _plan(rng, story)
    story.steps = [s for s in story.steps if s[0] <= now]
    return story


def _plan(rng: random.Random, s: Story) -> None:
    """The whole story from filing to its end (cut at now by the caller)."""
    add = s.steps.append
    t = s.filed
    if s.ending == "declined":
        add(
            (
                t + dt.timedelta(hours=rng.uniform(4, 60)),
                "decline",
                Status.DECLINED,
                COMMITTEE,
                "不属于本会调解范围",
            )
        )
        return
    if s.ending == "withdrawn" and rng.random() < 0.5:
        add(
            (
                t + dt.timedelta(hours=rng.uniform(2, 30)),
                "withdraw",
                Status.WITHDRAWN,
                APPLICANT,
                "双方已自行和解",
            )
        )
        return
    # Most are accepted within the three working days; a few late.
    t = t + dt.timedelta(hours=rng.uniform(2, 50) if rng.random() < 0.92 else rng.uniform(80, 140))
    add((t, "accept", Status.AWAITING_CONSENT, COMMITTEE, ""))
    t += dt.timedelta(hours=rng.uniform(6, 72))
    if s.ending == "refused":
        add((t, "refuse", Status.REFUSED, RESPONDENT, "不同意调解"))
        return
    add((t, "consent", Status.MEDIATING, RESPONDENT, ""))
    if s.ending == "withdrawn":
        add(
            (t + dt.timedelta(days=rng.uniform(2, 10)), "withdraw", Status.WITHDRAWN, APPLICANT, "已自行和解")
        )
        return
    t += dt.timedelta(days=rng.uniform(4, 26) if rng.random() < 0.9 else rng.uniform(32, 50))
    if (t - s.steps[0][0]).days > 28:
        add(
            (
                s.steps[0][0] + dt.timedelta(days=25),
                "extend",
                Status.MEDIATING,
                MEDIATOR,
                "双方同意延长调解期限",
            )
        )
    if s.ending == "no_agreement":
        add((t, "no_agreement", Status.FAILED, MEDIATOR, "建议向人民法院提起诉讼"))
        return
    if s.ending == "oral":
        add((t, "oral_agreement", Status.PERFORMING, MEDIATOR, ""))
    else:
        add((t, "record_agreement", Status.AGREEMENT_DRAFTED, MEDIATOR, ""))
        t += dt.timedelta(days=rng.uniform(0.5, 4))
        add((t, "sign", Status.IN_EFFECT, MEDIATOR, ""))
        if rng.random() < 0.4:
            t += dt.timedelta(days=rng.uniform(3, 25))
            add((t, "apply_confirmation", Status.CONFIRMING, MEDIATOR, ""))
            t += dt.timedelta(days=rng.uniform(5, 25))
            if rng.random() < 0.93:
                add((t, "confirmation_granted", Status.PERFORMING, MEDIATOR, ""))
            else:
                add((t, "confirmation_rejected", Status.FAILED, MEDIATOR, "协议部分条款违反法律规定"))
                return
        else:
            t += dt.timedelta(days=rng.uniform(20, 31))
            add((t, "skip_confirmation", Status.PERFORMING, MEDIATOR, ""))
    t += dt.timedelta(days=rng.uniform(10, 60))
    add((t, "record_performance", Status.CLOSED, MEDIATOR, ""))


def _save(rng: random.Random, now: dt.datetime, stories: list[Story]) -> None:
    acceptance, mediation, confirmation = acceptance_period(), mediation_period(), confirmation_period()
    disputes = []
    for n, s in enumerate(stories):
        d = Dispute(
            number=f"tmp-demo-{n}", committee=s.committee, source=s.source, kind=s.kind, amount=s.amount,
            facts=FACTS[s.kind][0] + f"，涉及金额{s.amount}元。", claims=FACTS[s.kind][1], filed_at=s.filed,
            acceptance_due_at=acceptance.due(s.filed), status=Status.FILED,
        )  # fmt: skip
        if s.source in {Source.COURT, Source.OTHER_BODY}:
            county = COUNTY_BY_REGION.get(s.chamber.region_code) or next(iter(COUNTY_BY_REGION.values()))
            d.delegated_by = (
                f"衢州市{county.name}人民法院" if s.source == Source.COURT else f"{county.name}市场监督管理局"
            )
            d.external_number = (
                f"({s.filed:%Y})浙08{rng.randint(2, 81):02d}民诉前调{rng.randint(100, 9999)}号"
            )
        outcome_terms = (
            f"被申请人于协议签订后分期支付{(s.amount * Decimal('0.8')).quantize(Decimal('1'))}元",
            "银行转账",
        )
        for when, action, status, _kind, note in s.steps:
            d.status = status
            if action == "accept":
                d.accepted_at, d.mediation_due_at = when, mediation.due(when)
            elif action == "extend":
                d.extended, d.mediation_due_at = True, mediation.due(d.mediation_due_at or when)
            elif action in {"decline", "refuse"}:
                d.closed_at, d.advice = when, OTHER_CHANNELS
                d.decline_reason = note if action == "decline" else ""
                d.outcome_at = when if action == "refuse" else None
            elif action == "withdraw":
                d.closed_at = when
                d.outcome_at = when if d.accepted_at else None
            elif action == "no_agreement":
                d.outcome, d.outcome_at, d.closed_at, d.advice = Outcome.NO_AGREEMENT, when, when, note
                d.handed_to_court = rng.random() < 0.4
            elif action in {"record_agreement", "oral_agreement"}:
                d.outcome = Outcome.WRITTEN if action == "record_agreement" else Outcome.ORAL
                d.outcome_at, d.issues = when, "欠付款项的数额和支付期限"
                d.terms, d.performance_method = outcome_terms
                d.settled_amount = (s.amount * Decimal(str(round(rng.uniform(0.5, 1.0), 2)))).quantize(
                    Decimal("0.01")
                )
                d.performance_due = timezone.localdate(when) + dt.timedelta(days=rng.randint(5, 50))
                if action == "oral_agreement":
                    d.performing_at, d.performance_due_at = when, end_of_day(d.performance_due)
            elif action == "sign":
                d.effective_at, d.confirmation_due_at = when, confirmation.due(when)
                d.signed_scan = ""  # the demo holds no scans
            elif action == "apply_confirmation":
                d.confirmation_applied_at, d.court = when, "衢州市柯城区人民法院"
            elif action in {"confirmation_granted", "skip_confirmation"}:
                if action == "confirmation_granted":
                    d.court_decision, d.ruling_number = (
                        CourtDecision.GRANTED,
                        f"({when:%Y})浙0802民特{rng.randint(1, 999)}号",
                    )
                d.performing_at = when
                d.performance_due_at = max(end_of_day(d.performance_due or timezone.localdate(when)), when)
            elif action == "confirmation_rejected":
                d.court_decision, d.closed_at = CourtDecision.REJECTED, when
                d.advice = (
                    "当事人可以通过调解方式变更原调解协议或者达成新的调解协议，也可以向人民法院提起诉讼。"
                )
            elif action == "record_performance":
                d.closed_at = when
                d.performance = _pick(
                    rng,
                    ((Performance.PERFORMED, 80), (Performance.PARTLY, 12), (Performance.NOT_PERFORMED, 8)),
                )
        s.dispute = d
        disputes.append(d)
    Dispute.objects.bulk_create(disputes, batch_size=500)
    for d in disputes:
        d.number = f"TJ{timezone.localtime(d.filed_at):%Y}{d.committee_id:03d}{d.pk:06d}"
    Dispute.objects.bulk_update(disputes, ["number"], batch_size=500)

    parties, assignments, sessions, events = [], [], [], []
    for s in stories:
        saved = s.dispute
        assert saved is not None
        d = saved
        parties += _parties(rng, s, d)
        events.append(DisputeEvent(dispute=d, action="create", to_status=Status.FILED, actor_kind=APPLICANT if d.source == Source.PARTY else COMMITTEE,
                                   actor=None if d.source == Source.PARTY else s.admin, note=str(Source(d.source).label), created_at=d.filed_at))  # fmt: skip
        status = Status.FILED
        for when, action, to, kind, note in s.steps:
            actor = {COMMITTEE: s.admin, MEDIATOR: s.mediators[0]}.get(kind)
            events.append(DisputeEvent(dispute=d, action=action, from_status=status, to_status=to, actor=actor,
                                       actor_kind=kind, note=note, created_at=when))  # fmt: skip
            status = to
            if action == "accept":
                for m in s.mediators:
                    assignments.append(Assignment(dispute=d, mediator=m, assigned_at=when, assigned_by=s.admin,
                                                  declared_at=when + dt.timedelta(hours=2)))  # fmt: skip
            if action == "consent":
                held = when + dt.timedelta(days=rng.uniform(2, 5))
                sessions.append(Session(dispute=d, scheduled_at=held, place=s.committee.address or "商会调解室",
                                        online=rng.random() < 0.25, held_at=held if held <= now else None,
                                        minutes="双方陈述了各自意见，调解员释明相关法律规定。" if held <= now else "",
                                        created_by=s.mediators[0]))  # fmt: skip
    Party.objects.bulk_create(parties, batch_size=1000)
    Assignment.objects.bulk_create(assignments, batch_size=1000)
    Session.objects.bulk_create(sessions, batch_size=1000)
    DisputeEvent.objects.bulk_create(events, batch_size=2000)


def _parties(rng: random.Random, s: Story, d: Dispute) -> list[Party]:
    members = (
        list(s.chamber.children.filter(kind=OrgKind.ENTERPRISE).values_list("pk", "name", "credit_code"))
        if rng.random() < 0.5
        else []
    )
    region = s.chamber.region_code or "330802"
    out = []
    for side in (Side.APPLICANT, Side.RESPONDENT):
        person = d.kind == Kind.LABOUR and side == Side.APPLICANT or rng.random() < 0.15
        if person:
            out.append(
                Party(
                    dispute=d,
                    side=side,
                    kind=PartyKind.PERSON,
                    name=fake.person_name(rng),
                    mobile=fake.mobile(rng),
                )
            )
            continue
        if members and side == Side.APPLICANT:
            pk, name, code = rng.choice(members)
        else:
            pk, code = None, fake.credit_code(rng, region_code=region)
            county = COUNTY_BY_REGION.get(region)
            place = county.short if county else "衢州"
            name = place + rng.choice(BRANDS) + rng.choice(TRADES) + "有限公司"
        out.append(Party(dispute=d, side=side, kind=PartyKind.ENTERPRISE, name=name[:100], credit_code=code, enterprise_id=pk,
                         representative=fake.person_name(rng), mobile=fake.mobile(rng),
                         consent=None if side == Side.APPLICANT else (True if d.status not in {Status.FILED, Status.AWAITING_CONSENT, Status.DECLINED, Status.REFUSED} and d.accepted_at else (False if d.status == Status.REFUSED else None))))  # fmt: skip  # noqa: E501
    return out
