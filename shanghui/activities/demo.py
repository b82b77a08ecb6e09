"""The activities part of the demo: a year of volunteering (and study sessions, party days, lectures,
promotion events) across the chambers, reaching the 10,000+ volunteer person-times a year the federation
reports (DESIGN.md, 商会+基层治理), with every state of an activity present.

Seeding, not use (as proxy/demo.py): activities, slots, sign-ups with their attendance, hour records,
timeline events are written with bulk_create and their past times set directly. What the services would
have written is written the same way: a volunteer never holds two slots at once, a slot never takes more
than its quantity, closed activities have approved hours, finished ones hours still pending, no-shows are
marked, cancelled ones have a reason.

Idempotent: if the demo's chambers already have activities, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.activities import seed
from shanghui.activities.attendance import round_hours
from shanghui.activities.models import (
    Activity,
    ActivityEvent,
    ActivityKind,
    Attendance,
    HourRecord,
    HourState,
    Method,
    Risk,
    SignUp,
    SignUpState,
    Slot,
    StarLevel,
    Status,
    Team,
    TeamMember,
    Venue,
    VenueKind,
    Volunteer,
)
from shanghui.demo import fake
from shanghui.demo.loader import Demo
from shanghui.demo.quzhou import LOCAL_CHAMBERS, REMOTE_CHAMBERS, VILLAGES
from shanghui.lib.workdays import BEIJING
from shanghui.orgs.models import Membership, Organisation, Role

LABEL = "志愿服务活动"
DAYS = 365
VOLUNTEERS_PER_CHAMBER = 95
# Activities a chamber holds in a year (the big out-of-town chambers are the busiest).
ACTIVITY_WEIGHTS = {"上海": 1.6, "杭州": 1.6, "宁波": 1.3, "深圳": 1.2, "北京": 1.1, "苏州": 1.1, "义乌": 1.2}
ACTIVITIES_PER_CHAMBER = 50
# The demo volunteer one can log in as on /v/ (a one-time code from the console SMS backend).
DEMO_VOLUNTEER_MOBILE = "13957012026"

VOLUNTEER_TITLES = (
    ("社区环境整治志愿服务", "环境整治员"), ("敬老院探访慰问", "陪护志愿者"), ("关爱留守儿童课业辅导", "辅导员"),
    ("文明交通劝导", "劝导员"), ("义诊进社区", "引导员"), ("防诈骗宣传进社区", "宣传员"),
    ("“衢州有礼”文明实践", "文明劝导员"), ("无偿献血服务", "引导员"), ("商会助企政策宣讲志愿服务", "讲解员"),
    ("老乡返程服务站", "服务员"), ("河道清洁护水行动", "护水员"), ("困难家庭入户走访", "走访员"),
    ("垃圾分类宣传督导", "督导员"), ("图书馆阅读推广", "推广员"), ("春运返乡引导", "引导员"),
)  # fmt: skip
OTHER_TITLES = {
    "study": ("定时定点学习：习近平新时代中国特色社会主义思想", "商会党支部集中学习", "“两个健康”专题学习会"),
    "party_day": ("主题党日：重温入党誓词", "主题党日：红色教育基地参观", "主题党日：党员志愿服务"),
    "lecture": ("“8090”新时代理论宣讲进企业", "民营经济政策宣讲会"),
    "promotion": ("衢州城市品牌推介会", "“衢州有礼”特产推介活动"),
}
CANCEL_REASONS = (
    "天气原因（台风预警），活动取消",
    "场地临时无法使用，另行通知",
    "与上级部署的工作冲突，活动取消",
)
SKILLS = ("急救", "驾驶", "摄影", "心理咨询", "法律咨询", "医疗", "外语", "电脑维修", "文艺表演", "书法")
START_HOURS = (8, 9, 9, 14, 14, 19)


def load(demo: Demo) -> None:
    seed.seed(ActivityKind, StarLevel)
    rng = demo.rng("activities")
    chambers = [demo.orgs[c.name] for c in REMOTE_CHAMBERS if c.name in demo.orgs]
    chambers += [demo.orgs[c.name] for c in LOCAL_CHAMBERS if c.name in demo.orgs][:4]
    if not chambers:
        demo.stdout.write("  未找到演示商会（应先载入组织演示数据），跳过活动。")
        return
    if Activity.objects.filter(organisation__in=chambers).exists():
        demo.existing[LABEL] += Activity.objects.filter(organisation__in=chambers).count()
        _print_figures(demo, chambers)
        return
    started = time.monotonic()
    Builder(demo, rng, chambers).build()
    demo.stdout.write(f"  （用时 {time.monotonic() - started:.1f} 秒）")
    _print_figures(demo, chambers)


def _print_figures(demo: Demo, chambers: list[Organisation]) -> None:
    since = timezone.now() - dt.timedelta(days=DAYS)
    activities = Activity.objects.filter(organisation__in=chambers, starts_at__gte=since)
    present = SignUp.objects.filter(
        activity__in=activities.filter(kind__code="volunteer").values("pk"), attendance=Attendance.PRESENT
    )
    hours = HourRecord.objects.filter(
        activity__in=activities.values("pk"), state=HourState.APPROVED
    ).aggregate(h=Sum("hours"))["h"]
    demo.stdout.write(
        f"  近一年 {activities.count()} 场活动，志愿服务 {present.count()} 人次（{present.values('volunteer_id').distinct().count()} 名志愿者），"
        f"认定时长 {Decimal(hours or 0):.1f} 小时；志愿者演示登录：/v/ 用手机号 {DEMO_VOLUNTEER_MOBILE} 获取验证码（见控制台）"
    )  # fmt: skip


class Builder:
    def __init__(self, demo: Demo, rng: random.Random, chambers: list[Organisation]) -> None:
        self.demo, self.rng, self.chambers = demo, rng, chambers
        self.now = timezone.now()
        self.kinds = {k.code: k for k in ActivityKind.objects.all()}
        self.villages = [demo.orgs[name] for name, _code in VILLAGES if name in demo.orgs]
        # Who acts for each chamber: its staff or admin if the demo has one, else nobody (the system).
        staff = Membership.objects.filter(
            organisation__in=chambers, role__in=[Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF]
        ).select_related("user")
        self.actors: dict[int, User] = {}
        for m in staff:
            self.actors.setdefault(m.organisation_id, m.user)
        self.busy: dict[int, set[dt.date]] = defaultdict(set)  # volunteer → days they serve
        self.counts: Counter[str] = Counter()

    # --- people ---------------------------------------------------------------------------------------

    def volunteers(self) -> dict[int, list[Volunteer]]:
        taken = set(User.objects.exclude(mobile=None).values_list("mobile", flat=True))
        taken |= set(Volunteer.objects.values_list("mobile", flat=True))
        rows: list[Volunteer] = []
        owners: list[int] = []
        for chamber in self.chambers:
            for _ in range(VOLUNTEERS_PER_CHAMBER):
                number = fake.mobile(self.rng)
                while number in taken or number == DEMO_VOLUNTEER_MOBILE:
                    number = fake.mobile(self.rng)
                taken.add(number)
                skills = "、".join(self.rng.sample(SKILLS, self.rng.choice((0, 0, 1, 1, 2))))
                rows.append(Volunteer(mobile=number, name=fake.person_name(self.rng), skills=skills,
                                      trainings="志愿者通用培训" if self.rng.random() < 0.6 else ""))  # fmt: skip
                owners.append(chamber.pk)
        demo_volunteer = Volunteer(
            mobile=DEMO_VOLUNTEER_MOBILE, name="徐志愿", skills="急救、摄影", trainings="志愿者通用培训"
        )
        rows.append(demo_volunteer)
        owners.append(self.chambers[0].pk)
        Volunteer.objects.bulk_create(rows, batch_size=500)
        pools: dict[int, list[Volunteer]] = defaultdict(list)
        for volunteer, owner in zip(rows, owners, strict=True):
            pools[owner].append(volunteer)
        self.demo_volunteer = demo_volunteer
        self.counts["志愿者"] = len(rows)
        # A volunteer team per chamber: most of its volunteers joined, a few still waiting for approval.
        teams = Team.objects.bulk_create(
            [Team(organisation=c, name=f"{c.short_name or c.name}志愿服务队") for c in self.chambers]
        )
        members = [
            TeamMember(team=team, volunteer=v, state=TeamMember.State.APPROVED if self.rng.random() < 0.95 else TeamMember.State.APPLIED)
            for team in teams for v in pools[team.organisation_id]
        ]  # fmt: skip
        TeamMember.objects.bulk_create(members, batch_size=1000)
        return pools

    def venues(self) -> dict[int, list[Venue]]:
        rows = []
        for c in self.chambers:
            rows.append(
                Venue(
                    organisation=c,
                    kind=VenueKind.BASE,
                    name="商会党群服务阵地",
                    address=c.address or f"{c.city}{c.name}会所",
                )
            )
            rows.append(
                Venue(
                    organisation=c,
                    kind=VenueKind.ROOM,
                    name="会员活动室",
                    address=c.address or f"{c.city}{c.name}会所",
                    capacity=60,
                )
            )
            if c.city:
                rows.append(
                    Venue(
                        organisation=c,
                        kind=VenueKind.STATION,
                        name=f"衢州城市品牌推介站（{c.city}）",
                        address=c.address or c.city,
                    )
                )
        Venue.objects.bulk_create(rows)
        by_org: dict[int, list[Venue]] = defaultdict(list)
        for v in rows:
            by_org[v.organisation_id].append(v)
        return by_org

    # --- activities ---------------------------------------------------------------------------------------

    def build(self) -> None:
        pools = self.volunteers()
        venues = self.venues()
        plans: list[tuple[Organisation, Activity, list[Slot]]] = []
        for chamber in self.chambers:
            n = round(ACTIVITIES_PER_CHAMBER * ACTIVITY_WEIGHTS.get(chamber.city, 1.0))
            for i in range(n):
                plans.append(self._plan(chamber, venues[chamber.pk], i, n))
        Activity.objects.bulk_create([a for _c, a, _s in plans], batch_size=500)
        slots = []
        for _c, activity, activity_slots in plans:
            for slot in activity_slots:
                slot.activity = activity
                slots.append(slot)
        Slot.objects.bulk_create(slots, batch_size=1000)
        signups: list[SignUp] = []
        events: list[ActivityEvent] = []
        for chamber, activity, activity_slots in sorted(plans, key=lambda p: p[1].starts_at):
            events += self._events(activity, chamber)
            signups += self._signups(activity, activity_slots, pools[chamber.pk])
        ActivityEvent.objects.bulk_create(events, batch_size=1000)
        SignUp.objects.bulk_create(signups, batch_size=1000)
        HourRecord.objects.bulk_create(self._hours(signups), batch_size=1000)
        self.demo.created[LABEL] += len(plans)
        self.demo.created["志愿服务报名"] += len(signups)

    def _plan(
        self, chamber: Organisation, venues: list[Venue], i: int, n: int
    ) -> tuple[Organisation, Activity, list[Slot]]:
        rng = self.rng
        # Spread over the past year, with a few upcoming ones (published, pending, draft) and one today.
        if i < n - 4:
            day = (self.now - dt.timedelta(days=rng.randint(1, DAYS - 1))).astimezone(BEIJING).date()
        else:
            day = (self.now + dt.timedelta(days=rng.randint(3, 40))).astimezone(BEIJING).date()
        code = (
            "volunteer" if rng.random() < 0.82 else rng.choice(("study", "party_day", "lecture", "promotion"))
        )
        hour = rng.choice(START_HOURS)
        length = rng.choice((2, 2, 3, 3, 4))
        if code == "volunteer":
            title, role = rng.choice(VOLUNTEER_TITLES)
        else:
            title, role = rng.choice(OTHER_TITLES[code]), "参加人员"
        starts = dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)
        if self._under_way(chamber, i, n):
            # One activity of the first chamber is under way now (check-in open, people arriving).
            starts = self.now.astimezone(BEIJING).replace(minute=0, second=0, microsecond=0) - dt.timedelta(
                hours=1
            )
            code, length = "volunteer", 4
            title, role = VOLUNTEER_TITLES[0]
        ends = starts + dt.timedelta(hours=length)
        risky = code == "volunteer" and ("河道" in title or "交通" in title or "春运" in title)
        village = rng.choice(self.villages) if (self.villages and "困难家庭" in title) else None
        activity = Activity(
            organisation=chamber, kind=self.kinds[code], title=title, venue=rng.choice(venues) if venues else None,
            description=f"{chamber.name}组织会员企业员工和在外乡贤开展{title}。", starts_at=starts, ends_at=ends,
            beneficiary_kind="village" if village else "community", beneficiary_org=village,
            beneficiary="" if village else rng.choice(("所在街道社区", "周边社区居民", "在外衢州籍务工人员", "结对帮扶户")),
            risk=Risk.MEDIUM if risky else Risk.LOW, insurance_policy=f"PICC-ZY-{starts:%Y%m%d}-{i:03d}" if risky else "",
            contact_name=chamber.contact_name or "商会秘书处", contact_phone=chamber.contact_phone or "0570-3012345",
            created_by=self.actors.get(chamber.pk), series=None,
        )  # fmt: skip
        activity.status = self._status(activity, i, n)
        if activity.status == Status.CANCELLED:
            activity.cancel_reason = rng.choice(CANCEL_REASONS)
        # created_at/updated_at are auto fields: set after the insert would need another query, keep now.
        if code == "volunteer" and length >= 3 and rng.random() < 0.5:
            middle = starts + dt.timedelta(hours=length // 2)
            quantity = rng.randint(6, 12)
            slots = [Slot(role=role, starts_at=starts, ends_at=middle, quantity=quantity),
                     Slot(role=role, starts_at=middle, ends_at=ends, quantity=quantity)]  # fmt: skip
        else:
            slots = [Slot(role=role, starts_at=starts, ends_at=ends, quantity=rng.randint(10, 22))]
        return chamber, activity, slots

    def _under_way(self, chamber: Organisation, i: int, n: int) -> bool:
        return chamber.pk == self.chambers[0].pk and i == n - 1

    def _status(self, activity: Activity, i: int, n: int) -> str:
        if self._under_way(activity.organisation, i, n):
            return Status.IN_PROGRESS
        if i == n - 4:
            return Status.PUBLISHED
        if i == n - 3:
            return Status.PENDING if activity.organisation_id % 2 else Status.PUBLISHED
        if i == n - 2:
            return Status.DRAFT if activity.organisation_id % 3 == 0 else Status.PUBLISHED
        if i == n - 1:
            return Status.PUBLISHED
        if self.rng.random() < 0.025:
            return Status.CANCELLED
        # Hours are approved within about two weeks; the most recent are still waiting.
        age = (self.now - activity.ends_at).days
        return Status.FINISHED if age < 14 and self.rng.random() < 0.7 else Status.CLOSED

    def _events(self, activity: Activity, chamber: Organisation) -> list[ActivityEvent]:
        actor = self.actors.get(chamber.pk)
        created = activity.starts_at - dt.timedelta(days=self.rng.randint(8, 20))
        steps = [("create", "", "draft", created)]
        path = {
            Status.DRAFT: [], Status.PENDING: ["submit"], Status.PUBLISHED: ["submit", "approve"],
            Status.IN_PROGRESS: ["submit", "approve", "start"],
            Status.FINISHED: ["submit", "approve", "start", "finish"], Status.CLOSED: ["submit", "approve", "start", "finish", "close"],
            Status.CANCELLED: ["submit", "approve", "cancel"],
        }[Status(activity.status)]  # fmt: skip
        targets = {
            "submit": "pending",
            "approve": "published",
            "start": "in_progress",
            "finish": "finished",
            "close": "closed",
            "cancel": "cancelled",
        }
        when = {
            "submit": created + dt.timedelta(hours=2), "approve": created + dt.timedelta(days=1),
            "start": activity.starts_at, "finish": activity.ends_at, "close": activity.ends_at + dt.timedelta(days=self.rng.randint(2, 12)),
            "cancel": activity.starts_at - dt.timedelta(days=1),
        }  # fmt: skip
        previous = "draft"
        for action in path:
            steps.append((action, previous, targets[action], min(when[action], self.now)))
            previous = targets[action]
        kinds = {"approve": "approver", "start": "system", "finish": "system"}
        return [
            ActivityEvent(activity=activity, action=action, from_status=src, to_status=dst, actor=actor if kinds.get(action) != "system" else None,
                          actor_kind=kinds.get(action, "organiser"), note=activity.cancel_reason if action == "cancel" else "", created_at=at)
            for action, src, dst, at in steps
        ]  # fmt: skip

    def _signups(self, activity: Activity, slots: list[Slot], pool: list[Volunteer]) -> list[SignUp]:
        if activity.status in (Status.DRAFT, Status.PENDING):
            return []
        rng = self.rng
        past = activity.status in (Status.FINISHED, Status.CLOSED)
        if activity.status == Status.IN_PROGRESS:
            slots = slots[:1]
        rows = []
        day = activity.starts_at.astimezone(BEIJING).date()
        # Core volunteers come often (the first fifth of the pool weighs five times as much).
        weights = [5 if n < len(pool) // 5 else 1 for n in range(len(pool))]
        for slot in slots:
            wanted = slot.quantity if rng.random() < 0.7 else rng.randint(slot.quantity // 2, slot.quantity)
            chosen: list[Volunteer] = []
            for volunteer in rng.choices(pool, weights=weights, k=wanted * 3):
                if len(chosen) >= wanted:
                    break
                # One slot a day at most: never two overlapping slots.
                if day in self.busy[volunteer.pk] or volunteer in chosen:
                    continue
                chosen.append(volunteer)
            if (
                slot is slots[0]
                and not past
                and activity.status == Status.PUBLISHED
                and self.demo_volunteer not in chosen
                and day not in self.busy[self.demo_volunteer.pk]
            ):
                chosen = [self.demo_volunteer, *chosen[: max(len(chosen) - 1, 0)]]
            if (
                slot is slots[0]
                and past
                and rng.random() < 0.3
                and self.demo_volunteer not in chosen
                and day not in self.busy[self.demo_volunteer.pk]
            ):
                chosen = [self.demo_volunteer, *chosen[: max(len(chosen) - 1, 0)]]
            for volunteer in chosen:
                self.busy[volunteer.pk].add(day)
                signed = activity.starts_at - dt.timedelta(
                    days=rng.randint(1, 7), minutes=rng.randint(0, 600)
                )
                row = SignUp(slot=slot, activity=activity, volunteer=volunteer, state=SignUpState.CONFIRMED,
                             starts_at=slot.starts_at, ends_at=slot.ends_at, created_at=signed)  # fmt: skip
                if activity.status == Status.CANCELLED:
                    row.state = SignUpState.CONFIRMED
                elif activity.status == Status.IN_PROGRESS and rng.random() < 0.7:
                    row.attendance = Attendance.PRESENT
                    row.checked_in_at = row.starts_at + dt.timedelta(minutes=rng.randint(-15, 10))
                    row.check_in_method = Method.QR
                elif past:
                    roll = rng.random()
                    if roll < 0.04:
                        row.state = SignUpState.CANCELLED
                    elif roll < 0.10:
                        row.attendance = Attendance.NO_SHOW
                    else:
                        self._attend(row)
                rows.append(row)
            # Full upcoming slots have a waitlist.
            if activity.status == Status.PUBLISHED and len(chosen) >= slot.quantity:
                for volunteer in pool[-3:]:
                    if day not in self.busy[volunteer.pk] and volunteer not in chosen:
                        self.busy[volunteer.pk].add(day)
                        rows.append(SignUp(slot=slot, activity=activity, volunteer=volunteer, state=SignUpState.WAITLISTED,
                                           starts_at=slot.starts_at, ends_at=slot.ends_at, created_at=activity.starts_at - dt.timedelta(hours=20)))  # fmt: skip
        return rows

    def _attend(self, row: SignUp) -> None:
        rng = self.rng
        row.attendance = Attendance.PRESENT
        row.checked_in_at = row.starts_at + dt.timedelta(minutes=rng.randint(-15, 10))
        row.check_in_method = Method.QR if rng.random() < 0.85 else Method.ORGANISER
        row.checked_out_at = row.ends_at + dt.timedelta(minutes=rng.randint(-20, 15))
        row.check_out_method = Method.QR if rng.random() < 0.8 else Method.ORGANISER

    def _hours(self, signups: list[SignUp]) -> list[HourRecord]:
        rows = []
        for s in signups:
            activity = s.activity
            if (
                s.attendance != Attendance.PRESENT
                or not activity.kind.counts_hours
                or activity.status not in (Status.FINISHED, Status.CLOSED)
            ):
                continue
            assert s.checked_in_at and s.checked_out_at
            minutes = int((s.checked_out_at - s.checked_in_at).total_seconds() // 60)
            closed = activity.status == Status.CLOSED
            rows.append(HourRecord(
                signup=s, volunteer=s.volunteer, activity=activity, organisation_id=activity.organisation_id,
                kind=activity.kind, served_on=s.checked_in_at.astimezone(BEIJING).date(), minutes=minutes,
                hours=round_hours(minutes), state=HourState.APPROVED if closed else HourState.PENDING,
                created_at=min(activity.ends_at, self.now), decided_by=self.actors.get(activity.organisation_id) if closed else None,
                decided_at=min(activity.ends_at + dt.timedelta(days=3), self.now) if closed else None,
            ))  # fmt: skip
        return rows


__all__ = ["DEMO_VOLUNTEER_MOBILE", "load"]
