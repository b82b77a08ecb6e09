"""The shipped rubrics and the 五步审查 chain template. Points are defaults an administrator changes (a
change is a new version of the rubric; rounds keep theirs). `ensure_shipped()` creates what is missing."""

from __future__ import annotations

from typing import Any

from shanghui.accounts.models import User
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.reviews.models import ChainTemplate
from shanghui.reviews.services import save_template
from shanghui.scorecards.models import Rubric
from shanghui.scorecards.services import save_rubric

LEVELS = [
    {"name": "优秀", "min": 90},
    {"name": "良好", "min": 80},
    {"name": "合格", "min": 60},
    {"name": "不合格", "min": 0},
]
STARS = [
    {"name": "五星", "min": 90},
    {"name": "四星", "min": 80},
    {"name": "三星", "min": 70},
    {"name": "未评星", "min": 0},
]


def _ind(name: str, points: int, evidence: str = "", source: str = "", **kw: Any) -> dict[str, Any]:
    return {"name": name, "max_points": points, "evidence": evidence, "source": source, **kw}


SHUANGQIANG_LIUHAO = [
    {"name": "双强", "indicators": [
        _ind("党建强", 15, "党组织工作计划、会议记录、党员名册"),
        _ind("发展强", 15, "商会年度工作报告、会员企业发展情况"),
    ]},
    {"name": "六好", "indicators": [
        _ind("组织建设好", 12, "党组织设置、换届材料", "party.plan"),
        _ind("党员队伍好", 12, "党员名册、教育培训记录"),
        _ind("阵地建设好", 12, "阵地照片、活动室登记", "party.venue"),
        _ind("作用发挥好", 12, "学习会、主题党日、送政策进会记录", "party.activity_count", method="count", unit=2),
        _ind("工作保障好", 12, "党建经费登记", "party.funds"),
        _ind("社会评价好", 10, "表彰、媒体报道、会员满意度"),
    ]},
    {"name": "否决项", "indicators": [
        _ind("发生严重违纪违法问题或重大负面舆情", 0, "纪检监察、网信部门意见", veto=True, method="yesno"),
    ]},
]  # fmt: skip

WUYOU = [
    {"name": "五有", "indicators": [
        _ind("有牌子", 20, "挂牌照片", "party.plaque", method="yesno"),
        _ind("有经费", 20, "经费登记", "party.funds", method="yesno"),
        _ind("有阵地", 20, "党员活动之家登记", "party.venue", method="yesno"),
        _ind("有计划", 20, "年度工作计划", "party.plan", method="yesno"),
        _ind("有活动", 20, "本季度活动记录", "party.activity", method="yesno"),
    ]},
]  # fmt: skip

SIHAO = [
    {"name": "四好商会", "indicators": [
        _ind("政治引领好", 25, "党建工作、理想信念教育"),
        _ind("队伍建设好", 25, "会员发展、班子建设"),
        _ind("服务发展好", 25, "服务会员、服务社会的事例"),
        _ind("自律规范好", 25, "章程、财务、诚信自律制度"),
    ]},
    {"name": "扣分与否决", "indicators": [
        _ind("年检不合格或受到行政处罚（每次扣5分）", 10, "登记管理机关意见", method="deduction", unit=5),
        _ind("发生严重违法违规行为", 0, "相关部门意见", veto=True, method="yesno"),
    ]},
]  # fmt: skip

WUQIANG_SHIHAO = [
    {"name": "五强（待工商联填写）", "indicators": [_ind(f"“强”第{i}项（待填写）", 10) for i in range(1, 6)]},
    {"name": "十好（待工商联填写）", "indicators": [_ind(f"“好”第{i}项（待填写）", 5) for i in range(1, 11)]},
]

SHIPPED = (
    ("shuangqiang-liuhao", "双强六好", SHUANGQIANG_LIUHAO, LEVELS, False, "商会党组织“双强六好”评价：党建强、发展强；组织建设好、党员队伍好、阵地建设好、作用发挥好、工作保障好、社会评价好。"),
    ("wuyou", "五有", WUYOU, [{"name": "达标", "min": 100}, {"name": "未达标", "min": 0}], False, "党员活动之家基本标准：有牌子、有经费、有阵地、有计划、有活动。"),
    ("sihao", "四好商会", SIHAO, LEVELS, False, "四好商会：自愿申报、评分、逐级审核，每两年复核认定。"),
    ("wuqiang-shihao", "五强十好", WUQIANG_SHIHAO, STARS, True, "商会建设“五强十好”体系：具体条目未公开发布，此为待工商联完善的模板。"),
)  # fmt: skip

DEPARTMENT_NAMES = ("统战部", "纪委监委", "公安", "法院", "市场监管", "税务", "人社")


def ensure_rubrics(actor: User | None = None) -> dict[str, Rubric]:
    out = {}
    for code, name, dims, levels, template, description in SHIPPED:
        rubric = Rubric.objects.filter(code=code).order_by("-version").first()
        if rubric is None:
            rubric = save_rubric(code=code, name=name, dimensions=dims, levels=levels, actor=actor,
                                 is_template=template, description=description)  # fmt: skip
        out[code] = rubric
    return out


def five_step_steps(departments: list[Organisation]) -> list[dict[str, Any]]:
    return [
        {"key": "self", "label": "候选人自荐自查", "kind": "single", "slot": "candidate", "days": 5},
        {"key": "branch", "label": "支部初审", "kind": "single", "slot": "branch_secretary", "days": 5,
         "checks": ["age", "terms", "disqualifications"]},
        {"key": "chamber", "label": "商会负责人审核", "kind": "single", "slot": "chamber_head", "days": 5},
        {"key": "committee", "label": "党委复审", "kind": "single", "slot": "party_committee", "days": 5},
        {"key": "joint", "label": "部门联审", "kind": "parallel", "departments": [d.pk for d in departments], "days": 10},
    ]  # fmt: skip


def ensure_five_step(
    departments: list[Organisation] | None = None, actor: User | None = None
) -> ChainTemplate:
    from shanghui.party.workflow import TEMPLATE_CODE

    template = ChainTemplate.objects.filter(code=TEMPLATE_CODE).first()
    if template is not None:
        return template
    if departments is None:
        departments = list(
            Organisation.objects.filter(kind=OrgKind.DEPARTMENT, is_active=True).order_by("path")[:7]
        )
    return save_template(code=TEMPLATE_CODE, name="五步审查", steps=five_step_steps(departments), actor=actor)
