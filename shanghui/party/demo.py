"""The demo's party building: what the federation reports for the year (¥65,608,600 donated in the
epidemic, 218 problems solved for enterprises), a party organisation for most chambers (some founded
late, one chamber with members but no branch, a few without party members), the chambers' last
re-elections (two held without their party organisation), a 2027 re-election of 衢州在上海商会 with its
candidates at every stage of 五步审查 and the list's publicity, a 双强六好 round of 2025 with every chamber
(final) and a 五有 round of 2026 proposed from the data.

Idempotent: the part does nothing once its 双强六好 round exists. Rows are written with bulk_create where
no workflow is involved; chains, cards and notices go through their services (a few dozen records).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.demo.loader import Demo
from shanghui.demo.quzhou import CITY_FEDERATION, DEPARTMENT_BY_SLUG
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.party import checks, rubrics, services
from shanghui.party.models import Candidate, ChamberProfile, Deed, DeedKind, Election, PartyOrganisation
from shanghui.publicity import services as publicity
from shanghui.publicity.models import Notice
from shanghui.reviews import services as reviews
from shanghui.reviews.models import Chain
from shanghui.scorecards import services as scorecards
from shanghui.scorecards.models import Card, Round, Rubric

LABEL = "商会党建"
DONATIONS = Decimal("65608600.00")  # 疫情防控捐赠, as the federation reports it
DONATION_GIFTS = 64
PROBLEMS = 218  # 帮企解难
YEAR = 2026
# Chambers out of step with 三同时 (by name), and why.
FOUNDED_LATE = ("衢州在深圳商会", "衢州在西安商会", "江山市木业商会")
NO_BRANCH = "江山在厦门商会"  # has party members, no party organisation
FEW_MEMBERS = ("柯城区航埠镇商会", "开化县华埠镇商会")  # fewer than 3 party members: not out of step
REELECTED_ALONE = ("衢州在武汉商会", "龙游县特种纸商会")  # chamber re-elected, its party organisation not
REVIEW_DEPARTMENTS = ("gongan", "renshe", "shichang", "shuiwu")
TODAY = dt.date(2026, 11, 20)


def load(demo: Demo) -> None:
    if Round.objects.filter(rubric__code="shuangqiang-liuhao", name="2025年度").exists():
        demo.existing[LABEL] += 1
        demo.stdout.write("  党建演示数据已存在，未改动")
        return
    rng = demo.rng("party")
    orgs = demo.orgs
    city = orgs[CITY_FEDERATION]
    committee = demo.member("party_committee", person=f"{CITY_FEDERATION}/党委委员", organisation=city,
                            role=Role.PARTY_OFFICER, title="市工商联党委委员")  # fmt: skip
    demo.member("dept_admin_shuiwu", person="市税务局/政务服务科科长", organisation=orgs[DEPARTMENT_BY_SLUG["shuiwu"].name],
                role=Role.DEPARTMENT_ADMIN, title="政务服务科科长")  # fmt: skip
    departments = [orgs[DEPARTMENT_BY_SLUG[s].name] for s in REVIEW_DEPARTMENTS]
    rubrics.ensure_five_step(departments)
    shipped = rubrics.ensure_rubrics()
    chambers = list(Organisation.objects.filter(kind=OrgKind.CHAMBER).order_by("path"))

    _profiles_and_branches(demo, rng, chambers)
    _deeds(rng, chambers)
    _reelection(demo, committee, orgs["衢州在上海商会"])
    _rounds(demo, committee, city, chambers, shipped)
    demo.created[LABEL] += 1
    demo.stdout.write(
        f"  {len(chambers)} 个商会的党建档案；疫情防控捐赠 ¥{DONATIONS:,.2f}；帮企解难 {PROBLEMS} 件"
    )


def _profiles_and_branches(demo: Demo, rng: random.Random, chambers: list[Organisation]) -> None:
    profiles, branches, links, elections = [], [], [], []
    secretary = User.objects.filter(username="party_officer").first()
    for chamber in chambers:
        founded = dt.date(rng.randint(2006, 2019), rng.randint(1, 12), rng.randint(1, 28))
        members = 0 if chamber.name in FEW_MEMBERS and rng.random() < 0.5 else rng.randint(3, 40)
        if chamber.name in FEW_MEMBERS:
            members = rng.randint(0, 2)
        last = dt.date(2023, rng.randint(1, 12), rng.randint(1, 28))
        ends = dt.date(last.year + 5, last.month, last.day)
        if chamber.name in ("衢州在上海商会", "衢州在成都商会", "常山县轴承商会"):
            ends = TODAY + dt.timedelta(days=rng.randint(20, 85))  # re-election due: the register warns
        president = demo.person(f"{chamber.name}/会长").name
        profiles.append(ChamberProfile(chamber=chamber, founded_on=founded, president_name=president,
                                       term_ends_on=ends, last_election_on=last, party_members=members))  # fmt: skip
        party_held = None if chamber.name in REELECTED_ALONE else last + dt.timedelta(days=rng.randint(0, 30))
        elections.append(
            Election(
                chamber=chamber,
                name="上届换届",
                planned_on=last,
                chamber_held_on=last,
                party_held_on=party_held,
            )
        )
        if members < 3 or chamber.name == NO_BRANCH:
            continue
        branch_founded = founded + dt.timedelta(days=rng.randint(0, 60))
        if chamber.name in FOUNDED_LATE:
            branch_founded = founded + dt.timedelta(days=rng.randint(800, 2000))
        kind = "general" if members >= 30 else "branch"
        branches.append(PartyOrganisation(
            name=f"{chamber.name}{'党总支' if kind == 'general' else '党支部'}", kind=kind,
            secretary=secretary if chamber.name == "衢州在上海商会" else None,
            secretary_name=demo.person(f"{chamber.name}/党组织书记").name, member_count=members,
            founded_on=branch_founded, term_ends_on=ends, last_election_on=party_held,
            has_plaque=rng.random() < 0.85, annual_funds=Decimal(rng.choice([0, 5000, 10000, 20000, 30000])),
            venue=f"{chamber.name}党员活动之家" if rng.random() < 0.8 else "", plan_year=YEAR if rng.random() < 0.75 else YEAR - 1,
        ))  # fmt: skip
        links.append(chamber)
    ChamberProfile.objects.bulk_create(profiles)
    Election.objects.bulk_create(elections)
    made = PartyOrganisation.objects.bulk_create(branches)
    through = PartyOrganisation.chambers.through
    through.objects.bulk_create(
        through(partyorganisation_id=o.pk, organisation_id=c.pk) for o, c in zip(made, links, strict=True)
    )


def _deeds(rng: random.Random, chambers: list[Organisation]) -> None:
    rows: list[Deed] = []
    start = dt.date(YEAR, 1, 1)

    def day(until: dt.date = TODAY) -> dt.date:
        return start + dt.timedelta(days=rng.randint(0, (until - start).days))

    problems = ("协调解决用工难题", "帮助企业申请贷款贴息", "对接物流运输通道", "协调厂房租赁纠纷", "解读减税降费政策并协助申报",
                "帮助企业办理资质延续", "协调供电增容", "对接上下游供应商")  # fmt: skip
    for _n in range(PROBLEMS):
        rows.append(
            Deed(
                chamber=rng.choice(chambers),
                kind=DeedKind.PROBLEM,
                title=rng.choice(problems),
                happened_on=day(),
            )
        )
    # The donations add up to the reported total exactly: random shares in fen, the last one the rest.
    weights = [rng.random() + 0.2 for _ in range(DONATION_GIFTS)]
    total_fen = int(DONATIONS * 100)
    shares = [int(total_fen * w / sum(weights)) for w in weights]
    shares[-1] = total_fen - sum(shares[:-1])
    for fen in shares:
        rows.append(Deed(chamber=rng.choice(chambers), kind=DeedKind.DONATION, title="疫情防控捐款捐物",
                         happened_on=dt.date(2026, rng.randint(1, 3), rng.randint(1, 28)), amount=Decimal(fen) / 100))  # fmt: skip
    for chamber in chambers:
        for kind, title in (
            (DeedKind.STUDY, "学习会"),
            (DeedKind.PARTY_DAY, "主题党日"),
            (DeedKind.POLICY, "送政策进会"),
        ):
            for _ in range(rng.randint(1, 3)):
                rows.append(Deed(chamber=chamber, kind=kind, title=f"{chamber.short_name or chamber.name}{title}",
                                 happened_on=day(), people=rng.randint(8, 60)))  # fmt: skip
    Deed.objects.bulk_create(rows)


def _reelection(demo: Demo, committee: User, chamber: Organisation) -> None:
    """衢州在上海商会's 2027 re-election: candidates at every stage of 五步审查, the list's publicity."""
    head = User.objects.get(username="chamber_admin")
    secretary = User.objects.get(username="party_officer")
    dept_users = [
        User.objects.get(username=u)
        for u in ("dept_admin", "dept_admin_renshe", "dept_admin_shichang", "dept_admin_shuiwu")
    ]
    election = services.save_election(
        actor=head, chamber=chamber, name="第五届换届", planned_on=dt.date(2027, 1, 15)
    )

    def candidate(key: str, position: str, born: int) -> Candidate:
        who = demo.person(f"{chamber.name}/候选人/{key}")
        c = services.add_candidate(
            actor=head, election=election, name=who.name, mobile=who.mobile, position=position,
            birth_date=dt.date(born, 6, 1), enterprise=f"{who.name[0]}氏实业有限公司 董事长",
        )  # fmt: skip
        services.start_vetting(actor=head, candidate=c)
        return c

    def self_check(c: Candidate, declared: tuple[str, ...] = ()) -> Chain:
        services.submit_self_check(candidate=c, mobile=c.mobile, conditions=list(checks.CONDITIONS),
                                   disqualifications=list(declared), signature=c.name)  # fmt: skip
        return Chain.objects.get(owner_type="party.candidate", owner_id=c.pk)

    def through(chain: Chain, steps: int) -> Chain:
        for who in (secretary, head, committee)[:steps]:
            chain = reviews.decide(chain=chain, actor=who, action="approve", opinion="同意")
        return chain

    finals = [candidate("president", "president", 1968), candidate("secretary", "party_secretary", 1972)]
    for n, c in enumerate(finals):
        chain = through(self_check(c), 3)
        for i, who in enumerate(dept_users):
            if n == 0 and i == 1:  # 人社 asks for the social-insurance record first
                chain = reviews.decide(
                    chain=chain, actor=who, action="ask_more", reason="请补充企业近三年社保缴纳证明"
                )
                chain = reviews.decide(chain=chain, actor=head, action="supply")
            chain = reviews.decide(chain=chain, actor=who, action="approve", opinion="无异议")
    notice = services.publish_list(actor=committee, election=election)
    objection = publicity.file_objection(notice_id=notice.pk, name="匿名会员", contact="0570-3012345",
                                         text="会长候选人企业是否存在拖欠货款？", item_key=f"candidate:{finals[0].pk}")  # fmt: skip
    publicity.answer_objection(
        objection_id=objection.pk,
        actor=committee,
        answer="经核实，相关货款已于2026年结清，异议不成立。",
        upheld=False,
    )
    Notice.objects.filter(pk=notice.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    publicity.finalise(notice=Notice.objects.get(pk=notice.pk), actor=committee)
    # Vice presidents: one at the joint review, one stopped by 有异议, one waiting for the self-check.
    through(self_check(candidate("vice1", "vice_president", 1975)), 3)
    chain = through(self_check(candidate("vice2", "vice_president", 1979)), 3)
    reviews.decide(chain=chain, actor=dept_users[0], action="object", reason="存在重大违法经营记录，不宜提名")
    candidate("vice3", "vice_president", 1982)
    demo.created[LABEL] += 1


def _rounds(
    demo: Demo, committee: User, city: Organisation, chambers: list[Organisation], shipped: dict[str, Rubric]
) -> None:
    rng = demo.rng("party-rounds")
    rnd = scorecards.open_round(rubric=shipped["shuangqiang-liuhao"], name="2025年度", organiser=city, organisations=chambers,
                                period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31), actor=committee)  # fmt: skip
    admins = {m.organisation_id: m.user for m in committee.memberships.model.objects.filter(
        organisation__in=chambers, role__in=[Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF, Role.PARTY_OFFICER]).select_related("user")}  # fmt: skip
    for card in rnd.cards.select_related("organisation"):
        actor = admins.get(card.organisation_id) or committee
        scores = list(card.scores.select_related("indicator"))
        own: dict[int, tuple[int, str]] = {}
        for s in scores:
            ind = s.indicator
            if ind.veto:
                own[s.indicator_id] = (0, "")
            elif ind.method == "count":
                own[s.indicator_id] = (rng.randint(3, 9), "见党建工作台账")
            else:
                own[s.indicator_id] = (int(ind.max_points) - rng.randint(0, 3), "见年度党建工作报告")
        # Cards of chambers without anyone to log in are filled in by the committee on their behalf.
        _fill(card, own, actor if actor != committee else None)
        review: dict[int, tuple[object, str]] = {}
        for s in scores:
            value, _ = own[s.indicator_id]
            if not s.indicator.veto and s.indicator.method == "points" and rng.random() < 0.25:
                review[s.indicator_id] = (max(value - rng.randint(1, 3), 0), "佐证材料不够充分，酌情扣分")
            else:
                review[s.indicator_id] = (value, "")
        scorecards.save_review(card=card, actor=committee, values=review)
        scorecards.act(card=card, actor=committee, action="score")
    rnd = scorecards.publish_round(rnd=rnd, actor=committee)
    assert rnd.notice_id is not None
    Notice.objects.filter(pk=rnd.notice_id).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    publicity.finalise(notice=Notice.objects.get(pk=rnd.notice_id), actor=committee)
    scorecards.open_round(rubric=shipped["wuyou"], name="2026年度", organiser=city, organisations=chambers,
                          period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 12, 31), actor=committee)  # fmt: skip


def _fill(card: Card, values: dict[int, tuple[int, str]], actor: User | None) -> None:
    """The chamber's self-assessment (through the service when the chamber has a login; else the rows as
    the committee entered them from the paper forms) and its submission."""
    from shanghui.scorecards.access import ORG
    from shanghui.scorecards.workflow import MACHINE

    if actor is not None:
        scorecards.save_self_assessment(card=card, actor=actor, values=values)
        scorecards.act(card=card, actor=actor, action="submit")
        return
    for s in card.scores.all():
        value, evidence = values[s.indicator_id]
        s.self_value, s.evidence = Decimal(str(value)), evidence + "（纸质材料录入）"
        s.save(update_fields=["self_value", "evidence"])
    MACHINE.transition(
        pk=card.pk, action="submit", actor=None, actor_kind=ORG, note="工商联党委代为录入纸质自评表"
    )
