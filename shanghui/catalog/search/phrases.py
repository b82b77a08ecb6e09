"""What a piece of a query may stand for: the catalogue's phrases found by their full pinyin, by their
first letters, by what was typed so far, by sound (a homophone typo) or by sound and all but one
character (a near homophone). Every answer comes from the index; nothing here knows any query.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from shanghui.catalog.search.index import Phrase
from shanghui.catalog.search.text import SYLLABLES, parse_pinyin, typed_part
from shanghui.catalog.search.weights import W_INITIALS, W_INITIALS_OTHER, W_PINYIN, W_PREFIX

if TYPE_CHECKING:
    from shanghui.catalog.search.index import SearchIndex
    from shanghui.catalog.search.segment import RunAnalysis

# One reading of a piece of Latin input: the phrases it may stand for, each with its weight (the best
# first), and the explanation's prefix (拼音 shebao, 拼音首字母 sfz).
Alternatives = list[tuple[Phrase, float]]
Reading = tuple[Alternatives, str]


def phrase_order(phrase: Phrase) -> tuple[bool, int, int, str]:
    """Words citizens use (the synonym table) first, then the phrases most items share, the shorter
    first: what a citizen most likely meant."""
    return (not phrase.curated, -phrase.df, len(phrase.text), phrase.text)


def rank_phrases(index: SearchIndex, texts: Iterable[str], limit: int) -> list[Phrase]:
    found = [index.phrases[t] for t in texts if t in index.phrases]
    found.sort(key=phrase_order)
    return found[:limit]


def prefixed(
    index: SearchIndex, keys: list[str], mapping: dict[str, tuple[str, ...]], prefix: str, limit: int
) -> list[Phrase]:
    """Phrases whose pinyin (or first letters) start with what was typed so far, cut to the part
    that was typed: hkqy finds 户口迁移审批 and means 户口迁移."""
    start = bisect_left(keys, prefix)
    found: dict[str, Phrase] = {}
    letters = mapping is index.by_letters
    for key in keys[start : start + 400]:
        if not key.startswith(prefix):
            break
        for text in mapping[key]:
            phrase = index.phrases.get(text)
            if phrase is None:
                continue
            cut = text[: len(prefix)] if letters else typed_part(text, prefix)
            seen = found.get(cut)
            known = index.phrases.get(cut)
            prior = known if known is not None and known.df >= phrase.df else phrase
            if seen is None or (prior.curated, prior.df) > (seen.curated, seen.df):
                found[cut] = Phrase(cut, prior.curated, prior.df)
    ranked = sorted(found.values(), key=phrase_order)
    return ranked[:limit]


def read_latin(index: SearchIndex, run: str) -> list[Reading]:
    """Chinese readings of a Latin run, one per piece of it: a run that parses as syllables is full
    pinyin, anything else first letters."""
    if parse_pinyin(run) is not None:
        return read_pinyin(index, run)
    return read_initials(index, run)


def read_pinyin(index: SearchIndex, run: str) -> list[Reading]:
    """Full pinyin (shenfenzheng, shebao): the phrases whose pinyin it is; else several phrases
    that cover it (shebaozhuanyi → 社保 转移); else, typing still in progress, the phrases whose
    pinyin starts with it."""
    exact = index.by_pinyin.get(run)
    if exact:
        return [([(p, W_PINYIN) for p in rank_phrases(index, exact, 6)], f"拼音 {run}")]
    pieces = split_run(index, run, index.by_pinyin, syllables=True)
    if pieces:
        return pieces
    if len(run) >= 3:
        found = prefixed(index, index.pinyin_keys, index.by_pinyin, run, 6)
        if found:
            return [([(p, W_PREFIX) for p in found], f"拼音 {run}")]
    return []


def read_initials(index: SearchIndex, run: str) -> list[Reading]:
    """First letters (sfz, sbk, wfzjl): the phrases with exactly those first letters, the words
    citizens use weighed above other catalogue phrases; with few of those, the phrases whose first
    letters start with it; with none, several phrases that cover it (sbzy → 社保 转移)."""
    if len(run) < 2:
        return []
    exact = index.by_letters.get(run)
    alternatives: Alternatives = []
    if exact:
        ranked = rank_phrases(index, exact, 8)
        alternatives = [(p, W_INITIALS if p.curated else W_INITIALS_OTHER) for p in ranked]
    if len(run) >= 3 and len(alternatives) < 3:
        known = {p.text for p, _ in alternatives}
        alternatives += [
            (p, W_PREFIX)
            for p in prefixed(index, index.letter_keys, index.by_letters, run, 6)
            if p.text not in known
        ]
    if alternatives:
        return [(alternatives, f"拼音首字母 {run}")]
    return split_run(index, run, index.by_letters, syllables=False)


def _piece_cost(index: SearchIndex, texts: Iterable[str]) -> float:
    # One piece costs about 1; words citizens use (the synonym table) and frequent catalogue
    # phrases a little less, so sbk+jh (社保卡 激活) beats sb+kjh (社保 + a rare fragment).
    best = rank_phrases(index, texts, 1)
    if not best:
        return 1.0
    return 1.0 - 0.3 * best[0].curated - 0.04 * min(math.log1p(best[0].df), 5.0)


def split_run(
    index: SearchIndex, run: str, mapping: dict[str, tuple[str, ...]], *, syllables: bool
) -> list[Reading]:
    """Cover a run with several known keys (shebaozhuanyi → 社保 转移, sbzy → 社保 转移),
    skipping what is not covered at a cost. Only when at least two keys are found."""
    n = len(run)
    INF = float("inf")
    cost = [INF] * (n + 1)
    back: list[tuple[int, bool]] = [(-1, False)] * (n + 1)
    cost[0] = 0.0
    for i in range(n):
        if cost[i] == INF:
            continue
        for j in range(i + 1, min(n, i + 24) + 1):
            piece = run[i:j]
            if j - i >= 2 and piece in mapping:
                step = cost[i] + _piece_cost(index, mapping[piece])
                if step < cost[j]:
                    cost[j], back[j] = step, (i, True)
            skippable = piece in SYLLABLES if syllables else j == i + 1
            if skippable and cost[i] + 3 < cost[j]:
                cost[j], back[j] = cost[i] + 3, (i, False)
    if cost[n] == INF:
        return []
    pieces: list[str] = []
    j = n
    while j > 0:
        i, matched = back[j]
        if matched:
            pieces.append(run[i:j])
        j = i
    pieces.reverse()
    if len(pieces) < 2:
        return []
    label = "拼音" if syllables else "拼音首字母"
    weight = W_PINYIN if syllables else W_INITIALS_OTHER
    limit = 4 if syllables else 8
    return [
        ([(p, weight) for p in rank_phrases(index, mapping[piece], limit)], f"{label} {piece}")
        for piece in pieces
    ]


def join_pinyin(index: SearchIndex, before: str, run: str, after: str) -> tuple[int, int, str] | None:
    """A phrase whose pinyin is the end of the Chinese before a Latin run, the run, and the start
    of the Chinese after it (低bao → 低保). Returns (characters taken before, after, phrase)."""
    if parse_pinyin(run) is None or not (before or after):
        return None
    tail = index.cut(before).syllables if before else []
    head = index.cut(after).syllables if after else []
    for taken_before in range(min(3, len(tail)), -1, -1):
        for taken_after in range(min(3, len(head)), -1, -1):
            if not taken_before and not taken_after:
                continue
            key = "".join(tail[len(tail) - taken_before :]) + run + "".join(head[:taken_after])
            texts = index.by_pinyin.get(key)
            if texts:
                best = rank_phrases(index, texts, 1)
                if best:
                    return taken_before, taken_after, best[0].text
    return None


def _close(span: str, fixed: str) -> bool:
    # A typo keeps most characters: 户口签移 → 户口迁移, not 户籍 → 互济.
    differ = sum(1 for x, y in zip(span, fixed, strict=True) if x != y)
    return differ <= max(1, len(span) // 2)


def homophone(index: SearchIndex, analysis: RunAnalysis, i: int, j: int) -> str | None:
    """A phrase that sounds exactly like the span and keeps most of its characters (身分证 → 身份证)."""
    texts = index.by_pinyin.get("".join(analysis.syllables[i:j]))
    if not texts:
        return None
    span = analysis.text[i:j]
    ranked = rank_phrases(index, (t for t in texts if len(t) == j - i and _close(span, t)), 1)
    return ranked[0].text if ranked else None


def near(index: SearchIndex, analysis: RunAnalysis, i: int, j: int) -> str | None:
    """A near homophone or one wrong character (身仿证 → 身份证): rapidfuzz on the pinyin."""
    if j - i < 3:
        return None
    key = "".join(analysis.syllables[i:j])
    choices = index.pinyin_keys_by_len.get(j - i)
    if not choices:
        return None
    span = analysis.text[i:j]
    for match, _score, _ in process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=86, limit=3):
        candidates = (
            t
            for t in index.by_pinyin[match]
            if len(t) == j - i and sum(x != y for x, y in zip(t, span, strict=True)) == 1
        )
        ranked = rank_phrases(index, candidates, 1)
        if ranked:
            return ranked[0].text
    return None
