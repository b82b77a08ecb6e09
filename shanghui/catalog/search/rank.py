"""Ranking: `search(index, raw)` scores the items for a query's terms and says why each matched.

An item's score is the sum of its BM25F scores (precomputed per term and item in the index) times
each term's weight, where alternative readings of one thing count once, with the best of them. The
sum is then scaled by how many of the query's concepts the item covers, boosted for items citizens use
often (log-damped usage_count) and for exact, prefix and substring name matches. If no word matches at
all, items sharing at least two characters with the query are offered. Each hit carries at most three
short Chinese reasons.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from shanghui.catalog.search.analyse import Analysis, QueryTerm, analyse
from shanghui.catalog.search.index import Posting, SearchIndex
from shanghui.catalog.search.text import normalise


@dataclass
class SearchHit:
    id: int
    code: str
    name: str
    department: str
    department_id: int
    item_type: str
    score: float
    why: list[str]


class SearchOptions(TypedDict, total=False):
    """What a caller may ask of `search` besides the query (the defaults are `search`'s)."""

    limit: int
    department_id: int | None
    proxy_only: bool
    include_offline: bool


@dataclass
class Scores:
    """The query's terms summed per item."""

    scores: dict[int, float] = field(default_factory=dict)
    masks: dict[int, int] = field(default_factory=dict)  # per item: the concepts its words cover
    matchable: int = 0  # concepts that some item matches: a word no item uses counts against none
    used: list[tuple[QueryTerm, Posting]] = field(default_factory=list)  # the terms some item has


def search(
    index: SearchIndex,
    raw: str,
    *,
    limit: int = 10,
    department_id: int | None = None,
    proxy_only: bool = False,
    include_offline: bool = False,
) -> list[SearchHit]:
    allowed = _filter(
        index, department_id=department_id, proxy_only=proxy_only, include_offline=include_offline
    )
    by_code = index.codes.get(normalise(raw))
    if by_code is not None and allowed(by_code):
        return [make_hit(index, by_code, 100.0, ["实施编码一致"])]
    analysis = analyse(index, raw)
    found = bm25f(index, analysis)
    scores = found.scores
    fallback: list[str] = []
    if not scores:
        scores, fallback = shared_characters(index, analysis)
        if not scores:
            return []
    candidates: Iterable[tuple[int, float]] = scores.items()
    if not include_offline or proxy_only or department_id is not None:
        candidates = ((doc, score) for doc, score in candidates if allowed(doc))
    wanted = found.matchable.bit_count()
    items = index.items
    pool: list[tuple[float, int]] = []
    for doc, score in heapq.nlargest(max(50, limit * 3), candidates, key=lambda kv: kv[1]):
        if wanted:
            coverage = (found.masks.get(doc, 0) & found.matchable).bit_count() / wanted
            score *= 0.3 + 0.7 * coverage * coverage
        boost, _ = name_boost(index, doc, analysis)
        score *= usage_boost(items[doc].usage_count)
        pool.append((score * boost, doc))
    pool.sort(key=lambda r: (-r[0], len(items[r[1]].name), r[1]))
    return [
        make_hit(
            index,
            doc,
            score,
            explain(index, doc, analysis, found.used)
            if not fallback
            else explain_chars(index, doc, fallback),
        )
        for score, doc in pool[:limit]
    ]


def _filter(
    index: SearchIndex, *, department_id: int | None, proxy_only: bool, include_offline: bool
) -> Callable[[int], bool]:
    """Which items a search may return: offline items only for staff, and the caller's filters."""
    online, proxy, items = index.online, index.proxy, index.items

    def allowed(doc: int) -> bool:
        return (
            (include_offline or online[doc])
            and (not proxy_only or proxy[doc])
            and (department_id is None or items[doc].department_id == department_id)
        )

    return allowed


def bm25f(index: SearchIndex, analysis: Analysis) -> Scores:
    """Each term's posting list times its weight, summed per item; the terms that are alternatives
    of one choice count with the best of them only (sfz is 身份证 or something else, not both), and
    which concepts each item's words cover."""
    found = Scores()
    scores, masks = found.scores, found.masks
    alternatives: dict[int, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    mget = masks.get
    for term in analysis.terms:
        posting = index.postings[term.ns].get(term.text)
        if posting is None:
            continue
        found.used.append((term, posting))
        weight, docs, values = term.weight, posting[0], posting[1]
        target = alternatives[term.choice][term.alt] if term.choice else scores
        get = target.get
        for doc, value in zip(docs, values, strict=True):
            target[doc] = get(doc, 0.0) + value * weight
        if term.ns == "w" and term.concepts:
            bits = term.concepts
            found.matchable |= bits
            for doc in docs:
                masks[doc] = mget(doc, 0) | bits
    for by_alt in alternatives.values():
        best: dict[int, float] = {}
        for alt_scores in by_alt.values():
            for doc, value in alt_scores.items():
                if value > best.get(doc, 0.0):
                    best[doc] = value
        for doc, value in best.items():
            scores[doc] = scores.get(doc, 0.0) + value
    return found


def shared_characters(index: SearchIndex, analysis: Analysis) -> tuple[dict[int, float], list[str]]:
    """Not one word in common: the items whose names share characters with the query, by the
    characters' idf, and the characters. Two characters in common at least (one, for a one-character
    query): a single shared 民 or 证 is a coincidence, not a match."""
    fallback = sorted({ch for ch in analysis.cleaned if ch in index.char_idf})
    scores: dict[int, float] = {}
    shared: Counter[int] = Counter()
    for ch in fallback:
        idf = index.char_idf[ch]
        for doc in index.char_docs[ch]:
            scores[doc] = scores.get(doc, 0.0) + idf
            shared[doc] += 1
    needed = min(2, len(fallback))
    return {doc: score for doc, score in scores.items() if shared[doc] >= needed}, fallback


def usage_boost(usage: int) -> float:
    """Items many citizens use rank higher, log-damped: ×1.55 at 1,000 uses."""
    if usage:
        return 1 + 0.08 * math.log1p(usage)
    return 1.0


def name_boost(index: SearchIndex, doc: int, analysis: Analysis) -> tuple[float, str | None]:
    """The name is the query (the cleaned, working or typed text), starts with it or contains it;
    or the typed Latin is the start of the name's first letters or pinyin."""
    name = index.names[doc]
    for text in dict.fromkeys(
        (analysis.cleaned, analysis.working.replace(" ", ""), analysis.query.replace(" ", ""))
    ):
        if len(text) < 2:
            continue
        if name == text:
            return 2.0, "名称完全一致"
        if name.startswith(text):
            return 1.35, f"名称以“{text}”开头"
        if text in name:
            return 1.2, f"名称包含“{text}”"
    for run in analysis.latin:
        if len(run) >= 2 and (
            index.name_letters[doc].startswith(run)
            or (len(run) >= 4 and index.name_pinyin[doc].startswith(run))
        ):
            return 1.25, None
    return 1.0, None


def make_hit(index: SearchIndex, doc: int, score: float, why: list[str]) -> SearchHit:
    item = index.items[doc]
    return SearchHit(
        id=item.id,
        code=item.code,
        name=item.name,
        department=item.department,
        department_id=item.department_id,
        item_type=item.item_type,
        score=round(score, 3),
        why=why,
    )


def explain(
    index: SearchIndex, doc: int, analysis: Analysis, used: list[tuple[QueryTerm, Posting]]
) -> list[str]:
    """At most three short reasons: a name match, how the query was read (pinyin, correction,
    synonym), then where the words were found, the most telling first."""
    item = index.items[doc]
    name, group = index.names[doc], normalise(item.group)
    origins: dict[str, float] = {}
    words: dict[str, float] = {}
    for term, (docs, values) in used:
        k = bisect_left(docs, doc)
        if k >= len(docs) or docs[k] != doc:
            continue
        value = values[k] * term.weight
        if term.why:
            origins[term.why] = origins.get(term.why, 0.0) + value
        if term.ns == "w" and len(term.text) >= 2:
            words[term.text] = words.get(term.text, 0.0) + value
    why: list[str] = []
    shown: list[str] = []  # words already named: 名称包含“人证” adds nothing after “残疾人证”
    _, boost_why = name_boost(index, doc, analysis)
    if boost_why and boost_why.startswith("名称包含"):
        boost_why = None  # the words below say it, with the longest word
    readings: list[str] = []
    for reason, _ in sorted(origins.items(), key=lambda kv: -kv[1]):
        # 拼音首字母 sfz→身份证（居民身份证） adds nothing to 拼音首字母 sfz→身份证.
        if not any(reason.startswith(r) or r.startswith(reason) for r in readings):
            readings.append(reason)
        if len(readings) == 2:
            break
    if boost_why == "名称完全一致":
        why.append(boost_why)
    why += readings
    if boost_why and boost_why not in why:
        why.append(boost_why)
    if boost_why:
        shown.append(boost_why)
    cleaned = analysis.cleaned
    in_materials = any(cleaned in normalise(m) for m in item.materials)
    if len(cleaned) >= 2 and cleaned not in name and len(why) < 3 and in_materials:
        why.append(f"材料含“{cleaned}”")
        shown.append(cleaned)
    # The longest words say the most: 名称包含“居民身份证”, not also “身份证” and “身份”.
    matched = [w for w in words if not any(w != other and w in other for other in words)]
    for word in sorted(matched, key=lambda w: (-round(words[w], 1), -len(w))):
        if len(why) >= 3:
            break
        if any(word in text for text in shown):
            continue
        if word in name:
            why.append(f"名称包含“{word}”")
        elif word in group:
            why.append(f"所属主项“{item.group}”")
        elif any(word in normalise(m) for m in item.materials):
            why.append(f"材料含“{word}”")
        elif word in normalise(item.department):
            why.append(f"实施部门：{item.department}")
        else:
            why.append(f"说明提到“{word}”")
        shown.append(word)
    if not why:
        why.append("读音或字形相近")
    return list(dict.fromkeys(why))[:3]


def explain_chars(index: SearchIndex, doc: int, chars: list[str]) -> list[str]:
    shared = [ch for ch in chars if ch in index.names[doc]]
    return ["名称含有相同的字：" + "、".join(shared)]
