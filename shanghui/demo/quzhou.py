"""The organisations of a believable Quzhou (衢州): the city federation and its six county
federations, sixteen out-of-town chambers with their proxy points, industry and township chambers,
fifteen city departments with a window at each county's administrative service centre, member
enterprises and paired villages in Sichuan.

Names and addresses are realistic but the data is invented (addresses, telephone numbers, people,
companies and credit codes do not belong to anyone).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shanghui.demo import fake
from shanghui.demo.loader import Demo
from shanghui.orgs.models import ChamberKind, FederationLevel, Organisation, OrgKind

QUZHOU_AREA_CODE = "0570"  # 衢州's telephone area code; local numbers have 7 digits.
CITY_REGION = "330800"
CITY_FEDERATION = "衢州市工商联"


@dataclass(frozen=True)
class County:
    name: str  # 柯城区
    region_code: str  # GB/T 2260
    short: str  # 柯城: how chambers and companies are named after it
    slug: str  # kecheng: for usernames
    service_centre_address: str
    industrial_road: str  # where its member enterprises are
    trade_names: tuple[str, ...]  # local words its companies like in their names (mountains, old names)


COUNTIES = (
    County("柯城区", "330802", "柯城", "kecheng", "衢州市柯城区白云中大道88号", "衢州市柯城区东港三路", ("烂柯",)),
    County("衢江区", "330803", "衢江", "qujiang", "衢州市衢江区振兴东路306号", "衢州市衢江区廿里镇兴业路", ("瀫江",)),
    County("龙游县", "330825", "龙游", "longyou", "龙游县龙洲街道荣昌大道111号", "龙游县经济开发区亨达路", ("姑蔑", "龙珠")),
    County("江山市", "330881", "江山", "jiangshan", "江山市双塔街道鹿溪南路358号", "江山市经济开发区工业大道", ("江郎", "须江")),
    County("常山县", "330822", "常山", "changshan", "常山县天马街道定阳北路166号", "常山县生态工业园区新都大道", ("三衢", "定阳")),
    County("开化县", "330824", "开化", "kaihua", "开化县芹阳办事处解放街27号", "开化县华埠镇工业园区园区路", ("根宫", "钱源")),
)  # fmt: skip
COUNTY_BY_REGION = {c.region_code: c for c in COUNTIES}


def federation_name(county: County) -> str:
    return f"{county.name}工商联"


@dataclass(frozen=True)
class RemoteChamber:
    home: str  # region code of the federation it belongs to: the city or a county
    city: str
    slug: str
    area_code: str
    local_digits: int
    region_code: str  # of the host city, where the chamber is registered (its credit code)
    address: str

    @property
    def name(self) -> str:
        home = "衢州" if self.home == CITY_REGION else COUNTY_BY_REGION[self.home].short
        return f"{home}在{self.city}商会"

    @property
    def proxy_point(self) -> str:
        return proxy_point_name(self.name)


def proxy_point_name(chamber: str) -> str:
    return f"{chamber}代办点"


# The 16 out-of-town chambers, spread over the city federation and the county federations.
REMOTE_CHAMBERS = (
    RemoteChamber("330800", "上海", "shanghai", "021", 8, "310000", "上海市浦东新区浦东南路1088号中融大厦17楼"),
    RemoteChamber("330800", "深圳", "shenzhen", "0755", 8, "440300", "深圳市福田区深南大道6008号报业大厦23楼"),
    RemoteChamber("330800", "广州", "guangzhou", "020", 8, "440100", "广州市天河区天河路385号15楼"),
    RemoteChamber("330800", "武汉", "wuhan", "027", 8, "420100", "武汉市江汉区新华路218号14楼"),
    RemoteChamber("330800", "成都", "chengdu", "028", 8, "510100", "成都市锦江区红星路三段1号2号楼21楼"),
    RemoteChamber("330800", "西安", "xian", "029", 8, "610100", "西安市雁塔区高新路52号高科大厦11楼"),
    RemoteChamber("330802", "天津", "tianjin", "022", 8, "120000", "天津市和平区南京路189号2座22楼"),
    RemoteChamber("330802", "重庆", "chongqing", "023", 8, "500000", "重庆市渝中区民族路188号30楼"),
    RemoteChamber("330803", "苏州", "suzhou", "0512", 8, "320500", "苏州市工业园区苏州大道东265号18楼"),
    RemoteChamber("330825", "杭州", "hangzhou", "0571", 8, "330100", "杭州市上城区钱江路1366号华润大厦A座12楼"),
    RemoteChamber("330825", "宁波", "ningbo", "0574", 8, "330200", "宁波市鄞州区宁南北路1288号9楼"),
    RemoteChamber("330881", "北京", "beijing", "010", 8, "110000", "北京市朝阳区建国门外大街甲12号10层"),
    RemoteChamber("330881", "厦门", "xiamen", "0592", 7, "350200", "厦门市思明区鹭江道8号16楼"),
    RemoteChamber("330822", "义乌", "yiwu", "0579", 8, "330782", "义乌市稠城街道工人北路1100号"),
    RemoteChamber("330822", "南京", "nanjing", "025", 8, "320100", "南京市鼓楼区中山北路28号9楼"),
    RemoteChamber("330824", "温州", "wenzhou", "0577", 8, "330300", "温州市鹿城区车站大道577号20楼"),
)  # fmt: skip


@dataclass(frozen=True)
class LocalChamber:
    county: str  # region code
    name: str
    kind: str
    trades: tuple[str, ...]  # what its member enterprises do


LOCAL_CHAMBERS = (
    LocalChamber("330881", "江山市木业商会", ChamberKind.INDUSTRY, ("木业", "木门", "家居")),
    LocalChamber("330825", "龙游县特种纸商会", ChamberKind.INDUSTRY, ("纸业", "特种纸", "新材料")),
    LocalChamber("330822", "常山县轴承商会", ChamberKind.INDUSTRY, ("轴承", "精密机械", "机械制造")),
    LocalChamber("330802", "柯城区航埠镇商会", ChamberKind.TOWNSHIP, ("农业开发", "食品", "建材")),
    LocalChamber("330803", "衢江区廿里镇商会", ChamberKind.TOWNSHIP, ("化工", "新材料", "物流")),
    LocalChamber("330824", "开化县华埠镇商会", ChamberKind.TOWNSHIP, ("茶业", "硅材料", "旅游开发")),
)


@dataclass(frozen=True)
class Department:
    name: str
    short_name: str
    slug: str  # for usernames, and for matching catalogue data to departments
    window: str  # how its window is named: 柯城区行政服务中心{window}窗口


DEPARTMENTS = (
    Department("衢州市公安局", "市公安局", "gongan", "公安"),
    Department("衢州市人力资源和社会保障局", "市人力社保局", "renshe", "人社"),
    Department("衢州市民政局", "市民政局", "minzheng", "民政"),
    Department("衢州市医疗保障局", "市医保局", "yibao", "医保"),
    Department("衢州市市场监督管理局", "市市场监管局", "shichang", "市场监管"),
    Department("国家税务总局衢州市税务局", "市税务局", "shuiwu", "税务"),
    Department("衢州市自然资源和规划局", "市自然资源和规划局", "ziyuan", "不动产登记"),
    Department("衢州市住房和城乡建设局", "市住建局", "zhujian", "住建"),
    Department("衢州市卫生健康委员会", "市卫健委", "weijian", "卫健"),
    Department("衢州市教育局", "市教育局", "jiaoyu", "教育"),
    Department("衢州市交通运输局", "市交通运输局", "jiaotong", "交通运输"),
    Department("衢州市残疾人联合会", "市残联", "canlian", "残联"),
    Department("衢州市退役军人事务局", "市退役军人事务局", "tuiyi", "退役军人"),
    Department("衢州市住房公积金管理中心", "市公积金中心", "gongjijin", "公积金"),
    Department("衢州市司法局", "市司法局", "sifa", "司法"),
)
DEPARTMENT_BY_SLUG = {d.slug: d for d in DEPARTMENTS}


def window_name(county: County, department: Department) -> str:
    return f"{county.name}行政服务中心{department.window}窗口"


# Villages paired with Quzhou enterprises under the East–West cooperation (东西部协作), in 广安.
VILLAGES = (
    ("四川省广安市岳池县花园村", "511621"),
    ("四川省广安市武胜县飞龙村", "511622"),
    ("四川省广安市邻水县柑子村", "511623"),
    ("四川省广安市华蓥市红岩村", "511681"),
    ("四川省广安市前锋区代市村", "511603"),
    ("四川省广安市广安区大龙村", "511602"),
)

# Names of member enterprises: <place><trade name><trade><suffix>.
TRADE_NAMES = (
    "恒达", "华宇", "金诚", "锦程", "瑞丰", "宏远", "天成", "鑫源", "永盛", "钱江", "衢通", "信安", "龙腾",
    "凯隆", "欣达", "立信", "金衢", "衢峰", "森源", "明辉", "佳禾", "远航", "润泽", "博远", "嘉诚", "华翔",
    "万恒", "兴衢", "南孔", "华信", "振衢",
)  # fmt: skip
TRADES = (
    "科技", "新材料", "机械制造", "电子商务", "建材", "食品", "茶业", "物流", "建设工程", "贸易", "服饰",
    "文化传媒", "农业开发", "环保科技", "智能装备", "汽车零部件", "电气", "供应链管理", "信息技术",
    "餐饮管理", "生物科技", "家居", "包装",
)  # fmt: skip
COMPANY_SUFFIXES = ("有限公司",) * 8 + ("股份有限公司", "有限责任公司")


def load(demo: Demo) -> None:
    rng = demo.rng("quzhou")
    city = demo.org(
        None, CITY_FEDERATION, kind=OrgKind.FEDERATION, short_name="市工商联",
        federation_level=FederationLevel.CITY, region_code=CITY_REGION,
        address="衢州市柯城区白云中大道16号", contact_name=demo.person(f"{CITY_FEDERATION}/办公室").name,
        contact_phone=fake.landline(rng, QUZHOU_AREA_CODE, 7),
        description="衢州市工商业联合会（总商会），指导全市各县（市、区）工商联和所属商会。",
    )  # fmt: skip
    federations: dict[str, Organisation] = {CITY_REGION: city}
    for county in COUNTIES:
        name = federation_name(county)
        federations[county.region_code] = demo.org(
            city, name, kind=OrgKind.FEDERATION, federation_level=FederationLevel.COUNTY,
            region_code=county.region_code, address=county.service_centre_address,
            contact_name=demo.person(f"{name}/办公室").name, contact_phone=fake.landline(rng, QUZHOU_AREA_CODE, 7),
        )  # fmt: skip

    chambers: list[tuple[Organisation, str, tuple[str, ...]]] = []  # (chamber, its county, trades)
    point_rng = demo.rng("quzhou.points")
    for rc in REMOTE_CHAMBERS:
        secretary = demo.person(f"{rc.name}/秘书长")
        chamber = demo.org(
            federations[rc.home], rc.name, kind=OrgKind.CHAMBER, chamber_kind=ChamberKind.REMOTE,
            city=rc.city, region_code=rc.home, address=rc.address,
            credit_code=fake.credit_code(rng, region_code=rc.region_code, registry="51"),
            contact_name=secretary.name, contact_phone=fake.landline(rng, rc.area_code, rc.local_digits),
            description=f"在{rc.city}创业就业的衢州籍人士组成的异地商会，设政会联通代办点。",
        )  # fmt: skip
        # The first agent, who gets a login in people.py under the same key. The point's public number
        # is the office's, never the agent's login mobile (anyone could fail logins with it); drawn from
        # a generator of its own, so that the other organisations' numbers stay as they were.
        first_agent = demo.person(f"{rc.proxy_point}/代办员1")
        demo.org(
            chamber, rc.proxy_point, kind=OrgKind.PROXY_POINT, short_name=f"{rc.city}代办点", city=rc.city,
            region_code=rc.home, address=rc.address, contact_name=first_agent.name,
            contact_phone=fake.landline(point_rng, rc.area_code, rc.local_digits),
            description=f"为在{rc.city}的衢州人代办家乡政务服务事项（零跑腿办成家乡事）。",
        )  # fmt: skip
        chambers.append((chamber, rc.home, TRADES))
    for lc in LOCAL_CHAMBERS:
        county = COUNTY_BY_REGION[lc.county]
        chamber = demo.org(
            federations[lc.county], lc.name, kind=OrgKind.CHAMBER, chamber_kind=lc.kind,
            region_code=lc.county,
            address=county.service_centre_address,
            credit_code=fake.credit_code(rng, region_code=lc.county, registry="51"),
            contact_name=demo.person(f"{lc.name}/秘书长").name,
            contact_phone=fake.landline(rng, QUZHOU_AREA_CODE, 7),
        )  # fmt: skip
        chambers.append((chamber, lc.county, lc.trades))

    for dept in DEPARTMENTS:
        department = demo.org(
            city, dept.name, kind=OrgKind.DEPARTMENT, short_name=dept.short_name, region_code=CITY_REGION,
            contact_name=demo.person(f"{dept.name}/政务服务科").name,
            contact_phone=fake.landline(rng, QUZHOU_AREA_CODE, 7),
        )  # fmt: skip
        for county in COUNTIES:
            demo.org(
                department, window_name(county, dept), kind=OrgKind.WINDOW,
                short_name=f"{county.name}{dept.window}窗口", region_code=county.region_code,
                address=f"{county.service_centre_address}（{county.name}行政服务中心）",
                contact_phone=fake.landline(rng, QUZHOU_AREA_CODE, 7),
            )  # fmt: skip

    _load_enterprises(demo, chambers)

    for name, region_code in VILLAGES:
        demo.org(
            city, name, kind=OrgKind.VILLAGE, short_name=name.removeprefix("四川省广安市"),
            region_code=region_code, contact_name=demo.person(f"{name}/村党支部书记").name,
            contact_phone=demo.person(f"{name}/村党支部书记").mobile,
        )  # fmt: skip


def _load_enterprises(demo: Demo, chambers: list[tuple[Organisation, str, tuple[str, ...]]]) -> None:
    rng = demo.rng("quzhou.enterprises")
    used: set[str] = set()
    for chamber, home, trades in chambers:
        for _ in range(rng.randint(3, 6)):
            # A chamber of the city federation gathers people from every county.
            county = COUNTY_BY_REGION[home] if home != CITY_REGION else rng.choice(COUNTIES)
            name = _company_name(rng, county, trades)
            while name in used:
                name = _company_name(rng, county, trades)
            used.add(name)
            boss = demo.person(f"{name}/负责人")
            demo.org(
                chamber, name, kind=OrgKind.ENTERPRISE, region_code=county.region_code,
                credit_code=fake.credit_code(rng, region_code=county.region_code),
                address=f"{county.industrial_road}{rng.randint(1, 399)}号",
                contact_name=boss.name, contact_phone=boss.mobile,
            )  # fmt: skip


def _company_name(rng: random.Random, county: County, trades: tuple[str, ...]) -> str:
    # Companies of the two city districts are usually named after 衢州, those of the counties after
    # the county; a few larger ones after the province.
    place = "衢州" if county.region_code in {"330802", "330803"} else county.short
    if rng.random() < 0.12:
        place = "浙江"
    return (
        place
        + rng.choice(TRADE_NAMES + county.trade_names)
        + rng.choice(trades)
        + rng.choice(COMPANY_SUFFIXES)
    )
