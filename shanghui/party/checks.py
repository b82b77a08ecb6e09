"""The 五步审查 candidate's self-check (自荐自查) and the hard-rule checks run before 支部初审."""

from __future__ import annotations

import datetime as dt

from shanghui.party.models import Candidate, Position

CONDITIONS = (
    "拥护中国共产党的领导，政治立场坚定",
    "遵纪守法，诚信经营，热心公益",
    "在本商会会员企业中任主要负责人，企业经营状况良好",
    "热心商会工作，能够履行职责、按时参加活动",
)
DISQUALIFICATIONS = (
    "受过刑事处罚",
    "被列为失信被执行人",
    "存在重大违法违规经营记录",
    "欠缴税款或社会保险费",
    "受过党纪政务处分（影响期内）",
)
# The oldest a candidate may be on the planned re-election day, by position (federation rules; editable
# here until the federation asks for a page).
MAX_AGE = {Position.PRESIDENT: 70, Position.VICE_PRESIDENT: 70}
DEFAULT_MAX_AGE = 65
MAX_TERMS = 2  # 连任不超过两届


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def run(candidate: Candidate, name: str) -> list[str]:
    if name == "age":
        limit = MAX_AGE.get(candidate.position, DEFAULT_MAX_AGE)  # type: ignore[call-overload]
        age = age_on(candidate.birth_date, candidate.election.planned_on)
        return [f"换届时年龄{age}周岁，超过{limit}周岁"] if age > limit else []
    if name == "terms":
        if candidate.position == Position.PRESIDENT and candidate.terms_served >= MAX_TERMS:
            return [f"已连任{candidate.terms_served}届会长，连任不得超过{MAX_TERMS}届"]
        return []
    if name == "disqualifications":
        if not candidate.self_checked_at:
            return ["候选人尚未完成自荐自查"]
        ticked = [d for d in candidate.self_check.get("disqualifications", []) if d in DISQUALIFICATIONS]
        return [f"自查申报：{d}" for d in ticked]
    return [f"未知的审查条件：{name}"]
