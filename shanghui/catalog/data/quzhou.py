"""The Quzhou (衢州) demo catalogue: 505 items of the fifteen city departments.

The items citizens working elsewhere ask for most (ID card, household registration, social security
card and pension transfers, medical insurance records for people living elsewhere, unemployment
benefit, marriage, disability certificate, tax certificates, business registration, housing fund,
birth certificate, real estate, driving licence …) are written out with realistic time limits, fees
and materials lists. The rest of each department's list is made from that department's name patterns
(subject × action, as the provincial portal names them), with time limits typical of the item type.

The rows are in the importer's column keys, so the demo loads them through the real importer.
Everything here is deterministic: same rows, same codes, on every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from shanghui.lib.validators import credit_check_char

CITY_REGION = "330800"
COUNTIES = ("330802", "330803", "330822", "330824", "330825", "330881")  # 柯城 衢江 常山 开化 龙游 江山
ALL_COUNTIES = ";".join(COUNTIES)
SEED = "shanghui-demo-catalog-quzhou"


@dataclass(frozen=True)
class Dept:
    name: str
    number: int  # for codes
    count: int  # items in the demo catalogue


DEPARTMENTS = (
    Dept("衢州市公安局", 1, 60),
    Dept("衢州市人力资源和社会保障局", 2, 70),
    Dept("衢州市民政局", 3, 30),
    Dept("衢州市医疗保障局", 4, 35),
    Dept("衢州市市场监督管理局", 5, 60),
    Dept("国家税务总局衢州市税务局", 6, 45),
    Dept("衢州市自然资源和规划局", 7, 40),
    Dept("衢州市住房和城乡建设局", 8, 30),
    Dept("衢州市卫生健康委员会", 9, 30),
    Dept("衢州市教育局", 10, 20),
    Dept("衢州市交通运输局", 11, 35),
    Dept("衢州市残疾人联合会", 12, 10),
    Dept("衢州市退役军人事务局", 13, 12),
    Dept("衢州市住房公积金管理中心", 14, 15),
    Dept("衢州市司法局", 15, 13),
)
TOTAL = sum(d.count for d in DEPARTMENTS)  # 505

GA, RS, MZ, YB, SJ, SW, ZR, ZJ, WJ, JY, JT, CL, TY, GJJ, SF = (d.name for d in DEPARTMENTS)

# Materials that recur.
ID = "居民身份证[原件,1份]"
HUKOU = "居民户口簿[原件,1份]"
PHOTO = "近期免冠照片[2份,备注:白底二寸]"
AUTH = "授权委托书[原件,1份,非必须,备注:委托代办时提供，代办点可协助填写]"
AGENT_ID = "受托人居民身份证[原件,1份,非必须,备注:委托代办时提供]"
BANK = "本人银行卡或社会保障卡[复印件,1份,备注:用于待遇发放]"

# department, name, type, legal limit, unit, promised limit, unit, fee, fee note, delivery, description,
# conditions, materials
COMMON: list[dict[str, str]] = []


def _common(
    department: str, name: str, task_type: str, legal: str, legal_unit: str, promised: str, promised_unit: str,
    materials: str, *, description: str = "", conditions: str = "", fee: str = "0", fee_note: str = "不收费",
    delivery: str = "邮寄送达;代办点自取",
) -> None:  # fmt: skip
    COMMON.append(
        {
            "department": department, "name": name, "task_type": task_type, "legal_limit": legal,
            "legal_limit_unit": legal_unit, "promised_limit": promised, "promised_limit_unit": promised_unit,
            "fee": fee, "fee_note": fee_note, "delivery": delivery, "description": description,
            "conditions": conditions, "materials": materials, "proxy_eligible": "是", "counties": ALL_COUNTIES,
        }
    )  # fmt: skip


W, C = "工作日", "自然日"

# --- 公安 ---------------------------------------------------------------------------------------------
_common(GA, "居民身份证办理（包括临时）", "20", "60", C, "20", C,
        f"{HUKOU};原居民身份证[原件,1份,非必须,备注:换领、补领时交回];{AUTH}",
        description="居民身份证首次申领、有效期满换领、损坏换领和丢失补领，以及临时居民身份证的办理。异地工作人员可由商会代办点代为预约、代交材料，本人需到场采集人像和指纹的，代办员协助预约就近办理点。",
        conditions="本市户籍居民。", fee="20", fee_note="工本费20元（首次申领免费；临时身份证10元）",
        delivery="邮寄送达;代办点自取")  # fmt: skip
_common(GA, "居民身份证挂失申报", "20", "1", W, "1", W, f"{HUKOU};{AUTH}",
        description="居民身份证丢失后办理挂失，挂失后证件失效，可同时申请补领。", delivery="电子证照")  # fmt: skip
_common(GA, "户口迁移（省内迁移）", "1", "20", W, "5", W,
        f"{ID};{HUKOU};迁入地住房产权证明或租赁合同[复印件,1份];结婚证[复印件,1份,非必须,备注:投靠配偶时提供];{AUTH};{AGENT_ID}",
        description="浙江省内户口迁入衢州或迁出衢州。实行“一站式”办理，迁出地不再开具准迁证。",
        conditions="符合衢州市户口迁移政策（合法稳定住所、就业、投靠亲属等）。")  # fmt: skip
_common(GA, "户口迁移（跨省迁移）", "1", "20", W, "10", W,
        f"{ID};{HUKOU};迁入地住房产权证明或租赁合同[复印件,1份];户口迁移申请表[原件,1份];{AUTH}",
        description="户口跨省迁入衢州或由衢州迁往外省，全国范围内试行“跨省通办”。")  # fmt: skip
_common(GA, "出生登记", "7", "20", W, "1", W,
        f"出生医学证明[原件,1份];父母双方居民身份证[原件,1份];{HUKOU};父母结婚证[复印件,1份,非必须]",
        description="新生儿在父母一方户籍所在地申报出生登记。")  # fmt: skip
_common(GA, "无犯罪记录证明", "20", "3", W, "1", W,
        f"{ID};用途说明[原件,1份,非必须,备注:如单位要求出具的函件];{AUTH};{AGENT_ID}",
        description="为本市户籍或在本市居住的个人出具本地有无犯罪记录的证明，可开具电子证明。",
        delivery="电子证照;邮寄送达")  # fmt: skip
_common(GA, "户籍证明（亲属关系证明）", "20", "3", W, "1", W,
        f"{ID};{HUKOU};能证明亲属关系的材料[复印件,1份,非必须];{AUTH}",
        description="因户口簿、档案等无法证明的亲属关系，由户籍派出所出具证明。", delivery="电子证照;邮寄送达")  # fmt: skip
_common(GA, "机动车驾驶证换证（有效期满换证）", "1", "1", W, "1", W,
        f"{ID};机动车驾驶证[原件,1份];身体条件证明[原件,1份,备注:县级以上医疗机构出具];{PHOTO}",
        description="驾驶证有效期满前九十日内申请换证，可在全国任一车管所或通过交管12123办理。",
        fee="10", fee_note="工本费10元", delivery="邮寄送达;电子证照")  # fmt: skip
_common(GA, "机动车驾驶证补证", "1", "1", W, "1", W, f"{ID};{PHOTO};{AUTH}",
        description="驾驶证遗失或损毁后补领。", fee="10", fee_note="工本费10元")  # fmt: skip
_common(GA, "普通护照签发", "1", "7", W, "7", W,
        f"{ID};出入境证件申请表[原件,1份,备注:现场照相的可免交照片];国家工作人员出境审批意见[原件,1份,非必须]",
        description="中国公民因私出国申请普通护照，全国通办。", fee="120", fee_note="护照工本费120元",
        delivery="邮寄送达")  # fmt: skip

# --- 人社 ---------------------------------------------------------------------------------------------
_common(RS, "社会保障卡申领", "20", "10", W, "5", W, f"{ID};{PHOTO};{AUTH}",
        description="首次申领第三代社会保障卡，可同时开通金融功能。", delivery="邮寄送达;代办点自取")  # fmt: skip
_common(RS, "社会保障卡补领、换领、换发", "20", "10", W, "3", W,
        f"{ID};原社会保障卡[原件,1份,非必须,备注:损坏换领时交回];{PHOTO};{AUTH};{AGENT_ID}",
        description="社会保障卡遗失补领、损坏换领和到期换发，补卡期间可使用电子社保卡。",
        fee="0", fee_note="不收费（个别银行收取卡片工本费的，以银行公告为准）")  # fmt: skip
_common(RS, "社会保障卡挂失", "20", "1", W, "1", W, f"{ID};{AUTH}",
        description="社会保障卡遗失后的正式挂失，挂失后可申请补领。", delivery="电子证照")  # fmt: skip
_common(RS, "企业职工基本养老保险关系转移接续申请", "20", "45", W, "15", W,
        f"{ID};基本养老保险参保缴费凭证[原件,1份,备注:由转出地社保经办机构出具];{AUTH};{AGENT_ID}",
        description="在外地参保的职工回衢州或由衢州转往外地时，转移养老保险关系和个人账户。可通过国家社会保险公共服务平台网上申请。",
        conditions="已在两地参加企业职工基本养老保险并中断缴费或变更工作地。")  # fmt: skip
_common(RS, "城乡居民基本养老保险关系转移接续申请", "20", "45", W, "15", W,
        f"{ID};{HUKOU};城乡居民基本养老保险参保缴费凭证[原件,1份];{AUTH}",
        description="户籍迁移后城乡居民养老保险关系的转移接续。")  # fmt: skip
_common(RS, "失业保险金申领", "5", "15", W, "5", W,
        f"{ID};解除或终止劳动合同证明[原件,1份];{BANK};{AUTH}",
        description="非因本人意愿中断就业的参保失业人员申领失业保险金，可同时办理失业登记。",
        conditions="失业前单位和本人已缴纳失业保险费满一年，非因本人意愿中断就业，已办理失业登记并有求职要求。",
        delivery="电子证照")  # fmt: skip
_common(RS, "个人参保证明查询打印", "20", "1", W, "1", W, f"{ID};{AUTH}",
        description="查询和打印个人社会保险参保缴费证明，可在“浙里办”自助打印电子证明。", delivery="电子证照;邮寄送达")  # fmt: skip
_common(RS, "企业职工基本养老保险正常退休申请", "20", "20", W, "10", W,
        f"{ID};{BANK};个人档案[原件,1份,备注:由档案保管机构提供];{AUTH}",
        description="达到法定退休年龄且累计缴费满15年的参保人员申请按月领取基本养老金。")  # fmt: skip
_common(RS, "灵活就业人员企业职工基本养老保险参保登记", "20", "5", W, "1", W, f"{ID};{AUTH}",
        description="无雇工的个体工商户、未在用人单位参保的灵活就业人员参加企业职工基本养老保险。")  # fmt: skip
_common(RS, "就业创业证申领", "20", "5", W, "1", W, f"{ID};{PHOTO};{AUTH}",
        description="劳动者申领《就业创业证》，用于记录就业失业状态和享受政策情况。", delivery="电子证照")  # fmt: skip

# --- 民政 ---------------------------------------------------------------------------------------------
_common(MZ, "内地居民结婚登记", "7", "1", W, "1", W,
        "双方居民身份证[原件,1份];双方居民户口簿[原件,1份];双方近期半身免冠合影照片[3份,备注:二寸]",
        description="内地居民在一方常住户口所在地或经常居住地婚姻登记机关办理结婚登记，双方须亲自到场。",
        conditions="男方年满22周岁、女方年满20周岁，双方自愿，均无配偶，没有禁止结婚的亲属关系。", fee="0",
        delivery="代办点自取")  # fmt: skip
_common(MZ, "内地居民离婚登记", "7", "30", C, "30", C,
        "双方居民身份证[原件,1份];双方居民户口簿[原件,1份];结婚证[原件,1份];离婚协议书[原件,3份];双方近期二寸单人照片[2份]",
        description="自愿离婚的双方申请离婚登记，提交申请后有30日离婚冷静期，期满后30日内双方亲自到场领取离婚证。",
        delivery="代办点自取")  # fmt: skip
_common(MZ, "补领结婚证、离婚证", "7", "30", C, "1", W,
        f"{ID};{HUKOU};近期二寸单人照片[2份,备注:补领结婚证须双方合影];{AUTH}",
        description="结婚证、离婚证遗失或损毁后申请补领。")  # fmt: skip
_common(MZ, "婚姻登记记录证明", "20", "5", W, "1", W, f"{ID};{AUTH};{AGENT_ID}",
        description="为当事人出具婚姻登记档案查询结果证明，可用于办理房产、公证等事项。", delivery="电子证照;邮寄送达")  # fmt: skip
_common(MZ, "最低生活保障", "5", "30", W, "20", W,
        f"{ID};{HUKOU};家庭收入和财产状况申报表[原件,1份];家庭经济状况核对授权书[原件,1份]",
        description="共同生活家庭成员人均收入低于当地最低生活保障标准且财产符合规定的，申请最低生活保障。")  # fmt: skip
_common(MZ, "临时救助", "5", "15", W, "10", W,
        f"{ID};临时救助申请书[原件,1份];遭遇急难事项的证明材料[复印件,1份,容缺]",
        description="因意外事件、突发重大疾病等原因导致基本生活陷入困境的家庭或个人申请临时救助。")  # fmt: skip
_common(MZ, "80周岁以上老年人高龄津贴发放", "5", "20", W, "10", W, f"{ID};{HUKOU};{BANK}",
        description="80周岁以上本市户籍老年人按月领取高龄津贴。")  # fmt: skip

# --- 医保 ---------------------------------------------------------------------------------------------
_YB_FILING = "参保人员异地就医备案表[原件,1份,备注:可在国家医保服务平台App在线填写]"
_common(YB, "异地长期居住人员备案", "20", "1", W, "1", W,
        f"{ID};{_YB_FILING};异地长期居住证明材料[复印件,1份,容缺,备注:居住证、户口簿或个人承诺书之一]",
        description="在外省或省内其他市长期居住的参保人员办理异地就医备案后，可在备案地定点医疗机构直接结算。",
        delivery="电子证照")  # fmt: skip
_common(YB, "常驻异地工作人员备案", "20", "1", W, "1", W,
        f"{ID};{_YB_FILING};异地工作证明材料[复印件,1份,容缺,备注:劳动合同、单位派出证明或个人承诺书之一]",
        description="常驻外地工作的参保人员备案后在工作地直接结算住院和门诊费用。", delivery="电子证照")  # fmt: skip
_common(YB, "异地转诊人员备案", "20", "1", W, "1", W,
        f"{ID};{_YB_FILING};转诊转院证明[原件,1份,备注:由参保地定点医疗机构出具]",
        description="因病情需要转往外地医疗机构就医的参保人员办理转诊备案。", delivery="电子证照")  # fmt: skip
_common(YB, "其他临时外出就医人员备案", "20", "1", W, "1", W, f"{ID};{_YB_FILING}",
        description="临时外出期间需要在外地就医的参保人员备案（个人承诺制）。", delivery="电子证照")  # fmt: skip
_common(YB, "基本医疗保险关系转移接续", "20", "15", W, "10", W,
        f"{ID};基本医疗保险参保凭证[原件,1份,备注:由转出地医保经办机构出具];{AUTH}",
        description="跨统筹地区就业或迁移户籍时，转移基本医疗保险关系和个人账户余额。")  # fmt: skip
_common(YB, "零星医疗费用报销（异地就医手工报销）", "20", "30", W, "20", W,
        f"{ID};医疗费用发票[原件,1份];费用明细清单[原件,1份];出院小结或门诊病历[复印件,1份];{BANK};{AUTH}",
        description="异地就医未能直接结算的住院或门诊费用回参保地手工报销。")  # fmt: skip
_common(YB, "城乡居民基本医疗保险参保登记", "20", "5", W, "1", W, f"{ID};{HUKOU};{AUTH}",
        description="未参加职工医保的城乡居民参加城乡居民基本医疗保险。")  # fmt: skip
_common(YB, "生育津贴支付", "5", "20", W, "10", W,
        f"{ID};出生医学证明[复印件,1份];生育津贴申请表[原件,1份];{BANK}",
        description="参加职工基本医疗保险的女职工生育后申领生育津贴。")  # fmt: skip

# --- 市场监管 -------------------------------------------------------------------------------------------
_COMPANY = "公司登记（备案）申请书[原件,1份];公司章程[原件,1份];股东主体资格证明[复印件,1份];法定代表人、董事、监事和经理的任职文件[原件,1份];住所使用证明[复印件,1份]"
_common(SJ, "公司设立登记", "1", "15", W, "1", W, f"{_COMPANY};{AUTH}",
        description="有限责任公司、股份有限公司设立登记，可通过“浙江省企业登记全程电子化平台”网上办理，一日办结。",
        delivery="邮寄送达;电子证照;代办点自取")  # fmt: skip
_common(SJ, "公司变更登记", "1", "15", W, "1", W,
        "公司登记（备案）申请书[原件,1份];变更决议或决定[原件,1份];修改后的公司章程或章程修正案[原件,1份,非必须];营业执照[原件,1份]",
        description="公司名称、住所、法定代表人、注册资本、经营范围、股东等事项变更登记。",
        delivery="邮寄送达;电子证照;代办点自取")  # fmt: skip
_common(SJ, "公司注销登记", "1", "15", W, "3", W,
        "公司注销登记申请书[原件,1份];清算报告[原件,1份];营业执照正副本[原件,1份];股东会决议[原件,1份]",
        description="公司解散后申请注销登记；未发生债权债务的可适用简易注销程序。")  # fmt: skip
_common(SJ, "营业执照补领、换发", "1", "15", W, "1", W,
        f"营业执照补领（换发）申请书[原件,1份];法定代表人居民身份证[复印件,1份];原营业执照[原件,1份,非必须,备注:换发时交回];{AUTH}",
        description="营业执照遗失、损坏后补领，或因信息变化换发。", delivery="邮寄送达;代办点自取")  # fmt: skip
_common(SJ, "个体工商户设立登记", "1", "15", W, "1", W,
        f"个体工商户登记（备案）申请书[原件,1份];经营者居民身份证[复印件,1份];经营场所使用证明[复印件,1份];{AUTH}",
        description="个体工商户开业登记，可全程网上办理。", delivery="电子证照;邮寄送达")  # fmt: skip
_common(SJ, "食品经营许可（新办）", "1", "20", W, "5", W,
        "食品经营许可申请书[原件,1份];营业执照[复印件,1份];与食品经营相适应的主要设备设施布局、操作流程等文件[原件,1份];食品安全管理制度[原件,1份]",
        description="从事食品销售和餐饮服务活动的经营者申请食品经营许可。", delivery="邮寄送达;电子证照")  # fmt: skip

# --- 税务 ---------------------------------------------------------------------------------------------
_common(SW, "开具无欠税证明", "20", "1", W, "1", W, f"{ID};{AUTH};{AGENT_ID}",
        description="纳税人因境外投资、出国、办理贷款等需要，申请开具无欠税证明；可在电子税务局开具。",
        delivery="电子证照;邮寄送达")  # fmt: skip
_common(SW, "开具税收完税证明", "20", "1", W, "1", W, f"{ID};完税凭证或缴款书[复印件,1份,非必须];{AUTH}",
        description="纳税人已缴纳税款后申请开具税收完税证明（文书式）。", delivery="电子证照;邮寄送达")  # fmt: skip
_common(SW, "开具个人所得税纳税记录", "20", "1", W, "1", W, f"{ID};{AUTH}",
        description="个人申请开具一定期间的个人所得税纳税记录，可在个人所得税App自助开具。", delivery="电子证照")  # fmt: skip
_common(SW, "代开增值税普通发票", "10", "1", W, "1", W,
        f"{ID};合同或协议[复印件,1份];代开发票申请表[原件,1份];{AUTH}",
        description="已办理税务登记的小规模纳税人或临时取得应税收入的自然人申请代开发票。", delivery="电子证照;邮寄送达")  # fmt: skip

# --- 自然资源（不动产登记） ----------------------------------------------------------------------------
_REAL = "不动产登记申请书[原件,1份];申请人居民身份证[原件,1份]"
_common(ZR, "不动产首次登记", "7", "30", W, "5", W, f"{_REAL};不动产权属来源证明材料[原件,1份];房屋竣工验收材料[复印件,1份]",
        description="国有建设用地使用权及房屋所有权首次登记。", fee="80", fee_note="住宅登记费80元（含第一本证书工本费）")  # fmt: skip
_common(ZR, "不动产转移登记", "7", "30", W, "3", W,
        f"{_REAL};不动产权证书[原件,1份];买卖合同或继承、赠与证明材料[原件,1份];完税凭证[原件,1份,容缺];{AUTH}",
        description="买卖、继承、赠与、互换等导致不动产权利转移的登记；二手房交易“一窗受理”当日办结。",
        fee="80", fee_note="住宅登记费80元", delivery="邮寄送达;电子证照;代办点自取")  # fmt: skip
_common(ZR, "不动产抵押权登记", "7", "30", W, "1", W,
        f"{_REAL};不动产权证书[原件,1份];主债权合同和抵押合同[原件,1份]",
        description="以不动产设定抵押的登记，银行等金融机构可网上申请。", fee="80", fee_note="住宅80元/件",
        delivery="电子证照")  # fmt: skip
_common(ZR, "不动产登记资料查询", "20", "1", W, "1", W, f"{ID};查询申请书[原件,1份];{AUTH}",
        description="权利人、利害关系人查询不动产登记资料（房产证明），可在“浙里办”在线查询打印。",
        delivery="电子证照;邮寄送达")  # fmt: skip
_common(ZR, "不动产权证书补发、换发", "7", "30", W, "5", W,
        f"{_REAL};遗失声明[原件,1份,备注:补发时提供，登记机构门户网站公告];原不动产权证书[原件,1份,非必须,备注:换发时交回];{AUTH}",
        description="不动产权证书遗失、灭失或破损后申请补发、换发。", fee="10", fee_note="工本费10元")  # fmt: skip

# --- 公积金 -------------------------------------------------------------------------------------------
_common(GJJ, "住房公积金提取（离职）", "20", "3", W, "1", W, f"{ID};{BANK};离职证明或解除劳动合同证明[复印件,1份,容缺];{AUTH}",
        description="与单位解除劳动关系且户籍不在本市、已封存满半年的职工提取住房公积金。")  # fmt: skip
_common(GJJ, "住房公积金提取（购买自住住房）", "20", "3", W, "1", W,
        f"{ID};购房合同[复印件,1份];购房发票或完税凭证[复印件,1份];{BANK}",
        description="职工及配偶购买自住住房提取住房公积金。")  # fmt: skip
_common(GJJ, "住房公积金提取（租赁住房）", "20", "3", W, "1", W, f"{ID};{BANK};无房产证明[原件,1份,容缺,备注:系统可查的免交]",
        description="无自有住房的职工按月或按年提取住房公积金支付房租。", delivery="电子证照")  # fmt: skip
_common(GJJ, "住房公积金提取（退休）", "20", "3", W, "1", W, f"{ID};{BANK};退休证明[复印件,1份,容缺]",
        description="职工退休后一次性提取住房公积金账户余额并销户。")  # fmt: skip
_common(GJJ, "住房公积金缴存证明出具", "20", "1", W, "1", W, f"{ID};{AUTH}",
        description="出具个人住房公积金缴存证明，可在“浙里办”自助打印。", delivery="电子证照;邮寄送达")  # fmt: skip
_common(GJJ, "住房公积金异地转移接续", "20", "15", W, "5", W, f"{ID};转入地公积金中心受理的转移申请[复印件,1份,非必须]",
        description="职工跨城市就业时将住房公积金转入新就业地，通过全国住房公积金异地转移接续平台办理。")  # fmt: skip

# --- 卫健 ---------------------------------------------------------------------------------------------
_common(WJ, "出生医学证明首次签发", "20", "30", C, "1", W,
        f"父母双方居民身份证[原件,1份];出生医学证明首次签发登记表[原件,1份];{AUTH}",
        description="新生儿出院时或出生后由助产机构签发出生医学证明。")  # fmt: skip
_common(WJ, "出生医学证明补发、换发", "20", "30", C, "10", W,
        "父母双方居民身份证[原件,1份];出生医学证明补发（换发）申请表[原件,1份];原出生医学证明[原件,1份,非必须,备注:换发时交回];婴儿户口页[复印件,1份,非必须]",
        description="出生医学证明遗失补发或信息错误换发。")  # fmt: skip
_common(WJ, "生育登记", "20", "1", W, "1", W, f"夫妻双方居民身份证[原件,1份];结婚证[复印件,1份,非必须];{AUTH}",
        description="夫妻生育子女的登记服务，可在“浙里办”在线办理。", delivery="电子证照")  # fmt: skip

# --- 残联 ---------------------------------------------------------------------------------------------
_common(CL, "残疾人证新办", "7", "30", W, "15", W,
        f"{ID};{HUKOU};{PHOTO};残疾评定表[原件,1份,备注:由指定医疗机构评定]",
        description="本市户籍残疾人首次申领第三代智能化残疾人证（跨省通办）。", delivery="邮寄送达;代办点自取")  # fmt: skip
_common(CL, "残疾人证换领", "7", "30", W, "10", W, f"{ID};原残疾人证[原件,1份];{PHOTO};{AUTH}",
        description="残疾人证有效期满或残疾类别、等级变化时换领。")  # fmt: skip
_common(CL, "残疾人证迁移", "7", "30", W, "10", W, f"{ID};{HUKOU};原残疾人证[原件,1份]",
        description="残疾人户口跨县（市、区）迁移后办理残疾人证迁移。")  # fmt: skip
_common(CL, "残疾人证挂失补办", "7", "30", W, "10", W, f"{ID};{PHOTO};{AUTH}",
        description="残疾人证遗失后挂失并补办。")  # fmt: skip

# --- 退役军人、司法、教育、交通、住建 -------------------------------------------------------------------
_common(TY, "退役军人优待证申领", "20", "30", W, "20", W, f"{ID};退役证件[复印件,1份];{PHOTO}",
        description="退役军人和其他优抚对象申领优待证。")  # fmt: skip
_common(SF, "法律援助申请", "20", "7", W, "3", W,
        f"{ID};法律援助申请表[原件,1份];经济困难状况说明表[原件,1份];与所申请法律援助事项有关的材料[复印件,1份]",
        description="经济困难的公民就依法请求给付赡养费、劳动报酬、工伤赔偿等事项申请法律援助。")  # fmt: skip
_common(JY, "中小学学籍证明", "20", "5", W, "1", W, f"{ID};{HUKOU};{AUTH}",
        description="为在本市就读的中小学生出具学籍证明，用于异地升学、转学。", delivery="电子证照")  # fmt: skip
_common(JY, "义务教育阶段学生转学", "20", "10", W, "5", W,
        "学生户口簿[原件,1份];转入学校同意接收证明[原件,1份];监护人居民身份证[原件,1份]",
        description="随父母外出务工等原因需要转学的义务教育阶段学生办理转学手续。")  # fmt: skip
_common(JT, "道路运输从业人员从业资格证换证", "1", "20", W, "3", W, f"{ID};原从业资格证[原件,1份];{PHOTO}",
        description="道路旅客、货物运输驾驶员从业资格证有效期届满换证。", delivery="邮寄送达;电子证照")  # fmt: skip
_common(ZJ, "公共租赁住房资格申请", "20", "30", W, "20", W,
        f"{ID};{HUKOU};家庭收入证明[原件,1份];无房证明[原件,1份,容缺]",
        description="本市中低收入住房困难家庭、新就业无房职工和外来务工人员申请公共租赁住房。")  # fmt: skip


# --- the rest: department name patterns ---------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    task_type: str
    legal: int | None
    promised: int | None
    proxy: bool
    subjects: tuple[str, ...]
    actions: tuple[str, ...]
    unit: str = W


def _p(
    task_type: str, legal: int | None, promised: int | None, proxy: bool, subjects: str, actions: str
) -> Pattern:
    return Pattern(
        task_type, legal, promised, proxy, tuple(subjects.split()), tuple(actions.split()) or ("",)
    )


PATTERNS: dict[str, list[Pattern]] = {
    GA: [
        _p("20", 20, 5, True, "户口登记项目内容", "变更 更正"),
        _p("7", 20, 3, True, "户口", "恢复 注销 登记"),
        _p(
            "20",
            5,
            1,
            True,
            "",
            "注销户口证明 临时身份证明 死亡证明 居住证办理 居住证签注 居民身份证跨省异地办理",
        ),
        _p("1", 20, 10, False, "旅馆业 公章刻制业 典当业", "特种行业许可证核发 特种行业许可证变更"),
        _p("1", 7, 7, True, "往来港澳通行证 往来台湾通行证 普通护照", "换发 补发"),
        _p("1", 7, 5, True, "往来港澳通行证 往来台湾通行证", "签注签发"),
        _p("1", 1, 1, True, "机动车驾驶证", "延期换证 降级换证 转入换证 恢复驾驶资格 延期审验 信息变更"),
        _p(
            "7",
            1,
            1,
            True,
            "机动车",
            "注册登记 转移登记 变更登记 抵押登记 注销登记 检验合格标志核发 号牌补领 行驶证补领",
        ),
        _p(
            "1",
            20,
            10,
            False,
            "剧毒化学品 易制爆危险化学品 第二类易制毒化学品 民用爆炸物品",
            "购买许可 运输许可",
        ),
        _p(
            "1",
            20,
            10,
            False,
            "",
            "大型群众性活动安全许可 烟花爆竹道路运输许可 举办焰火晚会许可 犬类准养证核发",
        ),
        _p("10", 10, 5, False, "保安服务公司", "设立许可 变更备案"),
    ],
    RS: [
        _p("20", 10, 3, True, "社会保障卡", "启用 密码重置 应用状态查询 注销 解挂 非关键信息变更 参保地转移"),
        _p(
            "20",
            15,
            5,
            True,
            "机关事业单位基本养老保险 城乡居民基本养老保险 企业职工基本养老保险",
            "参保登记 注销登记 个人账户一次性申领 待遇申领 待遇重核 暂停待遇申请 恢复待遇申请",
        ),
        _p("20", 20, 10, True, "工伤保险", "待遇变更 定期待遇资格认证 医疗（康复）费用申报 辅助器具配置申请"),
        _p(
            "20",
            15,
            5,
            True,
            "",
            "就业困难人员认定 零就业家庭认定 离校未就业高校毕业生登记 失业登记 就业登记",
        ),
        _p(
            "5",
            20,
            10,
            True,
            "创业担保贷款 求职创业补贴 一次性创业补贴 职业技能提升补贴 就业见习补贴 灵活就业社保补贴",
            "申请",
        ),
        _p("20", 5, 1, True, "个人权益记录 养老金发放明细 失业保险待遇", "查询打印"),
        _p("20", 15, 5, False, "人力资源服务许可 劳务派遣经营许可", "新办 变更 延续 注销"),
        _p("20", 10, 5, True, "档案", "接收 转出 查（借）阅 材料补充 依据档案记载出具证明"),
        _p("9", 45, 45, False, "劳动人事争议", "仲裁申请"),
    ],
    MZ: [
        _p("7", 30, 15, True, "中国公民收养子女", "登记 解除登记"),
        _p(
            "5",
            20,
            10,
            True,
            "",
            "特困人员救助供养 孤儿基本生活费发放 事实无人抚养儿童基本生活补贴 困难残疾人生活补贴 重度残疾人护理补贴 困难群众价格临时补贴",
        ),
        _p("1", 20, 15, False, "社会团体 民办非企业单位 基金会", "成立登记 变更登记 注销登记"),
        _p(
            "20",
            10,
            5,
            True,
            "",
            "婚姻登记档案查询 殡葬服务 骨灰寄存 生活无着人员救助 养老机构备案 结婚登记预约 离婚登记预约",
        ),
    ],
    YB: [
        _p("20", 10, 3, True, "职工 城乡居民 单位", "参保信息变更登记 参保信息查询"),
        _p("20", 20, 10, True, "门诊慢特病 单行支付药品", "待遇认定 待遇变更"),
        _p("20", 30, 20, True, "", "住院费用报销 门诊费用报销 医疗救助对象手工报销 长期护理保险待遇申请"),
        _p("20", 20, 10, False, "医疗机构 零售药店", "申请定点协议管理 定点信息变更 申请暂停协议管理"),
        _p(
            "20",
            5,
            1,
            True,
            "",
            "医保电子凭证申领 生育医疗费支付 参保人员个人账户一次性支取 计划生育医疗费支付 异地安置退休人员备案 职工参保登记 单位参保登记",
        ),
    ],
    SJ: [
        _p(
            "1",
            20,
            10,
            False,
            "食品生产许可 药品零售企业许可 第三类医疗器械经营许可",
            "新办 变更 延续 注销 补证",
        ),
        _p("1", 20, 10, False, "特种设备使用登记 特种设备作业人员资格认定", "新办 变更 注销"),
        _p(
            "1",
            15,
            3,
            False,
            "非公司企业法人 合伙企业 农民专业合作社 分公司 个人独资企业",
            "设立登记 变更登记 注销登记",
        ),
        _p(
            "20",
            5,
            1,
            True,
            "",
            "企业档案查询 企业信用修复 个体工商户变更登记 个体工商户注销登记 营业执照遗失声明",
        ),
        _p(
            "1",
            20,
            5,
            False,
            "",
            "食品经营许可变更 食品经营许可延续 食品经营许可注销 小餐饮登记 食品小作坊登记",
        ),
        _p("7", 20, 10, False, "", "计量器具型式批准 检验检测机构资质认定 计量标准器具核准"),
        _p(
            "10", 20, 5, False, "", "广告发布登记 股权出质设立登记 动产抵押登记 企业名称争议裁决 商标质押登记"
        ),
    ],
    SW: [
        _p("10", 1, 1, True, "个体工商户 一照一码户", "信息确认 信息变更"),
        _p("10", 1, 1, True, "", "自然人身份信息报告 扣缴义务人报告自然人身份信息"),
        _p("20", 1, 1, True, "发票", "领用 验旧 缴销 遗失报告 真伪鉴定"),
        _p(
            "20", 1, 1, False, "", "增值税一般纳税人登记 跨区域涉税事项报告 财务会计制度备案 存款账户账号报告"
        ),
        _p("20", 5, 1, True, "个人所得税", "递延纳税报告 分期缴纳报告 综合所得汇算清缴 专项附加扣除信息采集"),
        _p("7", 20, 10, False, "纳税信用", "复评 补评 修复 复核"),
        _p("10", 1, 1, False, "税务注销", "即时办理 一般流程办理"),
        _p(
            "20",
            5,
            1,
            True,
            "",
            "停业登记 复业登记 面对面咨询 纳税服务投诉处理 涉税信息查询 中国税收居民身份证明开具",
        ),
        _p(
            "10",
            1,
            1,
            True,
            "",
            "代开增值税专用发票 代开发票作废 红字增值税专用发票开具申请 非正常户解除 财产和行为税税源信息报告",
        ),
        _p("20", 1, 1, True, "车辆购置税 契税 房产税 城镇土地使用税 印花税", "申报"),
    ],
    ZR: [
        _p("7", 30, 5, True, "不动产", "变更登记 注销登记 更正登记 异议登记 预告登记 查封登记 地役权登记"),
        _p(
            "7",
            30,
            10,
            False,
            "国有建设用地使用权 集体建设用地使用权 宅基地使用权及房屋所有权 林权",
            "首次登记 转移登记 变更登记",
        ),
        _p("1", 20, 15, False, "建设用地规划许可证 建设工程规划许可证 乡村建设规划许可证", "核发 变更 延续"),
        _p(
            "10",
            20,
            10,
            False,
            "",
            "不动产登记证明补发 不动产登记信息更正 临时用地审批 土地复垦方案审查 测绘资质审批 地质灾害危险性评估备案 采矿权延续登记",
        ),
    ],
    ZJ: [
        _p("1", 20, 10, False, "建筑业企业资质 工程监理企业资质 房地产开发企业资质", "核准 变更 延续"),
        _p("20", 10, 3, True, "商品房买卖合同 存量房买卖合同 房屋租赁合同", "网签备案 备案注销"),
        _p("1", 20, 10, False, "建筑工程施工许可 城市建筑垃圾处置核准 燃气经营许可", "核发 变更"),
        _p(
            "20",
            10,
            5,
            True,
            "",
            "住房保障资格复核 公租房租金补贴申请 房屋交易资金监管 物业专项维修资金使用 房屋权属信息查询",
        ),
        _p(
            "1",
            20,
            10,
            False,
            "",
            "二级建造师执业资格注册 建筑施工企业安全生产许可 施工图审查备案 建设工程竣工验收备案",
        ),
    ],
    WJ: [
        _p(
            "1",
            20,
            10,
            False,
            "医疗机构执业登记 母婴保健技术服务执业许可 放射诊疗许可 公共场所卫生许可",
            "新办 变更 校验 注销",
        ),
        _p("1", 20, 10, False, "医师执业注册 护士执业注册", "首次注册 变更注册 延续注册"),
        _p(
            "20",
            10,
            5,
            True,
            "",
            "计划生育家庭特别扶助 独生子女父母奖励 预防接种证补办 健康证明办理 病残儿医学鉴定",
        ),
    ],
    JY: [
        _p("7", 30, 20, True, "教师资格", "认定 证书补发 证书换发"),
        _p("1", 30, 20, False, "民办学校 校外培训机构", "设立审批 变更审批 终止审批"),
        _p(
            "20",
            10,
            5,
            True,
            "",
            "学历证明书补办 中小学教师资格考试报名 义务教育入学登记 学生资助政策咨询 高中阶段学生转学 普通话水平测试等级证书补办 中等职业学校学籍证明 适龄儿童延缓入学审批 家庭经济困难学生认定",
        ),
    ],
    JT: [
        _p("1", 20, 5, True, "道路运输从业人员从业资格证", "核发 补证 注销 诚信考核"),
        _p(
            "1",
            20,
            10,
            False,
            "道路旅客运输经营许可 道路货物运输经营许可 机动车维修经营备案 驾驶员培训备案",
            "新办 变更 延续",
        ),
        _p("20", 10, 3, True, "客运车辆道路运输证 货运车辆道路运输证", "配发 换发 补发 注销"),
        _p("1", 20, 10, False, "网络预约出租汽车 巡游出租汽车", "经营许可 车辆运输证核发 驾驶员证核发"),
        _p("10", 20, 10, False, "", "公路超限运输许可 占用挖掘公路许可 涉路施工许可 港口经营许可"),
    ],
    CL: [
        _p(
            "5",
            20,
            10,
            True,
            "",
            "困难残疾人生活补贴申请 重度残疾人护理补贴申请 残疾人辅助器具适配 残疾人职业技能培训补贴 残疾儿童康复救助 残疾人机动轮椅车燃油补贴",
        ),
    ],
    TY: [
        _p("20", 30, 15, True, "退役士兵", "自主就业一次性经济补助 安置 档案接收"),
        _p(
            "5",
            30,
            20,
            True,
            "",
            "伤残抚恤关系接收 伤残抚恤关系转移 烈士褒扬金发放 优抚对象定期抚恤补助 退役军人创业贷款贴息 光荣牌悬挂 优抚对象医疗补助 退役军人就业创业补贴",
        ),
    ],
    GJJ: [
        _p("20", 15, 5, True, "住房公积金个人住房贷款", "申请 提前还款 贷款结清证明出具"),
        _p(
            "20",
            5,
            1,
            True,
            "",
            "住房公积金提取（偿还住房贷款） 住房公积金提取（重大疾病） 住房公积金个人账户设立 住房公积金灵活就业人员自愿缴存 住房公积金提取（出境定居） 住房公积金单位缴存登记",
        ),
    ],
    SF: [
        _p("20", 15, 10, True, "出生 亲属关系 学历 无犯罪记录 婚姻状况 经历", "公证"),
        _p(
            "20",
            30,
            15,
            False,
            "",
            "人民调解申请 司法鉴定申请 律师执业许可 基层法律服务工作者执业核准 公证员执业审核 法律职业资格证书申领",
        ),
    ],
}


def _pattern_names(department: str) -> Iterator[tuple[str, Pattern]]:
    for pattern in PATTERNS.get(department, []):
        for subject in pattern.subjects or ("",):
            for action in pattern.actions:
                name = f"{subject}{action}".strip()
                if name:
                    yield name, pattern


TYPE_LETTER = {"1": "A", "5": "G", "7": "F", "8": "H", "9": "E", "10": "Z", "20": "B"}


def credit_code(dept: Dept) -> str:
    # A government body's unified social credit code: 11 + region + organisation code + check character.
    body = f"11{CITY_REGION}0025820{dept.number:02d}"
    return body + credit_check_char(body)


def item_code(dept: Dept, index: int, task_type: str, region: str = CITY_REGION) -> str:
    # Shaped like Zhejiang's 实施编码: base code (province 33, 1 = power / 2 = public service, type
    # letter, ten digits) - 12-digit region - 000 - implementing body's credit code - 1 - 00.
    category = "2" if task_type == "20" else "1"
    base = f"33{category}{TYPE_LETTER[task_type]}{dept.number:02d}{index:04d}0000"
    return f"{base}-{region}000000-000-{credit_code(dept)}-1-00"


def _generated_row(dept: Dept, name: str, pattern: Pattern, rng: random.Random) -> dict[str, str]:
    legal = pattern.legal
    promised = pattern.promised
    if legal and promised and legal > 1:
        # Counties compete on promised limits: some promise less than the usual.
        promised = max(1, min(legal, promised - rng.choice((0, 0, 0, 1, 2))))
    counties = COUNTIES if rng.random() < 0.7 else tuple(sorted(rng.sample(COUNTIES, rng.randint(2, 5))))
    if pattern.task_type == "1":
        description = f"申请人向{dept.name}申请{name}，经审查符合法定条件的，依法作出准予许可的决定。"
    elif pattern.task_type == "20":
        description = f"{dept.name}为群众和企业提供的{name}服务。"
    else:
        description = f"{dept.name}依法办理的{name}事项。"
    materials = (
        f"{ID};{name}申请表[原件,1份]"
        if pattern.proxy
        else f"营业执照或法人证书[复印件,1份];{name}申请材料[原件,1份]"
    )
    return {
        "department": dept.name, "name": name, "task_type": pattern.task_type,
        "legal_limit": str(legal or ""), "legal_limit_unit": pattern.unit if legal else "",
        "promised_limit": str(promised or ""), "promised_limit_unit": pattern.unit if promised else "",
        "fee": "0", "fee_note": "不收费", "delivery": "邮寄送达;电子证照" if pattern.proxy else "邮寄送达;代办点自取",
        "description": description, "conditions": "", "materials": materials,
        "proxy_eligible": "是" if pattern.proxy else "否", "counties": ";".join(counties),
    }  # fmt: skip


def rows() -> list[dict[str, str]]:
    """All 505 rows, in the importer's column keys, always the same."""
    rng = random.Random(SEED)
    result: list[dict[str, str]] = []
    for dept in DEPARTMENTS:
        common = [dict(row) for row in COMMON if row["department"] == dept.name]
        names = {row["name"] for row in common}
        generated = []
        for name, pattern in _pattern_names(dept.name):
            if name not in names:
                names.add(name)
                generated.append(_generated_row(dept, name, pattern, rng))
        chosen = (common + generated)[: dept.count]
        if len(chosen) < dept.count:
            raise ValueError(f"{dept.name}: only {len(chosen)} demo items, {dept.count} wanted")
        for index, row in enumerate(chosen, start=1):
            counties = row["counties"].split(";")
            # An item offered in one county only is implemented by that county's service centre.
            region = counties[0] if len(counties) == 1 else CITY_REGION
            row["item_code"] = item_code(dept, index, row["task_type"], region)
            row["group"] = ""
            row["online"] = "是"
            result.append(row)
    return result
