"""The compact syntax of a materials cell (MATERIALS_HELP): 材料名称[属性,属性,…] separated by
semicolons; read by the import, written by the export."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shanghui.catalog.models import MaterialForm
from shanghui.catalog.services import MaterialData

MATERIALS_HELP = (
    "多项材料用分号（; 或 ；）分隔；每项写成 材料名称[属性,属性,…]，方括号可省略。属性（逗号分隔，顺序不限）："
    "原件 / 复印件 / 原件和复印件 / 电子材料（默认原件）；份数（默认1份），写 2份 或 两份、二份 均可；必须 / 非必须（默认必须）；"
    "容缺（可容缺后补）；备注:说明文字（写在最后）。材料名称中不要使用方括号和分号。"
)
MATERIALS_EXAMPLE = (
    "居民身份证[原件,1份,必须];居民户口簿[原件和复印件,1份];近期免冠照片[2份,非必须,容缺,备注:白底二寸]"
)

FORM_BY_TEXT = {
    "原件": MaterialForm.ORIGINAL, "复印件": MaterialForm.COPY, "原件和复印件": MaterialForm.BOTH,
    "原件及复印件": MaterialForm.BOTH, "原件+复印件": MaterialForm.BOTH, "电子材料": MaterialForm.ELECTRONIC,
    "电子版": MaterialForm.ELECTRONIC,
}  # fmt: skip
FORM_TEXT: dict[str, str] = {
    MaterialForm.ORIGINAL: "原件", MaterialForm.COPY: "复印件", MaterialForm.BOTH: "原件和复印件",
    MaterialForm.ELECTRONIC: "电子材料",
}  # fmt: skip
REQUIRED_WORDS = {
    "必须": True,
    "必需": True,
    "必交": True,
    "非必须": False,
    "非必需": False,
    "选填": False,
    "可选": False,
}
DEFERRABLE_WORDS = {"容缺", "可容缺", "容缺后补"}
ATTRIBUTES_HELP = "原件、复印件、原件和复印件、电子材料、份数（如 2份、两份）、必须、非必须、容缺、备注:…"
_COPIES = re.compile(r"([0-9０-９]+|[零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]+)\s*份")
_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip


def count_of(text: str) -> int | None:
    """The number people write before 份: 2, ２ (full width), 两, 二, 十二, 二十, 贰拾 (1–99); None when it
    is not one of these."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace("拾", "十")
    if text.isascii():
        return int(text) if text.isdigit() else None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 and text in _DIGITS else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or any(ch not in _DIGITS for ch in tens + ones):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


_FORBIDDEN_IN_MATERIAL_NAME = re.compile(r"[\[\]【】;；]")


def _split_materials(text: str) -> list[str] | None:
    """Split on ; or ； outside brackets. None when the brackets do not balance."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[【":
            depth += 1
        elif ch in "]】":
            depth -= 1
            if depth < 0:
                return None
        if ch in ";；" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth != 0:
        return None
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_materials(text: str) -> tuple[list[MaterialData], list[str]]:
    """Materials from the compact syntax (MATERIALS_HELP), and the problems found."""
    segments = _split_materials(text)
    if segments is None:
        return [], ["方括号没有成对出现"]
    materials, problems = [], []
    for index, segment in enumerate(segments, start=1):
        match = re.fullmatch(r"(.*?)\s*(?:[\[【](.*)[\]】])?", segment, flags=re.S)
        name = (match.group(1) if match else segment).strip()
        attributes = (match.group(2) if match else None) or ""
        if not name:
            problems.append(f"第{index}项材料缺少名称")
            continue
        if len(name) > 200:
            problems.append(f"第{index}项材料名称超过200字")
            continue
        form, copies, required, deferrable, notes = MaterialForm.ORIGINAL, 1, True, False, ""
        note_at = re.search(r"备注\s*[:：]", attributes)
        if note_at:
            notes = attributes[note_at.end() :].strip()
            attributes = attributes[: note_at.start()]
        for raw in re.split(r"[,，]", attributes):
            word = raw.strip()
            if not word:
                continue
            copies_match = _COPIES.fullmatch(word)
            count = count_of(copies_match.group(1)) if copies_match else None
            if word in FORM_BY_TEXT:
                form = FORM_BY_TEXT[word]
            elif count is not None and count >= 1:
                copies = count
            elif word in REQUIRED_WORDS:
                required = REQUIRED_WORDS[word]
            elif word in DEFERRABLE_WORDS:
                deferrable = True
            else:
                problems.append(f"“{name}”的属性“{word}”无法识别（可用：{ATTRIBUTES_HELP}）")
        if len(notes) > 300:
            problems.append(f"“{name}”的备注超过300字")
        materials.append(MaterialData(name, form, copies, required, deferrable, notes))
    return materials, problems


def format_materials(materials: Iterable[MaterialData]) -> str:
    """The compact syntax of MATERIALS_HELP: what parse_materials() reads back unchanged."""
    parts = []
    for m in materials:
        attributes = [FORM_TEXT.get(m.form, "原件"), f"{m.copies}份", "必须" if m.required else "非必须"]
        if m.deferrable:
            attributes.append("容缺")
        if m.notes:
            attributes.append(f"备注:{m.notes}")
        parts.append(f"{m.name}[{','.join(attributes)}]")
    return ";".join(parts)
