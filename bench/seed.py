"""The world of the benchmarks and its cases.

`build_world()` creates, through the services, a city federation with six counties, 40 out-of-town
chambers with 60 proxy points, 24 departments with a window in each county, 144 proxy-eligible items
and a federation admin. `seed_cases()` then writes cases with their timelines, ratings and follow-ups by
PostgreSQL COPY (never through the services: a million cases through the workflow would take hours and
notify nobody real); its time is reported apart from the measurements. Each case tells a plausible
story over the two years before now: created, submitted, pre-reviewed (some after a correction, some
late), forwarded to the window of its department in the applicant's county, accepted (a few refused),
completed mostly within the item's promised limit, delivered, rated, closed; open cases are the recent
ones, as in life. The columns are read from the models, so a field added later gets its default.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import itertools
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

COUNTIES = (("330802", "柯城区"), ("330803", "衢江区"), ("330822", "常山县"), ("330824", "开化县"),
            ("330825", "龙游县"), ("330881", "江山市"))  # fmt: skip
COUNTY_WEIGHTS = (22, 15, 14, 14, 15, 20)
COUNTY_CUMULATIVE = list(itertools.accumulate(COUNTY_WEIGHTS))
HOST_CITIES = (
    "上海", "杭州", "深圳", "北京", "宁波", "苏州", "义乌", "温州", "广州", "南京", "武汉", "成都", "西安", "厦门",
    "天津", "重庆", "合肥", "福州", "长沙", "郑州", "济南", "青岛", "昆明", "南昌", "无锡", "常州", "嘉兴", "金华",
    "绍兴", "台州", "湖州", "丽水", "东莞", "佛山", "珠海", "海口", "贵阳", "南宁", "沈阳", "大连",
)  # fmt: skip
DEPARTMENTS = (
    "公安局", "人力社保局", "医保局", "民政局", "住建局", "自然资源和规划局", "市场监管局", "税务局", "卫健委", "教育局",
    "交通运输局", "农业农村局", "退役军人事务局", "残联", "公积金中心", "司法局", "生态环境局", "文广旅体局",
    "商务局", "应急管理局", "水利局", "林业局", "气象局", "档案馆",
)  # fmt: skip
ITEM_KINDS = ("证明开具", "资格认定", "登记", "变更", "补办", "备案")
SPAN_DAYS = 730
BEIJING = dt.timezone(dt.timedelta(hours=8))
H = 3600.0
D = 86400.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林郑"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅"


@dataclass
class World:
    city_id: int
    admin_id: int
    points: list[tuple[int, str]]  # (id, host city)
    point_weights: list[float]
    items: list[tuple[int, int, int, int]]  # (item id, version id, department id, promised days)
    item_weights: list[float]
    windows: dict[tuple[int, str], int]  # (department id, county code) → window id
    # (name, encrypted ID number, its keyed hash, mobile)
    id_pool: list[tuple[str, str, str, str]] = field(default_factory=list)

    @cached_property
    def point_cumulative(self) -> list[float]:
        return list(itertools.accumulate(self.point_weights))

    @cached_property
    def item_cumulative(self) -> list[float]:
        return list(itertools.accumulate(self.item_weights))


def build_world(rng: random.Random) -> World:
    from shanghui.accounts.models import User
    from shanghui.catalog import services as catalog
    from shanghui.catalog.models import ItemVersion
    from shanghui.orgs import services as orgs
    from shanghui.orgs.models import ChamberKind, FederationLevel, OrgKind, Role

    city = orgs.create_organisation(
        actor=None, kind=OrgKind.FEDERATION, name="衢州市工商联", federation_level=FederationLevel.CITY,
        region_code="330800",
    )  # fmt: skip
    counties = [
        orgs.create_organisation(
            actor=None,
            kind=OrgKind.FEDERATION,
            name=f"{name}工商联",
            parent=city,
            federation_level=FederationLevel.COUNTY,
            region_code=code,
        )  # fmt: skip
        for code, name in COUNTIES
    ]
    points, weights = [], []
    for n, host in enumerate(HOST_CITIES):
        county = counties[n % len(counties)]
        parent, prefix = (city, "衢州") if n % 2 == 0 else (county, county.name.removesuffix("工商联"))
        chamber = orgs.create_organisation(
            actor=None, kind=OrgKind.CHAMBER, name=f"{prefix}在{host}商会", parent=parent,
            chamber_kind=ChamberKind.REMOTE, city=host,
        )  # fmt: skip
        for k in range(1 if n % 2 else 2):
            point = orgs.create_organisation(
                actor=None, kind=OrgKind.PROXY_POINT, name=f"{host}代办点{k + 1}", parent=chamber
            )
            points.append((point.pk, host))
            weights.append(1 / (n + 2) ** 0.8)  # the big cities first
    items, item_weights, windows = [], [], {}
    rank = 0
    for d, name in enumerate(DEPARTMENTS):
        department = orgs.create_organisation(
            actor=None, kind=OrgKind.DEPARTMENT, name=f"衢州市{name}", parent=city
        )
        for code, county_name in COUNTIES:
            window = orgs.create_organisation(
                actor=None, kind=OrgKind.WINDOW, name=f"{county_name}{name}窗口", parent=department, region_code=code
            )  # fmt: skip
            windows[(department.pk, code)] = window.pk
        for k, kind in enumerate(ITEM_KINDS):
            promised = rng.choice((3, 5, 5, 10, 15, 20))
            item = catalog.create_item(
                actor=None, department=department, name=f"{name}{kind}（事项{d * 10 + k + 1}）",
                code=f"BENCH{d:02d}{k:02d}-330800000000-000-1-00", item_type="20", proxy_eligible=True,
                promised_limit=promised, promised_limit_unit="working",
            )  # fmt: skip
            version = ItemVersion.objects.filter(item=item).values_list("pk", flat=True).get()
            items.append((item.pk, version, department.pk, promised))
            rank += 1
            item_weights.append(1 / rank**1.1)  # a few matters are most of the work
    rng.shuffle(item_weights)
    admin = User.objects.create_user(username="bench_fed_admin", password=f"bench-{rng.random()}")
    orgs.grant_role(actor=None, user=admin, organisation=city, role=Role.FEDERATION_ADMIN)
    world = World(city.pk, admin.pk, points, weights, items, item_weights, windows)
    world.id_pool = _applicants(rng)
    return world


def _applicants(rng: random.Random, n: int = 300) -> list[tuple[str, str, str, str]]:
    """A pool of applicants: encrypting a million ID numbers would time the cipher, not the product."""
    from django.db import connection

    from shanghui.lib.crypto import keyed_hash
    from shanghui.lib.validators import id_check_char
    from shanghui.proxy.models import Case

    field_ = Case._meta.get_field("applicant_id_number")
    pool = []
    for _ in range(n):
        code = rng.choice(COUNTIES)[0]
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(16000))
        body = f"{code}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + id_check_char(body)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        mobile = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        pool.append((name, field_.get_db_prep_save(number, connection), keyed_hash(number), mobile))
    return pool


# --- Stories -------------------------------------------------------------------------------------------


def _lognormal_hours(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma)) * H


@dataclass
class Story:
    case: dict[str, Any]
    events: list[tuple[str, str, str, str, str, str, float]]  # action, from, to, kind, note, data, at
    rating: tuple[int, float] | None = None  # (level, at)
    follow_up: tuple[str, float, float] | None = None  # (state, due, at)


@dataclass(frozen=True)
class Choice:
    """Who asks for what, where: drawn per case."""

    point: int
    host: str
    item: int
    version: int
    department: int
    promised: int
    county: str
    window: int
    applicant: tuple[str, str, str, str]
    channel: str
    query_code: str


def choose(world: World, rng: random.Random) -> Choice:
    point, host = world.points[
        bisect.bisect(world.point_cumulative, rng.random() * world.point_cumulative[-1])
    ]
    item, version, department, promised = world.items[
        bisect.bisect(world.item_cumulative, rng.random() * world.item_cumulative[-1])
    ]
    county = COUNTIES[bisect.bisect(COUNTY_CUMULATIVE, rng.random() * COUNTY_CUMULATIVE[-1])][0]
    return Choice(
        point, host, item, version, department, promised, county, world.windows[(department, county)],
        rng.choice(world.id_pool), "agent" if rng.random() < 0.7 else "citizen",
        "".join(rng.choices("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", k=8)),
    )  # fmt: skip


def story(choice: Choice, rng: random.Random, now: float, created: float) -> Story:
    name, encrypted, hashed, mobile = choice.applicant
    agent_channel = choice.channel == "agent"
    promised, department, county = choice.promised, choice.department, choice.county
    case: dict[str, Any] = {
        "status": "draft", "channel": choice.channel, "item_id": choice.item,
        "item_version_id": choice.version, "proxy_point_id": choice.point, "department_id": department,
        "window_id": None, "applicant_name": name, "applicant_id_number": encrypted, "applicant_id_hash": hashed,
        "applicant_mobile": mobile, "home_region_code": county, "current_city": choice.host,
        "poa_confirmed_at": created, "created_at": created, "updated_at": created, "query_code": choice.query_code,
    }  # fmt: skip
    s = Story(case, [("create", "", "draft", "agent" if agent_channel else "applicant", "", "{}", created)])

    def step(action: str, at: float, to: str, kind: str, note: str = "", data: str = "{}") -> bool:
        if at > now:
            return False
        s.events.append((action, case["status"], to, kind, note, data, at))
        case["status"] = to
        case["updated_at"] = at
        return True

    t = created + rng.uniform(0.05, 4) * H
    if rng.random() < 0.03 or not step("submit", t, "submitted", "agent"):
        return s  # drafts never sent, or not yet
    case |= {"submitted_at": t, "review_due_at": t + 1.4 * D}
    if rng.random() < 0.12:  # a correction round
        t += rng.uniform(1, 20) * H
        if not step("request_correction", t, "needs_correction", "agent"):
            return s
        case |= {
            "paused_at": t,
            "return_status": "submitted",
            "correction_items": ["照片模糊，请重新拍摄上传"],
        }
        paused = rng.uniform(4, 72) * H
        t += paused
        if not step("resubmit", t, "submitted", "applicant"):
            return s
        case |= {"paused_at": None, "return_status": "", "review_due_at": case["review_due_at"] + paused}
    if rng.random() < 0.02:
        if step("withdraw", t + rng.uniform(1, 10) * H, "withdrawn", "applicant"):
            case["closed_at"] = case["updated_at"]
        return s
    t += _lognormal_hours(rng, 5, 0.9)
    window = choice.window
    if not step("forward", t, "forwarded", "agent", data=json.dumps({"window_id": window})):
        return s
    case |= {"forwarded_at": t, "window_id": window, "acceptance_due_at": t + 2.8 * D}
    t += _lognormal_hours(rng, 14, 0.8)
    if rng.random() < 0.03:
        if step("refuse", t, "refused", "clerk", note="不属于本窗口受理范围"):
            case |= {"refusal_reason": "不属于本窗口受理范围", "closed_at": t}
        return s
    if not step("accept", t, "accepted", "clerk"):
        return s
    case |= {
        "accepted_at": t,
        "acceptance_number": f"SL{int(t)}",
        "processing_due_at": t + promised * 1.4 * D,
    }
    t += promised * 1.4 * D * min(1.4, rng.betavariate(2.2, 2.6) * 1.45)
    if rng.random() < 0.01:
        if step("terminate", t, "terminated", "clerk", note="申请人要求终止"):
            case |= {"termination_reason": "申请人要求终止", "closed_at": t}
        return s
    if not step("complete", t, "completed", "clerk"):
        return s
    case |= {
        "completed_at": t,
        "result": "granted" if rng.random() < 0.96 else "denied",
        "delivery_method": "pickup",
    }
    t += rng.uniform(0.1, 5) * D
    if not step("deliver", t, "delivered", "agent"):
        return s
    case["delivered_at"] = t
    if rng.random() < 0.7 and (rated := t + rng.uniform(0, 3) * D) <= now:
        level = rng.choices((5, 4, 3, 2, 1), (60, 28, 7, 3, 2))[0]
        s.rating = (level, rated)
        s.events.append(
            ("rate", case["status"], case["status"], "applicant", "", json.dumps({"level": level}), rated)
        )
        if level <= 2:
            due = rated + 7 * D
            if now - rated > 30 * D:
                state = rng.choices(("closed", "appeal_upheld", "open"), (85, 10, 5))[0]
            else:
                state = rng.choice(("open", "answered", "appealed"))
            s.follow_up = (state, due, rated)
    if step("close", t + 15 * D, "closed", "system"):
        case["closed_at"] = case["updated_at"]
    return s


# --- COPY ------------------------------------------------------------------------------------------------


EPOCH = dt.date(1970, 1, 1)
_DAYS: dict[int, str] = {}


def _timestamp(ts: float) -> str:
    """Epoch seconds as a UTC timestamp, to the second (formatting a million datetimes is slow)."""
    day, second = divmod(int(ts), 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = (EPOCH + dt.timedelta(days=day)).isoformat()
    return f"{date} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format. The strings the stories make hold no tab, newline
    or backslash (and the defaults are escaped once, in _defaults), so strings go out as they are."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return,unused-ignore]
    if kind is float:  # timestamps are kept as epoch seconds until written
        return _timestamp(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is list or kind is dict:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _defaults(model: Any, given: set[str]) -> dict[str, Any]:
    """Values for the columns the stories do not fill: each field's default (or "" / NULL)."""
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            value = ""
        if isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        out[f.column] = _escape(value) if isinstance(value, str) else value
    return out


# A finished story does not depend on the present moment, only on the day it started: cases older than
# RECENT_DAYS are drawn from a few thousand finished stories per promised time limit, shifted to their
# day (only who, what and where are drawn per case); younger ones are told one by one.
RECENT_DAYS = 120
BULK = 20_000  # from this many cases on, secondary indexes are dropped during the load and rebuilt
TEMPLATES = 1500
WINDOW_MARK = -1


@dataclass
class Template:
    """A finished story, its times as (days after the day of creation, " HH:MM:SS+00")."""

    seconds_into_day: float
    status: str
    fields: dict[str, str]  # column → COPY text, other than times and what is drawn per case
    times: list[tuple[str, int, str]]  # column, day offset, time of day
    events: list[tuple[str, int, str, bool]]  # text between case id and time, day offset, time, names window
    rating: tuple[int, int, str] | None
    follow_up: tuple[str, int, str, int, str] | None  # state, due (day offset, time), opened (…)

    @property
    def forwarded(self) -> bool:
        return any(column == "forwarded_at" for column, _day, _time in self.times)


def _split(ts: float) -> tuple[int, str]:
    day, second = divmod(int(ts), 86400)
    return day, f" {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00"


def _day(day: int) -> str:
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = (EPOCH + dt.timedelta(days=day)).isoformat()
    return date


def make_template(rng: random.Random, promised: int) -> Template:
    created = rng.random() * D  # day 0
    channel = "agent" if rng.random() < 0.7 else "citizen"
    blank = Choice(0, "", 0, 0, 0, promised, "", WINDOW_MARK, ("", "", "", ""), channel, "")
    told = story(blank, rng, math.inf, created)
    fields, times = {}, []
    for column, value in told.case.items():
        if isinstance(value, float):
            times.append((column, *_split(value)))
        elif column in TEMPLATE_FIELDS:
            fields[column] = _text(value)
    events = []
    for action, from_, to, kind, note, data, at in told.events:
        day, time_ = _split(at)
        events.append(
            (f"\t{action}\t{from_}\t{to}\t{kind}\t{note}\t{data}\t", day, time_, "window_id" in data)
        )
    rating = (told.rating[0], *_split(told.rating[1])) if told.rating else None
    follow_up = None
    if told.follow_up:
        state, due, at = told.follow_up
        follow_up = (state, *_split(due), *_split(at))
    return Template(created, told.case["status"], fields, times, events, rating, follow_up)


TEMPLATE_FIELDS = frozenset(
    {"status", "channel", "return_status", "correction_items", "refusal_reason", "acceptance_number",
     "termination_reason", "result", "delivery_method"}
)  # fmt: skip


@dataclass
class Seeded:
    cases: int = 0
    events: int = 0
    ratings: int = 0
    follow_ups: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)


def seed_cases(
    world: World, count: int, *, start_id: int, rng: random.Random, now: float, chunk: int = 20000
) -> Seeded:
    """COPY `count` cases (ids from `start_id`) with their events, ratings and follow-ups."""
    import time

    from django.db import connection

    from shanghui.proxy.models import Case, CaseEvent, DailySerial, FollowUp, Rating

    started = time.perf_counter()
    done = Seeded()
    case_given = {
        "id", "number", "status", "channel", "item_id", "item_version_id", "proxy_point_id", "department_id",
        "window_id", "applicant_name", "applicant_id_number", "applicant_id_hash", "applicant_mobile",
        "home_region_code", "current_city", "poa_confirmed_at", "created_at", "updated_at", "query_code",
        "submitted_at", "review_due_at", "paused_at", "return_status", "correction_items", "forwarded_at",
        "acceptance_due_at", "refusal_reason", "closed_at", "accepted_at", "acceptance_number",
        "processing_due_at", "termination_reason", "completed_at", "result", "delivery_method", "delivered_at",
    }  # fmt: skip
    case_defaults = {column: _text(value) for column, value in _defaults(Case, {"id"}).items()}
    case_columns = sorted(case_given | set(case_defaults))
    event_columns = [
        "case_id",
        "action",
        "from_status",
        "to_status",
        "actor_kind",
        "note",
        "data",
        "created_at",
    ]
    event_defaults = _defaults(CaseEvent, set(event_columns))
    event_columns += sorted(event_defaults)
    rating_columns = ["id", "case_id", "level", "comment", "created_at"]
    follow_columns = ["rating_id", "responsible_id", "state", "due_at", "answer", "appeal_reason", "decision_note",
                      "created_at", "updated_at"]  # fmt: skip
    serials = Counter(
        {
            (region, day): last
            for region, day, last in DailySerial.objects.values_list("region_code", "day", "last")
        }
    )
    rating_id = (Rating.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    # In order of creation, as a live database grows: the newest cases lie together at the end.
    created_at = sorted(now - rng.random() * SPAN_DAYS * D for _ in range(count))
    templates = {p: [make_template(rng, p) for _ in range(TEMPLATES)] for p in {i[3] for i in world.items}}
    event_tail = "".join("\t" + _text(v) for v in event_defaults.values()) + "\n"
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor underneath, for COPY
        # The rows refer only to rows that exist: skip the foreign-key triggers while loading (six checks
        # per case row otherwise), as a restore would. Needs a superuser; without one they run.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET session_replication_role = replica")
        # Building an index once after the load is much cheaper than growing twenty of them row by row.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename IN ('proxy_case', 'proxy_caseevent')"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        indexes = cursor.fetchall() if count >= BULK else []
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for offset in range(0, count, chunk):
            cases, events, ratings, follows = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
            for case_id in range(start_id + offset, start_id + min(count, offset + chunk)):
                choice = choose(world, rng)
                created = created_at[case_id - start_id]
                name, encrypted, hashed, mobile = choice.applicant
                row = case_defaults | {
                    "id": str(case_id), "item_id": str(choice.item), "item_version_id": str(choice.version),
                    "proxy_point_id": str(choice.point), "department_id": str(choice.department),
                    "applicant_name": name, "applicant_id_number": encrypted, "applicant_id_hash": hashed,
                    "applicant_mobile": mobile, "home_region_code": choice.county, "current_city": choice.host,
                    "query_code": choice.query_code,
                }  # fmt: skip
                if now - created > RECENT_DAYS * D:
                    template = rng.choice(templates[choice.promised])
                    day = int(created // D)
                    created = day * D + template.seconds_into_day
                    row |= template.fields
                    for column, offset_days, time_ in template.times:
                        row[column] = _day(day + offset_days) + time_
                    row["window_id"] = str(choice.window) if template.forwarded else "\\N"
                    window_data = f'"window_id": {choice.window}'
                    for text, offset_days, time_, names_window in template.events:
                        if names_window:
                            text = text.replace(f'"window_id": {WINDOW_MARK}', window_data)
                        events.write(f"{case_id}{text}{_day(day + offset_days)}{time_}{event_tail}")
                    done.events += len(template.events)
                    status = template.status
                    if template.rating:
                        level, offset_days, time_ = template.rating
                        ratings.write(
                            f"{rating_id}\t{case_id}\t{level}\t\t{_day(day + offset_days)}{time_}\n"
                        )
                        if template.follow_up:
                            state, due_day, due_time, at_day, at_time = template.follow_up
                            opened = _day(day + at_day) + at_time
                            follows.write(
                                f"{rating_id}\t{choice.window}\t{state}\t{_day(day + due_day)}{due_time}"
                                f"\t\t\t\t{opened}\t{opened}\n"
                            )
                            done.follow_ups += 1
                        rating_id += 1
                        done.ratings += 1
                else:
                    told = story(choice, rng, now, created)
                    row |= {column: _text(value) for column, value in told.case.items()}
                    for action, from_, to, kind, note, data, at in told.events:
                        text = f"\t{action}\t{from_}\t{to}\t{kind}\t{note}\t{data}\t"
                        events.write(f"{case_id}{text}{_timestamp(at)}{event_tail}")
                    done.events += len(told.events)
                    status = told.case["status"]
                    if told.rating:
                        level, at = told.rating
                        ratings.write(f"{rating_id}\t{case_id}\t{level}\t\t{_timestamp(at)}\n")
                        if told.follow_up:
                            state, due, at = told.follow_up
                            follows.write(
                                f"{rating_id}\t{choice.window}\t{state}\t{_timestamp(due)}"
                                f"\t\t\t\t{_timestamp(at)}\t{_timestamp(at)}\n"
                            )
                            done.follow_ups += 1
                        rating_id += 1
                        done.ratings += 1
                local_day = dt.datetime.fromtimestamp(created, BEIJING).date()
                serials[(choice.county, local_day)] += 1
                row["number"] = f"{choice.county}{local_day:%Y%m%d}{serials[(choice.county, local_day)]:06d}"
                cases.write("\t".join([row[c] for c in case_columns]) + "\n")
                done.statuses[status] += 1
            for model, columns, buffer in (
                (Case, case_columns, cases),
                (CaseEvent, event_columns, events),
                (Rating, rating_columns, ratings),
                (FollowUp, follow_columns, follows),
            ):
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy:
                    copy.write(buffer.getvalue())
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        done.cases = count
        # Intakes after the seeding continue the numbers; the id sequences continue after the rows.
        DailySerial.objects.all().delete()
        DailySerial.objects.bulk_create(
            [DailySerial(region_code=r, day=d, last=n) for (r, d), n in serials.items()], batch_size=5000
        )
        for model in (Case, Rating):
            table = model._meta.db_table
            # Table names come from the models.
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))"  # noqa: S608
            cursor.execute(sql)
    done.seconds = time.perf_counter() - started
    return done


def vacuum_analyze() -> float:
    """What autovacuum would do after a bulk load: fresh planner statistics and visibility maps."""
    import time

    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("proxy_case", "proxy_caseevent", "proxy_rating", "proxy_followup", "proxy_casestat"):
            cursor.execute(f'VACUUM ANALYZE "{table}"')
    return time.perf_counter() - started
