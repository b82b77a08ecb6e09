"""Believable but invented identities for the demo: Chinese names, mobile numbers, office telephone
numbers and unified social credit codes that pass the validators in shanghui.lib.validators.

Everything is drawn from a `random.Random` the caller seeds, so the same seed gives the same data on
every run and every machine. Never use this module for anything but demo data.
"""

from __future__ import annotations

import random

from shanghui.lib.validators import CREDIT_CHARS, credit_check_char

# Surnames in rough order of frequency in Quzhou (毛, 徐, 郑, 祝, 余 are more common there than
# nationally), repeated by weight.
SURNAMES = (
    "徐" * 8 + "王" * 7 + "张" * 6 + "李" * 6 + "陈" * 6 + "刘" * 5 + "吴" * 5 + "毛" * 5 + "郑" * 5
    + "周" * 4 + "杨" * 4 + "黄" * 4 + "汪" * 4 + "余" * 4 + "方" * 3 + "叶" * 3 + "姜" * 3 + "祝" * 3
    + "邵" * 2 + "程" * 2 + "童" * 2 + "柴" * 2 + "占" * 2 + "朱" * 2 + "傅" * 2 + "胡" * 2 + "江" * 2
    + "严" + "鲁" + "吕" + "蓝" + "饶" + "涂" + "廖" + "翁" + "项"
)  # fmt: skip
GIVEN_NAMES = (
    "伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超", "霞", "刚", "斌",
    "建华", "志强", "晓燕", "海燕", "丽娟", "国平", "建平", "卫东", "文斌", "俊杰", "欣怡", "子涵", "浩然",
    "思远", "佳琪", "梦瑶", "宇航", "晨曦", "一鸣", "嘉豪", "雅婷", "立新", "红英", "春燕", "永强", "金龙",
    "海波", "丽萍", "建军", "美玲", "晓东", "鹏飞", "雪梅", "志刚", "秀英", "国庆", "振华", "婷婷", "亚军",
    "少华", "佳慧", "文杰", "晓明", "旭东", "慧敏", "雨欣", "泽宇", "诗涵", "锦涛", "晓峰", "兰芳", "国强",
    "宏伟", "德明", "金华", "丽华", "海峰", "凯", "琳", "蕾", "昊", "航", "瑶", "睿", "彬", "帆",
)  # fmt: skip

# Prefixes of the three carriers (and their 5G-era ranges) in common use.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "191", "198", "199",
)  # fmt: skip

# GB 11714 organisation code check character: weights over the first 8 characters of the code.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Characters of a new-style organisation code after its "MA" prefix (no I, O, S, V, Z).
_ORG_CODE_CHARS = CREDIT_CHARS


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def landline(rng: random.Random, area_code: str, digits: int = 8) -> str:
    # A local number never starts with 0 or 1 (those are trunk and service prefixes).
    first = rng.choice("2345678")
    return f"{area_code}-{first}" + "".join(rng.choice("0123456789") for _ in range(digits - 1))


def _org_code_check_char(first8: str) -> str:
    total = sum(int(ch, 36) * weight for ch, weight in zip(first8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, *, region_code: str, registry: str = "91") -> str:
    """A valid unified social credit code (GB 32100): `registry` (91 company, 51 social organisation),
    the 6-digit region code, a 9-character organisation code of the post-2015 "MA" form with its own
    GB 11714 check character, and the final check character."""
    org8 = "MA" + "".join(rng.choice(_ORG_CODE_CHARS) for _ in range(6))
    first17 = f"{registry}{region_code}{org8}{_org_code_check_char(org8)}"
    return first17 + credit_check_char(first17)
