"""The proxy-case part of the demo data set: about 2,600 cases (政会联通代办件) over the last year.

Every case is a story told on the working-day calendar: created at a proxy point or on a phone,
submitted, pre-reviewed within about a working day (some after a correction round), forwarded to the
window of the applicant's home county, accepted within two working days (a few refused), completed
mostly within the item's promised limit, delivered and closed; a few withdrawn, suspended or
terminated, some overdue. The story stops at the present moment, so old cases are closed or delivered
and the open ones are recent. Most delivered cases are rated, mostly 满意 or 非常满意; the few bad
ratings have follow-ups (整改) in every state.

This is seeding, not use: the cases, their timeline events, materials and ratings are written with
bulk_create and their past timestamps set directly, not through workflow.transition (which would stamp
"now" and notify thousands of people). What the workflow would have written is written the same way:
the same fields, the same event actions, numbers from the same daily serials (DailySerial is advanced,
so live intakes continue after the demo's numbers). Only the currently running clocks get their
deadline checks enqueued (tasks.schedule_for), so the worker sends their reminders.

Idempotent: if the demo's proxy points already have cases, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.catalog.data.quzhou import COMMON
from shanghui.catalog.models import Delivery, ItemVersion, ServiceItem
from shanghui.catalog.services import pin_version
from shanghui.demo import fake
from shanghui.demo.loader import Demo
from shanghui.demo.quzhou import CITY_FEDERATION, CITY_REGION, REMOTE_CHAMBERS, RemoteChamber
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.validators import id_check_char
from shanghui.lib.workdays import BEIJING, WorkCalendar, add_working_days, local_date
from shanghui.orgs.models import Membership, Organisation, OrgKind, Role
from shanghui.proxy import clocks, summaries, tasks
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    Channel,
    Clock,
    DailySerial,
    FollowUp,
    Rating,
    Result,
    Status,
)
from shanghui.proxy.services import QUERY_CODE_ALPHABET
from shanghui.proxy.workflow import MACHINE
from shanghui.workdays import calendar

CASES = 2640  # "2,600+" a year, as the federation reports
DAYS = 365
LABEL = "代办件"

# How busy each proxy point is (by host city): the big cities where many Quzhou people work.
POINT_WEIGHTS = {
    "上海": 1.8, "杭州": 1.7, "深圳": 1.2, "北京": 1.1, "宁波": 1.2, "苏州": 1.0, "义乌": 1.1, "温州": 0.9,
    "广州": 0.8, "南京": 0.8, "武汉": 0.6, "成都": 0.5, "西安": 0.4, "厦门": 0.6, "天津": 0.4, "重庆": 0.5,
}  # fmt: skip
# Where applicants of a chamber of the city federation come from (rough population shares).
COUNTY_WEIGHTS = {"330802": 22, "330803": 15, "330825": 15, "330881": 20, "330822": 14, "330824": 14}

STREETS = ("人民路", "解放路", "中山路", "建设路", "新华路", "文化路", "长江路", "和平路", "迎宾大道", "工业园路",
           "科技路", "滨江路", "东方路", "南京路", "世纪大道", "青年路")  # fmt: skip
MATERIAL_PROBLEMS = ("照片模糊，请重新拍摄上传", "缺少首页，请补充完整", "已过有效期，请提供有效证件",
                     "信息与申请表不一致，请核对", "未签字，请签字后重新上传")  # fmt: skip
REFUSALS = (
    "该事项须申请人本人到场采集信息，不适用代办，请申请人预约后到窗口办理",
    "申请人不符合受理条件：已超过申领期限",
    "申请材料不符合法定形式，且经告知后无法补正",
    "申请事项依法不属于本窗口职权范围，已告知申请人向有关部门申请",
)
SUSPENSIONS = (
    "等待外省公安机关协查户籍信息",
    "需核实参保缴费记录，等待原参保地社保经办机构回函",
    "等待上级部门审核意见",
    "需申请人补充司法鉴定结论，期间中止办理",
)
TERMINATIONS = (
    "申请人书面申请撤回，终止办理",
    "申请人户籍已迁出本市，终止办理",
    "经核查申请人不符合条件，终止办理",
)
WITHDRAWALS = ("已在当地办理", "暂时不需要办理了", "信息填写有误，重新申请", "回老家时自己去窗口办")
DENIALS = (
    "经审查不符合办理条件：缴费年限不足",
    "经审查不符合办理条件：已享受同类待遇",
    "经审查，申请事项不属实",
)
GOOD_COMMENTS = (
    "不用跑回老家就办好了，感谢商会！", "代办员很热情，全程帮忙", "速度很快，点赞", "线上就能看进度，很方便",
    "服务周到", "比想象中快多了", "邮寄到家，省了来回路费", "",
)  # fmt: skip
BAD_COMMENTS = (
    "等了很久才办结，中间也没人告知进度",
    "材料来回补了好几次，体验不好",
    "电话一直打不通，催了好几次",
    "说好的时间没办好",
)
FOLLOW_UP_ANSWERS = (
    "已约谈相关工作人员，要求每个环节及时告知办理进度，并向申请人电话致歉。",
    "已梳理补正流程，今后一次性告知全部需补正内容。",
    "已核实原因并向申请人解释说明，申请人表示理解。",
)
APPEALS = (
    "超期系申请人补正材料用时较长所致，非窗口原因。",
    "申请人评价内容与实际办理情况不符，已提供电话录音。",
)
SAMPLE_NAME = "demo/proxy-sample.pdf"
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def load(demo: Demo) -> None:
    rng = demo.rng("proxy")
    points = _points()
    if not points:
        demo.stdout.write("  未找到演示代办点（应先载入组织演示数据），跳过代办件。")
        return
    existing = Case.objects.filter(proxy_point__in=[p.org for p in points]).count()
    if existing:
        demo.existing[LABEL] += existing
        demo.stdout.write(f"  演示代办点已有 {existing} 件代办件，未新建。")
        return
    items = _items()
    if not items:
        demo.stdout.write(
            f"  未找到“{CITY_FEDERATION}”的可代办事项（应先载入事项目录演示数据），跳过代办件。"
        )
        return
    world = _World.build(points, items, rng)
    stories = [world.story(rng) for _ in range(CASES)]
    created = _save(world, stories)
    demo.created[LABEL] += created
    by_status = Counter(s.case.status for s in stories)
    demo.stdout.write(
        f"  {created} 件代办件（近一年），其中"
        + "、".join(f"{Status(k).label} {by_status[k]}" for k in Status.values if by_status[k])
        + f"；好差评 {sum(1 for s in stories if s.rating)} 条，差评整改 {sum(1 for s in stories if s.follow_up)} 件"
    )


# --- The world the cases happen in -------------------------------------------------------------------


@dataclass
class _Point:
    org: Organisation
    chamber: RemoteChamber
    agents: list[User]
    review_days: int


def _points() -> list[_Point]:
    by_name = {
        org.name: org
        for org in Organisation.objects.filter(
            kind=OrgKind.PROXY_POINT, name__in=[c.proxy_point for c in REMOTE_CHAMBERS], is_active=True
        )
    }
    agents: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.AGENT, organisation__in=by_name.values(), user__is_active=True
    ).select_related("user").order_by("user__username"):  # fmt: skip
        agents[membership.organisation_id].append(membership.user)
    return [
        _Point(org, chamber, agents[org.pk], clocks.review_days(org.pk))
        for chamber in REMOTE_CHAMBERS
        if (org := by_name.get(chamber.proxy_point)) is not None
    ]


def _items() -> list[ServiceItem]:
    city = Organisation.objects.filter(parent=None, name=CITY_FEDERATION, kind=OrgKind.FEDERATION).first()
    if city is None:
        return []
    return list(
        ServiceItem.objects.filter(
            department__path__startswith=city.path, proxy_eligible=True, is_online=True
        )
        .select_related("department")
        .order_by("code")
    )


def _item_weight(item: ServiceItem, common: set[str]) -> float:
    """The matters people working away ask for most: ID cards, social security, medical insurance."""
    name = item.name
    if name.startswith("居民身份证"):
        return 16.0
    if item.name in common and any(word in name for word in ("社会保障卡", "养老保险", "参保", "失业")):
        return 8.0
    if item.name in common and item.department.name == "衢州市医疗保障局":
        return 8.0
    if item.name in common:
        return 3.0
    return 0.4


@dataclass
class _World:
    points: list[_Point]
    point_weights: list[float]
    items: list[ServiceItem]
    item_weights: list[float]
    versions: dict[int, ItemVersion]
    windows: dict[tuple[int, str], Organisation]
    clerks: dict[int, list[User]]
    cal: WorkCalendar
    now: dt.datetime
    day_weights: list[tuple[dt.date, float]]

    @classmethod
    def build(cls, points: list[_Point], items: list[ServiceItem], rng: random.Random) -> _World:
        common = {row["name"] for row in COMMON}
        departments = {item.department_id for item in items}
        windows = {
            (w.parent_id, w.region_code): w
            for w in Organisation.objects.filter(
                kind=OrgKind.WINDOW, parent_id__in=departments, is_active=True
            )
            if w.parent_id is not None
        }
        clerks: dict[int, list[User]] = defaultdict(list)
        for membership in Membership.objects.filter(
            role=Role.WINDOW_CLERK, organisation__in=windows.values(), user__is_active=True
        ).select_related("user").order_by("user__username"):  # fmt: skip
            clerks[membership.organisation_id].append(membership.user)
        # Only items some county window can take (every item of the demo catalogue can).
        items = [i for i in items if any((i.department_id, r) in windows for r in _counties_of(i))]
        cal = calendar.current()
        now = timezone.now()
        today = local_date(now)
        days = []
        for back in range(DAYS, -1, -1):
            day = today - dt.timedelta(days=back)
            # More on working days; the programme grows over the year.
            growth = 0.75 + 0.5 * (DAYS - back) / DAYS
            days.append((day, growth * (1.0 if cal.is_working_day(day) else 0.3)))
        return cls(
            points=points,
            point_weights=[POINT_WEIGHTS.get(p.chamber.city, 0.5) for p in points],
            items=items,
            item_weights=[_item_weight(i, common) for i in items],
            versions={i.pk: pin_version(i) for i in items},
            windows=windows,
            clerks=clerks,
            cal=cal,
            now=now,
            day_weights=days,
        )

    def story(self, rng: random.Random) -> _Story:
        point = rng.choices(self.points, self.point_weights)[0]
        home = point.chamber.home
        if home == CITY_REGION or rng.random() < 0.15:
            home = rng.choices(list(COUNTY_WEIGHTS), list(COUNTY_WEIGHTS.values()))[0]
        while True:
            item = rng.choices(self.items, self.item_weights)[0]
            counties = _counties_of(item)
            if home not in counties:
                continue  # the item is not offered in this county; the citizen asks for another
            if (item.department_id, home) in self.windows:
                break
        day = rng.choices([d for d, _ in self.day_weights], [w for _, w in self.day_weights])[0]
        story = _Story(self, rng, point, item, home)
        story.tell(day)
        return story


def _counties_of(item: ServiceItem) -> list[str]:
    return list(item.region_codes) or list(COUNTY_WEIGHTS)


# --- One case's story ---------------------------------------------------------------------------------


def _moment(day: dt.date, rng: random.Random, start: float = 8.5, end: float = 17.5) -> dt.datetime:
    """A moment between `start` and `end` o'clock (Beijing) on `day`."""
    minutes = rng.randint(int(start * 60), int(end * 60))
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, rng.randint(0, 59)), tzinfo=BEIJING)


@dataclass
class _Story:
    world: _World
    rng: random.Random
    point: _Point
    item: ServiceItem
    home: str
    case: Case = field(init=False)
    events: list[CaseEvent] = field(default_factory=list)
    materials: list[CaseMaterial] = field(default_factory=list)
    rating: Rating | None = None
    follow_up: FollowUp | None = None
    # Past timestamps for fields Django stamps itself on insert (auto_now/auto_now_add).
    stamps: dict[int, dict[str, dt.datetime]] = field(default_factory=dict)
    done: bool = False  # the story has reached the present

    # -- building blocks --

    def after_work(self, at: dt.datetime, working_days: int) -> dt.datetime:
        """A moment in office hours `working_days` working days after `at` (0: later the same day when
        there is time left, else the next working day)."""
        cal, day = self.world.cal, local_date(at)
        if working_days == 0:
            closing = dt.datetime.combine(day, dt.time(17, 30), tzinfo=BEIJING)
            if cal.is_working_day(day) and at < closing - dt.timedelta(minutes=30):
                seconds = int((closing - at).total_seconds())
                return at + dt.timedelta(seconds=self.rng.randint(600, seconds))
            working_days = 1
        for _ in range(working_days):
            day = cal.next_working_day(day)
        return _moment(day, self.rng, 8.6, 17.4)

    def step(
        self, at: dt.datetime, action: str, to_status: str, kind: str, actor: User | None = None, note: str = "",
        data: dict[str, Any] | None = None, **fields: Any,
    ) -> bool:  # fmt: skip
        """Apply one workflow action at `at`, or stop the story if `at` is still to come."""
        if self.done or at > self.world.now:
            self.done = True
            return False
        for name, value in fields.items():
            setattr(self.case, name, value)
        self.events.append(
            MACHINE.new_event(
                self.case, action=action, from_status=self.case.status, to_status=to_status, actor=actor,
                actor_kind=kind, note=note, data=data or {}, created_at=at,
            )
        )  # fmt: skip
        self.case.status = to_status
        self.case.updated_at = at
        return True

    def overdue(self, clock: str, due: dt.datetime | None, until: dt.datetime) -> None:
        """The worker's overdue check, had the clock run past its due time before `until`."""
        # A clock still running now is the worker's to report (its check is enqueued below).
        if due is None or due >= until or until > self.world.now:
            return
        label = Clock(clock).label
        self.events.append(
            MACHINE.new_event(
                self.case, action="overdue", from_status=self.case.status, to_status=self.case.status,
                actor=None, actor_kind="system", note=f"{label}已超期，已通知责任人和主管部门",
                data={"clock": clock, "due": due.isoformat()},
                # The check runs at the due time, or at once when a correction round resumed the clock
                # already past it.
                created_at=max(due, self.case.updated_at) + dt.timedelta(seconds=self.rng.randint(5, 90)),
            )
        )  # fmt: skip

    def agent(self) -> User | None:
        return self.rng.choice(self.point.agents) if self.point.agents else None

    def clerk(self) -> User | None:
        clerks = self.world.clerks.get(self.case.window_id or 0, [])
        return self.rng.choice(clerks) if clerks else None

    # -- the story --

    def tell(self, day: dt.date) -> None:
        rng, world = self.rng, self.world
        by_agent = rng.random() < 0.6
        created = _moment(day, rng, 8.5, 18.0) if by_agent else _moment(day, rng, 7.0, 22.5)
        if created > world.now:
            created = world.now - dt.timedelta(minutes=rng.randint(5, 300))
        version = world.versions[self.item.pk]
        agent = self.agent()
        self.case = Case(
            query_code="".join(rng.choice(QUERY_CODE_ALPHABET) for _ in range(8)),
            status=Status.DRAFT,
            channel=Channel.AGENT if by_agent else Channel.CITIZEN,
            item=self.item,
            item_version=version,
            proxy_point=self.point.org,
            department_id=self.item.department_id,
            created_by=agent if by_agent else None,
            poa_confirmed_at=created,
            created_at=created,
            updated_at=created,
            **self.applicant(),
        )
        self.events.append(
            MACHINE.new_event(
                self.case, action="create", to_status=Status.DRAFT, actor=agent if by_agent else None,
                actor_kind="agent" if by_agent else "applicant",
                note="代办员代为录入" if by_agent else "申请人在线申请", created_at=created,
            )
        )  # fmt: skip
        slots = [
            (n, m) for n, m in enumerate(version.snapshot.get("materials", [])) if m.get("required") or n == 0
        ]
        # Drafts: a few recent forms not sent yet.
        if (world.now - created).days < 10 and rng.random() < 0.12:
            self.upload(slots[:1], created, CaseMaterial.Review.PENDING)
            return
        self.upload(slots, created, CaseMaterial.Review.PENDING)
        submitted = created + dt.timedelta(minutes=rng.randint(1, 20) if by_agent else rng.randint(2, 90))
        review_due = add_working_days(world.cal, submitted, self.point.review_days)
        if not self.step(submitted, "submit", Status.SUBMITTED, "agent" if by_agent else "applicant",
                         agent if by_agent else None, submitted_at=submitted, review_due_at=review_due):  # fmt: skip
            return
        self.pre_review(submitted)

    def applicant(self) -> dict[str, Any]:
        rng = self.rng
        age_days = rng.randint(20 * 365, 62 * 365)
        birth = local_date(self.world.now) - dt.timedelta(days=age_days)
        first17 = f"{self.home}{birth:%Y%m%d}{rng.randint(1, 999):03d}"
        id_number = first17 + id_check_char(first17)
        city = self.point.chamber.city
        return {
            "applicant_name": fake.person_name(rng),
            "applicant_id_number": id_number,
            "applicant_id_hash": keyed_hash(id_number),
            "applicant_mobile": fake.mobile(rng),
            "home_region_code": self.home,
            "current_city": city,
            "current_address": f"{city}市{rng.choice(STREETS)}{rng.randint(1, 999)}号"
            + (
                f"{rng.randint(1, 30)}幢{rng.randint(1, 28)}0{rng.randint(1, 6)}室"
                if rng.random() < 0.7
                else ""
            ),
        }

    def upload(self, slots: list[tuple[int, dict[str, Any]]], at: dt.datetime, review: str) -> None:
        for slot, material in slots:
            row = CaseMaterial(
                case=self.case, slot=slot, name=material["name"], file=SAMPLE_NAME,
                original_name=f"{material['name']}.pdf"[:200], content_type="application/pdf",
                size=len(SAMPLE_PDF), sha256=hashlib.sha256(SAMPLE_PDF).hexdigest(), review=review,
            )  # fmt: skip
            uploaded = min(at + dt.timedelta(seconds=self.rng.randint(10, 300)), self.world.now)
            self.stamps[id(row)] = {"uploaded_at": uploaded}
            self.materials.append(row)

    def review_materials(self, review: str, flagged: CaseMaterial | None = None, note: str = "") -> None:
        for row in self.materials:
            if row.is_current:
                row.review, row.review_note = review, ""
        if flagged is not None:
            flagged.review, flagged.review_note = CaseMaterial.Review.NEEDS_CORRECTION, note[:300]

    def correction(
        self, at: dt.datetime, action: str, kind: str, actor: User | None, clock_field: str
    ) -> dt.datetime | None:
        """A correction round from `at`: asked, then resubmitted (the clock's due time shifted by the
        pause). Returns the moment of resubmission, or None when the story stops or ends there."""
        rng = self.rng
        current = [m for m in self.materials if m.is_current]
        flagged_row = rng.choice(current) if current else None
        problem = rng.choice(MATERIAL_PROBLEMS)
        items = [f"{flagged_row.name if flagged_row else '申请材料'}：{problem}"]
        came_from = self.case.status
        if not self.step(at, action, Status.NEEDS_CORRECTION, kind, actor, note="；".join(items),
                         data={"correction_items": items}, correction_items=items, return_status=came_from,
                         paused_at=at):  # fmt: skip
            if self.done and action == "request_correction":
                self.review_materials(CaseMaterial.Review.PENDING)
            return None
        self.review_materials(CaseMaterial.Review.ACCEPTED, flagged_row, problem)
        # Some never come back: they withdraw instead (possible only before acceptance).
        if self.case.accepted_at is None and rng.random() < 0.08:
            later = at + dt.timedelta(days=rng.uniform(3, 12))
            self.step(later, "withdraw", Status.WITHDRAWN, "applicant", note=f"撤回申请：{rng.choice(WITHDRAWALS)}",
                      paused_at=None, closed_at=later)  # fmt: skip
            return None
        back = at + dt.timedelta(hours=rng.uniform(5, 96))
        flagged = [m for m in self.materials if m.review == CaseMaterial.Review.NEEDS_CORRECTION]
        due = getattr(self.case, clock_field)
        shifted: dict[str, Any] = {clock_field: due + (back - at) if due is not None else None}
        if not self.step(back, "resubmit", came_from, "applicant", None, paused_at=None, correction_items=[],
                         return_status="", **shifted):  # fmt: skip
            return None
        for old in flagged:
            old.is_current = False
            slot = old.slot if old.slot is not None else 0
            self.upload(
                [(slot, {"name": old.name})], back - dt.timedelta(minutes=5), CaseMaterial.Review.PENDING
            )
        return back

    def pre_review(self, submitted: dt.datetime) -> None:
        rng, case = self.rng, self.case
        at = submitted
        if rng.random() < 0.01:
            later = at + dt.timedelta(hours=rng.uniform(1, 30))
            self.step(later, "withdraw", Status.WITHDRAWN, "applicant", note=f"撤回申请：{rng.choice(WITHDRAWALS)}",
                      closed_at=later)  # fmt: skip
            return
        if rng.random() < 0.11:
            asked = self.after_work(at, rng.choice((0, 0, 1)))
            self.overdue(Clock.REVIEW, case.review_due_at, asked)
            back = self.correction(asked, "request_correction", "agent", self.agent(), "review_due_at")
            if back is None:
                return
            at = back
        forwarded = self.after_work(at, rng.choices((0, 1, 2, 3), (62, 33, 4, 1))[0])
        self.overdue(Clock.REVIEW, case.review_due_at, forwarded)
        window = self.world.windows[(self.item.department_id, self.home)]
        tracking = f"SF{rng.randint(10**11, 10**12 - 1)}" if rng.random() < 0.3 else ""
        data: dict[str, Any] = {"window_id": window.pk}
        if tracking:
            data["tracking_number"] = tracking
        due = add_working_days(self.world.cal, forwarded, settings.PROXY_ACCEPTANCE_DAYS)
        if not self.step(forwarded, "forward", Status.FORWARDED, "agent", self.agent(), data=data, window=window,
                         forwarded_at=forwarded, forward_tracking_number=tracking, acceptance_due_at=due):  # fmt: skip
            return
        self.review_materials(CaseMaterial.Review.ACCEPTED)
        self.acceptance(forwarded)

    def acceptance(self, forwarded: dt.datetime) -> None:
        rng, case = self.rng, self.case
        at = forwarded
        roll = rng.random()
        if roll < 0.01:
            later = at + dt.timedelta(hours=rng.uniform(2, 40))
            self.step(later, "withdraw", Status.WITHDRAWN, "applicant", note=f"撤回申请：{rng.choice(WITHDRAWALS)}",
                      closed_at=later)  # fmt: skip
            return
        if roll < 0.05:
            asked = self.after_work(at, rng.choice((0, 1)))
            self.overdue(Clock.ACCEPTANCE, case.acceptance_due_at, asked)
            back = self.correction(asked, "window_correction", "clerk", self.clerk(), "acceptance_due_at")
            if back is None:
                return
            at = back
        decided = self.after_work(at, rng.choices((0, 1, 2, 3), (45, 40, 11, 4))[0])
        self.overdue(Clock.ACCEPTANCE, case.acceptance_due_at, decided)
        if rng.random() < 0.025:
            reason = rng.choice(REFUSALS)
            self.step(decided, "refuse", Status.REFUSED, "clerk", self.clerk(), note=reason, refusal_reason=reason,
                      closed_at=decided)  # fmt: skip
            if not self.done and rng.random() < 0.4:
                self.rate(decided, bad_chance=0.15)
            return
        window = case.window
        assert window is not None
        number = f"{window.region_code}{case.department_id % 100:02d}{local_date(decided):%Y%m%d}{rng.randint(1, 9999):04d}"
        due = clocks.processing_due(case, decided)
        if not self.step(decided, "accept", Status.ACCEPTED, "clerk", self.clerk(), data={"acceptance_number": number},
                         acceptance_number=number, accepted_at=decided, processing_due_at=due):  # fmt: skip
            return
        self.review_materials(CaseMaterial.Review.ACCEPTED)
        self.processing(decided)

    def processing(self, accepted: dt.datetime) -> None:
        rng, case, cal = self.rng, self.case, self.world.cal
        at = accepted
        roll = rng.random()
        if roll < 0.03:
            asked = self.after_work(at, rng.randint(0, 2))
            self.overdue(Clock.PROCESSING, case.processing_due_at, asked)
            back = self.correction(asked, "window_correction", "clerk", self.clerk(), "processing_due_at")
            if back is None:
                return
            at = back
        elif roll < 0.065:
            suspended = self.after_work(at, rng.randint(0, 2))
            self.overdue(Clock.PROCESSING, case.processing_due_at, suspended)
            reason = rng.choice(SUSPENSIONS)
            if not self.step(suspended, "suspend", Status.SUSPENDED, "clerk", self.clerk(), note=reason,
                             suspension_reason=reason, paused_at=suspended):  # fmt: skip
                return
            later = self.after_work(suspended, rng.randint(3, 12))
            if rng.random() < 0.15:
                reason = rng.choice(TERMINATIONS)
                self.step(later, "terminate", Status.TERMINATED, "clerk", self.clerk(), note=reason,
                          termination_reason=reason, paused_at=None, closed_at=later)  # fmt: skip
                return
            due = case.processing_due_at
            shifted = due + (later - suspended) if due is not None else None
            if not self.step(later, "resume", Status.ACCEPTED, "clerk", self.clerk(), processing_due_at=shifted,
                             paused_at=None):  # fmt: skip
                return
            at = later
        elif roll < 0.07:
            ended = self.after_work(at, rng.randint(1, 4))
            reason = rng.choice(TERMINATIONS)
            self.step(ended, "terminate", Status.TERMINATED, "clerk", self.clerk(), note=reason,
                      termination_reason=reason, closed_at=ended)  # fmt: skip
            return
        due = case.processing_due_at
        assert due is not None
        left = max(0, _working_days(cal, local_date(at), local_date(due)))
        if rng.random() < 0.07:
            done_at = self.after_work(due, rng.randint(1, 4))  # overdue
        else:
            done_at = self.after_work(at, int(left * rng.betavariate(1.4, 2.2) + 0.5))
            if done_at > due:
                done_at = _moment(local_date(due), rng, 8.6, 17.4)
                if done_at <= at:
                    done_at = at + dt.timedelta(minutes=rng.randint(20, 120))
        self.overdue(Clock.PROCESSING, due, done_at)
        self.complete(done_at)

    def complete(self, at: dt.datetime) -> None:
        rng, case = self.rng, self.case
        snapshot = case.item_version.snapshot
        methods = [m for m in snapshot.get("delivery_methods") or [] if m in Delivery.values] or [
            Delivery.PICKUP
        ]
        method = rng.choice(methods)
        granted = rng.random() < 0.96
        tracking = f"1{rng.randint(10**11, 10**12 - 1)}" if method == Delivery.POST else ""
        note = ("" if granted else rng.choice(DENIALS)) or (
            "电子证照已推送至“浙里办”" if method == Delivery.ELECTRONIC else ""
        )
        data: dict[str, Any] = {
            "result": Result.GRANTED if granted else Result.DENIED,
            "delivery_method": method,
        }
        if tracking:
            data["tracking_number"] = tracking
        if note:
            data["result_note"] = note
        if not self.step(at, "complete", Status.COMPLETED, "clerk", self.clerk(), data=data,
                         result=data["result"], result_note=note, delivery_method=method,
                         result_tracking_number=tracking, completed_at=at):  # fmt: skip
            return
        # Delivery: confirmed by the citizen or the agent, or automatically after the configured days.
        roll = rng.random()
        auto = at + dt.timedelta(days=settings.PROXY_AUTO_DELIVER_DAYS, minutes=rng.randint(0, 10))
        if roll < 0.18:
            delivered, kind, actor, note = auto, "system", None, "系统自动确认"
        else:
            wait = rng.uniform(0.1, 1.5) if method != Delivery.POST else rng.uniform(1.5, 4.5)
            delivered = at + dt.timedelta(days=wait)
            by_agent = roll > 0.7
            kind = "agent" if by_agent else "applicant"
            actor = self.agent() if by_agent else None
            note = "代办员确认已送达" if by_agent else ""
        if not self.step(
            delivered, "deliver", Status.DELIVERED, kind, actor, note=note, delivered_at=delivered
        ):
            return
        rated_at = None
        if rng.random() < 0.85:
            rated_at = delivered + dt.timedelta(hours=rng.uniform(0.2, 72))
        late = any(e.action == "overdue" for e in self.events)
        # Closing: the agent archives it, or the system after the configured days.
        if rng.random() < 0.75:
            closed, kind, actor, note = (
                self.after_work(delivered, rng.randint(1, 5)),
                "agent",
                self.agent(),
                "",
            )
        else:
            closed = delivered + dt.timedelta(days=settings.PROXY_AUTO_CLOSE_DAYS, minutes=rng.randint(0, 10))
            kind, actor, note = "system", None, "系统自动归档"
        if rated_at is not None and rated_at < closed:
            self.rate(rated_at, bad_chance=0.08 if late else 0.012)
            rated_at = None
        if not self.step(closed, "close", Status.CLOSED, kind, actor, note=note, closed_at=closed):
            return
        if rated_at is not None:
            self.rate(rated_at, bad_chance=0.08 if late else 0.012)

    def rate(self, at: dt.datetime, *, bad_chance: float) -> None:
        rng, case = self.rng, self.case
        if at > self.world.now:
            return
        if rng.random() < bad_chance:
            level = rng.choice(
                (Rating.Level.DISSATISFIED, Rating.Level.DISSATISFIED, Rating.Level.VERY_DISSATISFIED)
            )
            comment = rng.choice(BAD_COMMENTS)
        else:
            level = rng.choices(
                (Rating.Level.VERY_SATISFIED, Rating.Level.SATISFIED, Rating.Level.BASICALLY), (64, 30, 6)
            )[0]
            comment = rng.choice(GOOD_COMMENTS)
        self.rating = Rating(case=case, level=level, comment=comment)
        self.stamps[id(self.rating)] = {"created_at": at}
        self.events.append(
            MACHINE.new_event(
                case, action="rate", from_status=case.status, to_status=case.status, actor=None,
                actor_kind="applicant", note=str(Rating.Level(level).label), data={"level": int(level)}, created_at=at,
            )
        )  # fmt: skip
        if level <= Rating.Level.DISSATISFIED:
            self.follow_up_of(at)

    def follow_up_of(self, rated: dt.datetime) -> None:
        rng, case = self.rng, self.case
        assert self.rating is not None
        responsible = case.window or case.proxy_point
        due = add_working_days(self.world.cal, rated, settings.PROXY_FOLLOW_UP_DAYS)
        age = (self.world.now - rated).days
        if age < 3:
            state = FollowUp.State.OPEN
        elif age < 20:
            state = rng.choices(list(FollowUp.State), (15, 35, 35, 10, 5))[0]
        else:
            state = rng.choices(list(FollowUp.State), (4, 4, 77, 5, 10))[0]
        follow_up = FollowUp(rating=self.rating, responsible=responsible, state=state, due_at=due)
        if state != FollowUp.State.OPEN:
            follow_up.answer = rng.choice(FOLLOW_UP_ANSWERS)
        if state in (FollowUp.State.APPEALED, FollowUp.State.APPEAL_UPHELD):
            follow_up.appeal_reason = rng.choice(APPEALS)
        if state == FollowUp.State.CLOSED:
            follow_up.decision_note = "整改到位，同意办结。"
        if state == FollowUp.State.APPEAL_UPHELD:
            follow_up.decision_note = "经核实，申诉理由成立，该差评不计入考核。"
        moved = min(self.world.now, rated + dt.timedelta(days=rng.uniform(1, max(1.5, min(age, 12)))))
        self.stamps[id(follow_up)] = {
            "created_at": rated,
            "updated_at": moved if state != FollowUp.State.OPEN else rated,
        }
        self.follow_up = follow_up


def _working_days(cal: WorkCalendar, start: dt.date, end: dt.date) -> int:
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += cal.is_working_day(day)
    return count


# --- Writing it all ----------------------------------------------------------------------------------


def _save(world: _World, stories: list[_Story]) -> int:
    stories.sort(key=lambda s: s.case.created_at)
    _number(stories)
    if not default_storage.exists(SAMPLE_NAME):
        default_storage.save(SAMPLE_NAME, ContentFile(SAMPLE_PDF))
    cases = [s.case for s in stories]
    _historical(Case, cases, {id(c): {"created_at": c.created_at, "updated_at": c.updated_at} for c in cases})
    CaseEvent.objects.bulk_create([e for s in stories for e in s.events], batch_size=1000)
    stamps = {k: v for s in stories for k, v in s.stamps.items()}
    _historical(CaseMaterial, [m for s in stories for m in s.materials], stamps)
    _historical(Rating, [s.rating for s in stories if s.rating], stamps)
    _historical(FollowUp, [s.follow_up for s in stories if s.follow_up], stamps)
    # How often each item was asked for ranks it in search (the submit action counts it).
    for item_id, n in Counter(s.case.item_id for s in stories if s.case.submitted_at).items():
        ServiceItem.objects.filter(pk=item_id).update(usage_count=F("usage_count") + n)
    _schedule(world, stories)
    # The rows above bypassed the services that keep the statistics summaries current.
    summaries.rebuild()
    return len(cases)


def _number(stories: list[_Story]) -> None:
    """Case numbers from the daily serials, in order of creation, as intake would have given them; the
    serials are advanced so that live intakes continue after the demo's numbers."""
    days = {local_date(s.case.created_at) for s in stories}
    serials = {
        (row.region_code, row.day): row
        for row in DailySerial.objects.filter(day__gte=min(days), day__lte=max(days))
    }
    last: Counter[tuple[str, dt.date]] = Counter({key: row.last for key, row in serials.items()})
    for story in stories:
        key = (story.case.home_region_code, local_date(story.case.created_at))
        last[key] += 1
        story.case.number = f"{key[0]}{key[1]:%Y%m%d}{last[key]:06d}"
    for key, row in serials.items():
        row.last = last[key]
    DailySerial.objects.bulk_update(list(serials.values()), ["last"], batch_size=500)
    DailySerial.objects.bulk_create(
        [DailySerial(region_code=r, day=d, last=n) for (r, d), n in last.items() if (r, d) not in serials],
        batch_size=1000,
    )


def _historical(model: Any, objs: list[Any], stamps: dict[int, dict[str, dt.datetime]]) -> None:
    """bulk_create with past timestamps in the fields Django stamps itself (auto_now, auto_now_add).

    Seeding only: the flags are switched off on the model's fields for the duration of the insert (the
    demo command runs alone in its process) and switched back on whatever happens."""
    if not objs:
        return
    for obj in objs:
        for name, value in stamps.get(id(obj), {}).items():
            setattr(obj, name, value)
    stamped = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    flags = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    try:
        for f in stamped:
            f.auto_now = f.auto_now_add = False
        model.objects.bulk_create(objs, batch_size=1000)
    finally:
        for f, auto_now, auto_now_add in flags:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _schedule(world: _World, stories: list[_Story]) -> None:
    """The reminders the worker owes the open cases: deadline checks for the running clocks (only the
    overdue stage for a clock already past its due time), automatic delivery and closing."""
    for story in stories:
        case = story.case
        clock, started, due = CLOCKS.running(case)
        if clock and started and due:
            if due > world.now:
                tasks.schedule_for(case, "")
            else:
                tasks.check_deadline.using(run_after=due).enqueue(
                    case.pk, str(clock), due.isoformat(), tasks.OVERDUE
                )
        elif case.status == Status.COMPLETED and case.completed_at:
            run_after = case.completed_at + dt.timedelta(days=settings.PROXY_AUTO_DELIVER_DAYS)
            tasks.auto_deliver.using(run_after=run_after).enqueue(case.pk)
        elif case.status == Status.DELIVERED and case.delivered_at:
            run_after = case.delivered_at + dt.timedelta(days=settings.PROXY_AUTO_CLOSE_DAYS)
            tasks.auto_close.using(run_after=run_after).enqueue(case.pk)
