"""The donations and pairing part of the demo data set, reproducing what the federation reports:

* the epidemic campaign (疫情防控捐赠): ¥65,608,600 in money and goods from chambers and enterprises,
  most of it given straight to charities and health authorities or through the partner charity, and
  what the campaign held paid out to hospitals and towns;
* grassroots funds (基层公益) over ¥1M in the last year: gifts from enterprises and people (some with
  pledges in instalments), disbursements to households, schools and village projects;
* East–West pairing (东西部协作, 万企兴万村): 103 enterprises paired with 100 villages in Sichuan, each
  pair with its projects, ¥10M+ donated through the ledger (a fund per pair) and investment agreements
  near ¥10bn, kept apart; yearly outcomes.

Seeding, not use: the rows are written with bulk_create and their dates set in the past, not through the
services (which would stamp "now" and write thousands of audit rows). What the services would have
written is written the same way: the same fields, a ledger entry per gift and per approved
disbursement, chained with the same hashes (ledger._digest), the fund's head, the "create" events.

Idempotent: if the epidemic campaign exists, nothing is created.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from shanghui.demo import fake
from shanghui.demo.loader import Demo
from shanghui.demo.quzhou import CITY_FEDERATION
from shanghui.donations.ledger import _content, _digest
from shanghui.donations.models import (
    Category,
    Disbursement,
    DisbursementEvent,
    Donor,
    Entry,
    Fund,
    Gift,
    GiftEvent,
    Instalment,
    Pledge,
)
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.masking import mask_mobile
from shanghui.lib.workdays import BEIJING
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.pairing.models import Outcome, Pair, Project, VillageProfile

EPIDEMIC_NAME = "抗击新冠肺炎疫情捐赠"
EPIDEMIC_FEN = 6_560_860_000  # ¥65,608,600: money and goods, as the federation reports
GRASSROOTS_FEN = 108_640_000  # ¥1,086,400: "donations over ¥1M"
PAIRING_DONATED_FEN = 1_028_600_000  # ¥10,286,000: "¥10M+ raised"
PAIRING_INVESTED_FEN = 986_000_000_000  # ¥9,860,000,000: "agreements near ¥10bn"
PAIRS, VILLAGES = 103, 100
CHARITY = "衢州市慈善总会"
CHARITY_REGISTRATION = "53330800MJ9170431W"
LABEL = "捐赠与结对"

# Sichuan counties the villages lie in (广安 is Quzhou's East–West partner; 巴中 its neighbour).
COUNTIES = (
    ("广安市", "广安区", "511602"), ("广安市", "前锋区", "511603"), ("广安市", "岳池县", "511621"),
    ("广安市", "武胜县", "511622"), ("广安市", "邻水县", "511623"), ("广安市", "华蓥市", "511681"),
    ("巴中市", "巴州区", "511902"), ("巴中市", "恩阳区", "511903"), ("巴中市", "平昌县", "511923"),
)  # fmt: skip
VILLAGE_BASES = (
    "花园", "飞龙", "柑子", "红岩", "代市", "大龙", "白果", "石笋", "青山", "桂花", "龙泉", "金竹", "回龙",
    "双河", "天池", "新民", "太平", "长滩", "黄桷", "松林", "马鞍", "凤凰", "观音", "高峰", "玉皇",
)  # fmt: skip
HOSPITALS = (
    "衢州市人民医院",
    "衢州市中医医院",
    "衢州市第二人民医院",
    "柯城区疾病预防控制中心",
    "龙游县人民医院",
)
DIRECT = ("衢州市红十字会", "衢州市慈善总会", "衢州市卫生健康委员会", "龙游县卫生健康局", "江山市慈善总会")
GOODS = (("医用口罩", "只", 150), ("防护服", "套", 9000), ("消毒液", "箱", 12000), ("红外测温仪", "台", 35000),
         ("护目镜", "副", 2500), ("蔬菜", "吨", 400000), ("方便食品", "箱", 6000))  # fmt: skip
SCHOOLS = ("柯城区石梁镇中心小学", "龙游县溪口镇中学", "开化县马金镇中心小学", "常山县芳村镇小学")
PURPOSES = ("助学金", "困难家庭生活救助", "大病医疗救助", "村道硬化", "饮水工程", "文化礼堂修缮")


@dataclass
class Book:
    """One fund's rows, written in order and chained like ledger.append() does."""

    fund: Fund
    gifts: list[Gift] = field(default_factory=list)
    disbursements: list[tuple[Disbursement, dt.datetime]] = field(default_factory=list)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


def _split(rng: random.Random, total: int, parts: int, unit: int) -> list[int]:
    """`parts` positive amounts, multiples of `unit` fen except the last, summing exactly to `total`."""
    weights = [rng.uniform(0.3, 3.0) for _ in range(parts)]
    scale = total / sum(weights)
    amounts = [max(unit, int(w * scale) // unit * unit) for w in weights[:-1]]
    amounts.append(total - sum(amounts))
    assert amounts[-1] > 0 and sum(amounts) == total
    return amounts


def load(demo: Demo) -> None:
    if Fund.objects.filter(name=EPIDEMIC_NAME).exists():
        demo.existing[LABEL] += 1
        return
    _DONORS.clear()  # donors of an earlier run in this process (a test's, rolled back) are gone
    city = demo.orgs.get(CITY_FEDERATION) or Organisation.objects.get(name=CITY_FEDERATION, parent=None)
    chambers = list(
        Organisation.objects.filter(kind=OrgKind.CHAMBER, path__startswith=city.path).order_by("path")
    )
    enterprises = _enterprises(demo, chambers)
    books: list[Book] = []
    books.append(_epidemic(demo, city, chambers, enterprises))
    books.extend(_grassroots(demo, city, chambers, enterprises))
    villages = _villages(demo, city)
    books.extend(_pairing(demo, enterprises, villages))
    _write(books)
    demo.created[LABEL] += 1


# --- Organisations -------------------------------------------------------------------------------------


def _enterprises(demo: Demo, chambers: list[Organisation]) -> list[Organisation]:
    """At least PAIRS member enterprises (the organisation part makes some; more are added here)."""
    rng = demo.rng("donations.enterprises")
    existing = list(Organisation.objects.filter(kind=OrgKind.ENTERPRISE).order_by("path"))
    n = 0
    while len(existing) < PAIRS:
        n += 1
        # The chamber with the fewest members takes the next one.
        chamber = min(chambers, key=lambda c: (sum(1 for e in existing if e.parent_id == c.pk), c.path))
        name = f"衢州{rng.choice(('振兴', '东西', '协作', '兴村', '富民', '共富'))}{n:03d}实业有限公司"
        if Organisation.objects.filter(parent=chamber, name=name).exists():
            continue
        existing.append(
            demo.org(
                chamber,
                name,
                kind=OrgKind.ENTERPRISE,
                region_code=chamber.region_code or "330800",
                credit_code=fake.credit_code(rng, region_code=chamber.region_code or "330800"),
            )  # fmt: skip
        )
    return existing


def _villages(demo: Demo, city: Organisation) -> list[Organisation]:
    """VILLAGES villages in Sichuan under the city federation, each with its province and county."""
    rng = demo.rng("donations.villages")
    villages = list(
        Organisation.objects.filter(kind=OrgKind.VILLAGE, name__startswith="四川省").order_by("path")
    )
    names = {v.name for v in villages}
    combos = [(c, b) for c in COUNTIES for b in VILLAGE_BASES]
    rng.shuffle(combos)
    for (prefecture, county, code), base in combos:
        if len(villages) >= VILLAGES:
            break
        name = f"四川省{prefecture}{county}{base}村"
        if name in names:
            continue
        names.add(name)
        villages.append(
            demo.org(city, name, kind=OrgKind.VILLAGE, short_name=f"{county}{base}村", region_code=code)
        )
    villages = villages[:VILLAGES]
    have = set(VillageProfile.objects.filter(village__in=villages).values_list("village_id", flat=True))
    county_of = {code: county for _p, county, code in COUNTIES}
    VillageProfile.objects.bulk_create(
        VillageProfile(village=v, province="四川省", county=county_of.get(v.region_code, v.name[6:9]))
        for v in villages
        if v.pk not in have
    )
    return villages


# --- Funds ---------------------------------------------------------------------------------------------


def _donor(cache: dict[int, Donor], org: Organisation) -> Donor:
    if org.pk not in cache:
        kind = Donor.Kind.CHAMBER if org.kind == OrgKind.CHAMBER else Donor.Kind.ENTERPRISE
        cache[org.pk] = Donor.objects.create(
            kind=kind, name=org.name, credit_code=org.credit_code, organisation=org
        )
    return cache[org.pk]


_DONORS: dict[int, Donor] = {}


def _fund(**fields: object) -> Fund:
    fund = Fund.objects.create(**fields)
    return fund


def _epidemic(
    demo: Demo, city: Organisation, chambers: list[Organisation], enterprises: list[Organisation]
) -> Book:
    rng = demo.rng("donations.epidemic")
    start, end = dt.date(2020, 1, 25), dt.date(2020, 3, 31)
    fund = _fund(
        name=EPIDEMIC_NAME, purpose="支援医院和基层疫情防控：防护物资、医疗设备、一线人员慰问", category=Category.EPIDEMIC,
        organiser=city, starts_on=start, ends_on=end, is_public=True, partner_charity=CHARITY,
        partner_registration=CHARITY_REGISTRATION, status=Fund.Status.CLOSED,
        opened_at=_at(start, 9), closed_at=_at(end, 18),
    )  # fmt: skip
    book = Book(fund)
    goods_total = 2_437_300_000  # ¥24,373,000 of the total in goods at their sourced value
    money = _split(rng, EPIDEMIC_FEN - goods_total, 120, 100_000)
    goods = _split(rng, goods_total, 48, 10_000)
    donors = chambers + enterprises
    days = (end - start).days
    for i, fen in enumerate(money):
        org = donors[i % len(donors)] if i < len(donors) else rng.choice(donors)
        channel = rng.choices(list(Gift.Channel), weights=(2, 5, 4))[0]
        day = start + dt.timedelta(days=min(days, int(rng.expovariate(1 / 12))))
        book.gifts.append(
            Gift(
                fund=fund, donor=_donor(_DONORS, org), kind=Gift.Kind.MONEY, amount_fen=fen, channel=channel,
                direct_recipient=rng.choice(DIRECT) if channel == Gift.Channel.DIRECT else "",
                receipt_issuer=CHARITY if channel != Gift.Channel.OWN_ACCOUNT else "",
                receipt_number=f"ZJ2020{rng.randint(100000, 999999)}" if channel != Gift.Channel.OWN_ACCOUNT else "",
                received_on=day, publish_name=rng.random() < 0.8,
            )
        )  # fmt: skip
    for fen in goods:
        org = rng.choice(donors)
        item, unit, price = rng.choice(GOODS)
        quantity = max(1, fen // (price * 100))
        channel = rng.choice((Gift.Channel.DIRECT, Gift.Channel.OWN_ACCOUNT))
        book.gifts.append(
            Gift(
                fund=fund, donor=_donor(_DONORS, org), kind=Gift.Kind.GOODS, description=item, quantity=Decimal(quantity),
                unit=unit, value_fen=fen, value_source=rng.choice(list(Gift.ValueSource)), channel=channel,
                direct_recipient=rng.choice(HOSPITALS) if channel == Gift.Channel.DIRECT else "",
                received_on=start + dt.timedelta(days=rng.randint(0, days)), publish_name=True,
            )
        )  # fmt: skip
    # Volunteer services: described and counted in hours, never valued.
    for _ in range(12):
        book.gifts.append(
            Gift(
                fund=fund, donor=_donor(_DONORS, rng.choice(chambers)), kind=Gift.Kind.SERVICE,
                description=rng.choice(("卡口值守", "物资转运", "社区排查")), hours=Decimal(rng.randint(40, 600)),
                channel=Gift.Channel.OWN_ACCOUNT, received_on=start + dt.timedelta(days=rng.randint(0, days)),
            )
        )  # fmt: skip
    held = sum(g.amount_fen or 0 for g in book.gifts if g.enters_balance)
    for fen in _split(rng, held * 97 // 100 // 100_000 * 100_000, 9, 100_000):
        day = start + dt.timedelta(days=rng.randint(10, days))
        book.disbursements.append(
            (
                Disbursement(
                    fund=fund, amount_fen=fen, recipient_kind=Disbursement.RecipientKind.ORGANISATION,
                    recipient_name=rng.choice(HOSPITALS), purpose="防护物资和医疗设备采购", status=Disbursement.Status.PAID,
                    paid_on=day + dt.timedelta(days=2), voucher=f"FK2020{rng.randint(1000, 9999)}",
                ),
                _at(day, 15),
            )
        )  # fmt: skip
    return book


def _grassroots(
    demo: Demo, city: Organisation, chambers: list[Organisation], enterprises: list[Organisation]
) -> list[Book]:
    rng = demo.rng("donations.grassroots")
    today = timezone.localdate()
    organisers = [city] + chambers[:2]
    names = ("商会+爱心助困基金", "助学圆梦基金", "乡村振兴公益金")
    shares = _split(rng, GRASSROOTS_FEN, len(names), 1_000_000)
    books: list[Book] = []
    for k, (organiser, name, share) in enumerate(zip(organisers, names, shares, strict=True)):
        start = today - dt.timedelta(days=330 - 20 * k)
        public = k == 0
        fund = _fund(
            name=name, purpose=f"{organiser.short_name or organiser.name}{name}：{rng.choice(PURPOSES)}等基层公益",
            category=Category.GRASSROOTS, organiser=organiser, starts_on=start, is_public=public,
            partner_charity=CHARITY if public else "", partner_registration=CHARITY_REGISTRATION if public else "",
            status=Fund.Status.OPEN, opened_at=_at(start, 9),
        )  # fmt: skip
        book = Book(fund)
        amounts = _split(rng, share, rng.randint(30, 45), 10_000)
        for i, fen in enumerate(amounts):
            day = start + dt.timedelta(days=rng.randint(0, (today - start).days))
            if i % 3 == 0:
                who = demo.person(f"捐赠人/{name}/{i}")
                donor = Donor.objects.create(kind=Donor.Kind.PERSON, name=who.name, mobile_hash=keyed_hash(who.mobile),
                                             mobile_masked=mask_mobile(who.mobile))  # fmt: skip
            elif i % 11 == 5:
                donor = Donor.objects.create(kind=Donor.Kind.ANONYMOUS)
            else:
                donor = _donor(_DONORS, rng.choice(enterprises))
            book.gifts.append(
                Gift(
                    fund=fund, donor=donor, kind=Gift.Kind.MONEY, amount_fen=fen,
                    channel=Gift.Channel.PARTNER_CHARITY if public else Gift.Channel.OWN_ACCOUNT,
                    receipt_issuer=CHARITY if public else "", receipt_number=f"ZJ{day:%Y}{rng.randint(100000, 999999)}" if public else "",
                    received_on=day, publish_name=rng.random() < 0.6,
                )
            )  # fmt: skip
        # Pledges: two open with instalments (one due soon), one fulfilled by its gift.
        for j in range(3):
            org = enterprises[(k * 7 + j) % len(enterprises)]
            pledge = Pledge.objects.create(fund=fund, donor=_donor(_DONORS, org), amount_fen=5_000_000,
                                           status=Pledge.Status.FULFILLED if j == 2 else Pledge.Status.OPEN)  # fmt: skip
            Instalment.objects.bulk_create([
                Instalment(pledge=pledge, due_on=today + dt.timedelta(days=5 + 60 * j), amount_fen=2_000_000),
                Instalment(pledge=pledge, due_on=today + dt.timedelta(days=95 + 60 * j), amount_fen=3_000_000),
            ])  # fmt: skip
            if j == 2:
                # Counted in the fund's share: the pledge's gift replaces one of the drawn amounts.
                last = book.gifts[-1]
                book.gifts[-1] = Gift(fund=fund, donor=pledge.donor, pledge=pledge, kind=Gift.Kind.MONEY,
                                      amount_fen=last.amount_fen, channel=last.channel, receipt_issuer=last.receipt_issuer,
                                      receipt_number=last.receipt_number, received_on=last.received_on, publish_name=True)  # fmt: skip
                pledge.amount_fen = last.amount_fen or 1
                Pledge.objects.filter(pk=pledge.pk).update(amount_fen=pledge.amount_fen)
                Instalment.objects.filter(pledge=pledge).delete()
                Instalment.objects.create(
                    pledge=pledge, due_on=last.received_on, amount_fen=pledge.amount_fen
                )
        held = sum(g.amount_fen or 0 for g in book.gifts)
        for fen in _split(rng, held * 7 // 10 // 10_000 * 10_000, rng.randint(15, 25), 10_000):
            day = start + dt.timedelta(days=rng.randint(20, max(21, (today - start).days)))
            kind = rng.choice(list(Disbursement.RecipientKind))
            recipient = {
                "household": demo.person(f"受助/{name}/{fen}/{day}").name,
                "school": rng.choice(SCHOOLS), "village_project": f"{rng.choice(('石梁镇', '溪口镇', '马金镇'))}村道硬化工程",
                "organisation": "衢州市残疾人联合会",
            }[kind]  # fmt: skip
            book.disbursements.append(
                (
                    Disbursement(fund=fund, amount_fen=fen, recipient_kind=kind, recipient_name=recipient,
                                 purpose=rng.choice(PURPOSES), status=Disbursement.Status.PAID, paid_on=min(today, day + dt.timedelta(days=3)),
                                 voucher=f"FK{day:%Y%m}{rng.randint(100, 999)}"),
                    _at(min(today, day), 15),
                )
            )  # fmt: skip
        # One request waiting for the fund's admin.
        book.disbursements.append(
            (
                Disbursement(fund=fund, amount_fen=800_000, recipient_kind=Disbursement.RecipientKind.SCHOOL,
                             recipient_name=SCHOOLS[k % len(SCHOOLS)], purpose="助学金", status=Disbursement.Status.REQUESTED),
                _at(today, 9),
            )
        )  # fmt: skip
        books.append(book)
    return books


def _pairing(demo: Demo, enterprises: list[Organisation], villages: list[Organisation]) -> list[Book]:
    rng = demo.rng("donations.pairing")
    partners = enterprises[:PAIRS]
    pairs: list[Pair] = []
    for i, partner in enumerate(partners):
        village = villages[i % len(villages)]
        start = dt.date(2021 + i % 3, 1 + i % 12, 1)
        pairs.append(
            Pair(
                partner=partner,
                village=village,
                programme="东西部协作" if i % 2 else "万企兴万村",
                starts_on=start,
            )
        )
    pairs = Pair.objects.bulk_create(pairs)
    donated = _split(rng, PAIRING_DONATED_FEN, PAIRS, 100_000)
    invest_pairs = [p for i, p in enumerate(pairs) if i % 5 != 4]
    invested = _split(rng, PAIRING_INVESTED_FEN, len(invest_pairs), 10_000_000)
    chambers = {
        o.pk: o.parent
        for o in Organisation.objects.filter(pk__in=[p.partner_id for p in pairs]).select_related("parent")
    }
    books: list[Book] = []
    projects: list[Project] = []
    outcomes: list[Outcome] = []
    invest_of = dict(zip((p.pk for p in invest_pairs), invested, strict=True))
    for pair, fen in zip(pairs, donated, strict=True):
        organiser = chambers[pair.partner_id] or pair.partner
        fund = _fund(
            name=f"{pair.partner.name}结对{pair.village.short_name or pair.village.name}帮扶资金", category=Category.PAIRING,
            purpose="结对村公益帮扶：助学、村道、饮水、产业配套", organiser=organiser, starts_on=pair.starts_on,
            status=Fund.Status.OPEN, opened_at=_at(pair.starts_on, 9),
        )  # fmt: skip
        book = Book(fund)
        parts = _split(rng, fen, rng.randint(1, 3), 10_000)
        for part in parts:
            book.gifts.append(
                Gift(fund=fund, donor=_donor(_DONORS, pair.partner), kind=Gift.Kind.MONEY, amount_fen=part,
                     channel=Gift.Channel.OWN_ACCOUNT, received_on=pair.starts_on + dt.timedelta(days=rng.randint(10, 300)),
                     publish_name=True)
            )  # fmt: skip
        out = fen * rng.randint(60, 95) // 100 // 10_000 * 10_000
        if out:
            day = pair.starts_on + dt.timedelta(days=320)
            book.disbursements.append(
                (
                    Disbursement(fund=fund, amount_fen=out, recipient_kind=Disbursement.RecipientKind.VILLAGE_PROJECT,
                                 recipient_name=f"{pair.village.short_name}{rng.choice(('村道硬化', '饮水工程', '文化礼堂', '助学'))}",
                                 village=pair.village, purpose="结对村公益项目", status=Disbursement.Status.PAID,
                                 paid_on=day + dt.timedelta(days=5)),
                    _at(day, 14),
                )
            )  # fmt: skip
        books.append(book)
        projects.append(
            Project(
                pair=pair, kind=Project.Kind.CHARITY, name="公益帮扶", fund=fund, started_on=pair.starts_on
            )
        )
        if pair.pk in invest_of:
            projects.append(
                Project(pair=pair, kind=Project.Kind.INDUSTRY, name=rng.choice(("茶叶加工", "柑橘种植基地", "电商产业园", "生猪养殖", "光伏电站")),
                        invested_fen=invest_of[pair.pk], started_on=pair.starts_on + dt.timedelta(days=90))
            )  # fmt: skip
        if rng.random() < 0.5:
            projects.append(Project(pair=pair, kind=rng.choice((Project.Kind.JOBS, Project.Kind.EXPERTISE)),
                                    name=rng.choice(("劳务协作", "电商培训", "种养技术培训")), started_on=pair.starts_on))  # fmt: skip
        for year in range(pair.starts_on.year, timezone.localdate().year):
            outcomes.append(Outcome(pair=pair, year=year, collective_income_fen=rng.randint(5, 40) * 1_000_000,
                                    jobs=rng.randint(2, 40), trained=rng.randint(10, 120)))  # fmt: skip
    Project.objects.bulk_create(projects)
    Outcome.objects.bulk_create(outcomes)
    return books


# --- The ledger ----------------------------------------------------------------------------------------


def _write(books: list[Book]) -> None:
    """Gifts, approved disbursements and their chained entries, fund by fund, in date order."""
    gifts = Gift.objects.bulk_create(
        [
            _numbered(g, book.fund, n)
            for book in books
            for n, g in enumerate(sorted(book.gifts, key=lambda g: g.received_on), start=1)
        ]
    )
    disbursements = Disbursement.objects.bulk_create([d for book in books for d, _at in book.disbursements])
    when = {id(d): at for book in books for d, at in book.disbursements}
    by_fund: dict[int, list[tuple[dt.datetime, Gift | Disbursement]]] = {b.fund.pk: [] for b in books}
    for g in gifts:
        by_fund[g.fund_id].append((_at(g.received_on, 11), g))
    for d in disbursements:
        by_fund[d.fund_id].append((when[id(d)], d))
    entries: list[Entry] = []
    heads: list[Fund] = []
    approved: list[Disbursement] = []
    for book in books:
        prev, seq, balance = "", 0, 0
        waiting: list[Disbursement] = []

        def add(row: Gift | Disbursement, at: dt.datetime, fund: Fund = book.fund) -> None:
            nonlocal prev, seq, balance
            seq += 1
            if isinstance(row, Gift):
                held = row.amount_fen or 0 if row.enters_balance else 0
                entry = Entry(fund=fund, seq=seq, kind=Entry.Kind.GIFT, gift=row, amount_fen=row.value,
                              balance_fen=held, created_at=at, prev_hash=prev)  # fmt: skip
            else:
                entry = Entry(fund=fund, seq=seq, kind=Entry.Kind.DISBURSEMENT, disbursement=row,
                              amount_fen=-row.amount_fen, balance_fen=-row.amount_fen, created_at=at, prev_hash=prev)  # fmt: skip
                row.approved_at = at
                approved.append(row)
            balance += entry.balance_fen
            entry.hash = _digest(_content(entry))
            prev = entry.hash
            entries.append(entry)

        for at, row in sorted(by_fund[book.fund.pk], key=lambda x: (x[0], isinstance(x[1], Disbursement))):
            if isinstance(row, Disbursement):
                if row.status != Disbursement.Status.REQUESTED:
                    waiting.append(row)
            else:
                add(row, at)
            # A payment is approved only once the fund holds the money (as the service insists).
            while waiting and waiting[0].amount_fen <= balance:
                add(waiting.pop(0), at + dt.timedelta(minutes=1))
        assert not waiting, f"{book.fund.name}: payments beyond what it holds"
        book.fund.entry_count, book.fund.head_hash = seq, prev
        heads.append(book.fund)
    Disbursement.objects.bulk_update(approved, ["approved_at"])
    Entry.objects.bulk_create(entries, batch_size=1000)
    Fund.objects.bulk_update(heads, ["entry_count", "head_hash"])
    GiftEvent.objects.bulk_create(
        GiftEvent(
            gift=g, action="create", to_status=g.status, actor_kind="staff", created_at=_at(g.received_on, 11)
        )
        for g in gifts
    )
    DisbursementEvent.objects.bulk_create(
        DisbursementEvent(
            disbursement=d, action="create", to_status="requested", actor_kind="staff", created_at=when[id(d)]
        )
        for d in disbursements
    )


def _numbered(gift: Gift, fund: Fund, n: int) -> Gift:
    gift.number = f"JZ{fund.pk:05d}-{n:06d}"
    return gift
