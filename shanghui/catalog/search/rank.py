"""Ranking: `search(index, raw)` scores the items for a query's terms, says why each matched, and
whether any of them really does.

An item's score is the sum of its BM25F scores (precomputed per term and item in the index) times
each term's weight, where alternative readings of one thing count once, with the best of them. The
sum is then scaled by how many of the query's concepts the item covers, boosted for items citizens use
often (log-damped usage_count) and for exact, prefix and substring name matches, and lowered for items
no proxy point can take (`W_NOT_PROXY`: among comparable matches the ones a chamber can do come first).
If no word matches at all, items sharing at least two characters with the query are candidates. Each
hit carries at most three short Chinese reasons.

**A real match** (`is_direct`): the query is the item's name or part of it, or a word of two
characters or more (typed, read from pinyin, corrected, or from a synonym) or a typed character pair
stands in the item's name (with or without its bracketed inserts), its group (主项) or its materials,
or a typed word stands in its description. Everything else is a weak signal: a word only in the
department's name (拖拉机 → synonym 联合收割机 → 联合 in 残疾人联合会), a single character, a pinyin
syllable pair (a homophone), characters shared with the name. Only real matches are shown; when there
is none, `Results.matched` is false, the weak candidates are kept aside for staff, and the closest
groups (主项) or departments are offered instead (`closest`).
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
from shanghui.catalog.search.weights import W_NOT_PROXY

# Groups and departments offered when nothing really matches: those a typed word found first, then
# the departments citizens use most, up to this many.
CLOSEST = 6
CLOSEST_RELATED = 4


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
    proxy_eligible: bool = True
    group: str = ""


@dataclass(frozen=True)
class Closest:
    """A group (主项) of a department, or a whole department (group ""), that may hold what was asked."""

    department_id: int
    department: str
    group: str
    items: int  # online items in it
    related: bool  # found through a word the citizen typed (else: a department citizens use most)


@dataclass
class Results:
    """What a search found. `hits` are real matches only; when there is none, `matched` is false,
    `closest` says where to look instead and `weak` holds the candidates that were withheld."""

    hits: list[SearchHit]
    matched: bool
    closest: list[Closest] = field(default_factory=list)
    weak: list[SearchHit] = field(default_factory=list)


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
) -> Results:
    allowed = _filter(
        index, department_id=department_id, proxy_only=proxy_only, include_offline=include_offline
    )
    by_code = index.codes.get(normalise(raw))
    if by_code is not None and allowed(by_code):
        return Results([make_hit(index, by_code, 100.0, ["实施编码一致"])], matched=True)
    analysis = analyse(index, raw)
    found = bm25f(index, analysis)
    scores = found.scores
    fallback: list[str] = []
    if not scores:
        scores, fallback = shared_characters(index, analysis)
        if not scores:
            return Results([], matched=False, closest=closest(index, {}))
    candidates: Iterable[tuple[int, float]] = scores.items()
    if not include_offline or proxy_only or department_id is not None:
        candidates = ((doc, score) for doc, score in candidates if allowed(doc))
    wanted = found.matchable.bit_count()
    items = index.items
    pool: list[tuple[float, int]] = []
    named: set[int] = set()  # the query is (part of) the name: a real match without looking further
    for doc, score in heapq.nlargest(max(50, limit * 3), candidates, key=lambda kv: kv[1]):
        if wanted:
            coverage = (found.masks.get(doc, 0) & found.matchable).bit_count() / wanted
            score *= 0.3 + 0.7 * coverage * coverage
        boost, _ = name_boost(index, doc, analysis)
        score *= usage_boost(items[doc].usage_count)
        if not index.proxy[doc]:
            score *= W_NOT_PROXY
        pool.append((score * boost, doc))
        if boost > 1.0:
            named.add(doc)
    pool.sort(key=lambda r: (-r[0], len(items[r[1]].name), r[1]))

    def hit(score: float, doc: int) -> SearchHit:
        if fallback:
            return make_hit(index, doc, score, explain_chars(index, doc, fallback))
        return make_hit(index, doc, score, explain(index, doc, analysis, found.used))

    # The real matches, best first, looked for only until there are enough (shared characters never
    # are one).
    shown: list[tuple[float, int]] = []
    if not fallback:
        for score, doc in pool:
            if doc in named or is_direct(index, doc, found.used):
                shown.append((score, doc))
                if len(shown) == limit:
                    break
    if shown:
        return Results([hit(score, doc) for score, doc in shown], matched=True)
    # Nothing really matches: where a typed word (or, failing every word, shared characters) led.
    typed = closeness(index, pool, found.used, fallback=bool(fallback))
    return Results(
        [],
        matched=False,
        closest=closest(index, typed),
        weak=[hit(score, doc) for score, doc in pool[:limit]],
    )


def is_direct(index: SearchIndex, doc: int, used: list[tuple[QueryTerm, Posting]]) -> bool:
    """Whether a word of the query really stands in the item (see the module's docstring): in its
    name (or the name without inserts), group or materials, or, typed, in its description."""
    texts = index.texts[doc]
    for term, (docs, _values) in used:
        if term.ns == "p" or len(term.text) < 2:
            continue
        k = bisect_left(docs, doc)
        if k >= len(docs) or docs[k] != doc:
            continue
        text = term.text
        if text in texts.title or (term.ns == "w" and text in texts.materials):
            return True
        if term.ns == "w" and not term.read and text in texts.description:
            return True
    return False


def closeness(
    index: SearchIndex,
    pool: list[tuple[float, int]],
    used: list[tuple[QueryTerm, Posting]],
    *,
    fallback: bool,
) -> dict[tuple[int, str], float]:
    """How close each group (or department) is to the query, by what the citizen typed only: the
    typed words, single characters and character pairs found in the candidates (a synonym's word in a
    department's name says nothing about the department; a pinyin pair is only a sound). A department
    whose own name holds a typed word is offered whole. With no word in common at all, the shared
    characters' scores."""
    close: dict[tuple[int, str], float] = defaultdict(float)
    for score, doc in pool:
        item, group = index.items[doc], index.groups[doc]
        if fallback:
            close[(item.department_id, group)] += score
            continue
        value = 0.0
        in_department = False
        for term, (docs, values) in used:
            if term.read or term.ns == "p":
                continue
            k = bisect_left(docs, doc)
            if k < len(docs) and docs[k] == doc:
                value += values[k] * term.weight
                in_department = in_department or (
                    len(term.text) > 1 and term.text in index.texts[doc].department
                )
        if value:
            close[(item.department_id, "" if in_department else group)] += value
    return close


def closest(index: SearchIndex, close: dict[tuple[int, str], float]) -> list[Closest]:
    """Up to `CLOSEST_RELATED` groups or departments by closeness, then the departments citizens use
    most (`SearchIndex.popular_departments`), up to `CLOSEST` in all."""
    offered: list[Closest] = []
    seen: set[tuple[int, str]] = set()
    for (department_id, group), _ in sorted(close.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(offered) >= CLOSEST_RELATED:
            break
        key = (department_id, group)
        if key in seen or (department_id, "") in seen:
            continue
        count = index.group_sizes.get(key, 0)
        if not count:
            continue
        seen.add(key)
        offered.append(Closest(department_id, index.department_names[department_id], group, count, True))
    for department_id in index.popular_departments:
        if len(offered) >= CLOSEST:
            break
        if (department_id, "") in seen:
            continue
        seen.add((department_id, ""))
        count = index.group_sizes.get((department_id, ""), 0)
        offered.append(Closest(department_id, index.department_names[department_id], "", count, False))
    return offered


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
    """The name is the query (the cleaned, working or typed text), starts with it or contains it,
    with or without its bracketed inserts (居民身份证办理 is 居民身份证(含临时)办理); or the typed
    Latin is the start of the name's first letters or pinyin."""
    name, plain = index.names[doc], index.plain_names[doc]
    best: tuple[float, str | None] = (1.0, None)
    for text in dict.fromkeys(
        (analysis.cleaned, analysis.working.replace(" ", ""), analysis.query.replace(" ", ""))
    ):
        # The best of the three: 居民身份证办理 is a name without its insert even though its
        # cleaned text (居民身份证, 办理 being filler) only starts it.
        if len(text) < 2:
            continue
        if name == text:
            return 2.0, "名称完全一致"
        if plain == text:
            best = (2.0, "名称一致（不计括号内容）")
        elif (name.startswith(text) or plain.startswith(text)) and best[0] < 1.35:
            best = (1.35, f"名称以“{text}”开头")
        elif (text in name or text in plain) and best[0] < 1.2:
            best = (1.2, f"名称包含“{text}”")
    if best[1] is not None:
        return best
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
        proxy_eligible=item.proxy_eligible,
        group=item.group,
    )


def explain(
    index: SearchIndex, doc: int, analysis: Analysis, used: list[tuple[QueryTerm, Posting]]
) -> list[str]:
    """At most three short reasons: a name match, how the query was read (pinyin, correction,
    synonym), then where the words were found, the most telling first."""
    item = index.items[doc]
    # The name with and without its inserts: 查阅 is in 档案查(借)阅 as a citizen reads it.
    name, group = f"{index.names[doc]}\n{index.plain_names[doc]}", normalise(index.groups[doc])
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
    if boost_why in ("名称完全一致", "名称一致（不计括号内容）"):
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
