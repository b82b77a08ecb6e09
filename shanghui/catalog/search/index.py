"""The index of the catalogue: what a query is matched against, built once per catalogue.

Per item: BM25F postings over its fields (one precomputed score per term and item, so a query is a sum
over a few posting lists), its name, its name's pinyin and first letters. For the whole catalogue: the
phrases of names and groups keyed by full pinyin and by first letters (what pinyin input and typo
correction resolve to), the abbreviations Chinese would form of them, and which names hold each
character (the fallback when no word matches).
"""

from __future__ import annotations

import math
import re
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from shanghui.catalog.search.segment import RunAnalysis, analyse_run, segmenter
from shanghui.catalog.search.text import STOP_WORDS, is_cjk, normalise, runs, split_parts, without_inserts
from shanghui.catalog.search.weights import FIELD_B, FIELD_WEIGHTS, K1

# A term's posting list: the documents (ascending) that have it, and each one's precomputed BM25F score.
Posting: TypeAlias = "tuple[array[int], array[float]]"


@dataclass(frozen=True)
class IndexedItem:
    """An item as search sees it: what is matched, what is shown, what filters it."""

    id: int
    code: str
    name: str
    item_type: str
    department_id: int
    department: str
    group: str = ""
    description: str = ""
    materials: tuple[str, ...] = ()
    usage_count: int = 0
    is_online: bool = True
    proxy_eligible: bool = True


@dataclass(frozen=True, slots=True)
class ItemTexts:
    """An item's texts, normalised, for telling a real match from a weak one (`rank.is_direct`)."""

    title: str  # name, name without inserts, group: one per line
    materials: str
    description: str
    department: str


@dataclass(slots=True)
class Phrase:
    """A phrase of the catalogue's names and groups, or of the synonym table: what a piece of a query
    may stand for."""

    text: str
    curated: bool = False  # from the synonym table: words citizens actually use
    df: int = 0  # items whose name or group contains it


def _field_terms(
    cut: Callable[[str], RunAnalysis], text: str, *, pinyin: bool
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Words, character bigrams and (for names and groups) pinyin bigrams of one field's text."""
    words: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    pinyin_bigrams: Counter[str] = Counter()
    for _, _, run in runs(normalise(text)):
        if not is_cjk(run):
            words[run] += 1
            continue
        analysis = cut(run)
        words.update(analysis.words)
        words.update(t for t in analysis.tokens if len(t) == 1)
        bigrams.update(analysis.bigrams())
        if pinyin:
            pinyin_bigrams.update(analysis.pinyin_bigrams())
    return words, bigrams, pinyin_bigrams


def _name_terms(
    cut: Callable[[str], RunAnalysis], name: str
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """A name's terms, and once each the terms that only exist once its bracketed inserts are taken
    out: 居民身份证(含临时)办理 also has 身份证办理, 档案查(借)阅 also has 查阅. Citizens leave the
    insert out; its words still count where they stand."""
    words, bigrams, pinyin_bigrams = _field_terms(cut, name, pinyin=True)
    plain = without_inserts(normalise(name))
    if plain and plain != normalise(name):
        joined = _field_terms(cut, plain, pinyin=True)
        for counter, more in zip((words, bigrams, pinyin_bigrams), joined, strict=True):
            counter.update({term: 1 for term in more if term not in counter})
    return words, bigrams, pinyin_bigrams


class SearchIndex:
    """Immutable once built; a new catalogue gives a new index."""

    def __init__(
        self,
        items: Sequence[IndexedItem],
        synonyms: Iterable[tuple[str, str]] = (),
        *,
        stamp: Any = None,
    ) -> None:
        started = time.perf_counter()
        self.build_seconds = 0.0
        self.stamp = stamp
        self.items = list(items)
        self.synonyms: dict[str, list[str]] = {}
        for phrase, terms in synonyms:
            key = normalise(phrase)
            values = [normalise(t) for t in re.split(r"[\s,，、;；]+", terms or "") if t.strip()]
            if key and values:
                self.synonyms[key] = values
        self.max_synonym = max((len(p) for p in self.synonyms), default=0)
        self.seg = seg = segmenter()
        seg.add_words(self._dictionary_terms())
        # Cut each distinct run once while building; afterwards only queries' runs, a bounded number.
        self._runs: dict[str, RunAnalysis] = {}
        self._build_postings()
        self._build_phrases()
        self.online = [item.is_online for item in self.items]
        self.proxy = [item.proxy_eligible for item in self.items]
        self.names = [normalise(item.name) for item in self.items]
        # The names as citizens read them, without bracketed inserts (the name itself if it has none).
        self.plain_names = [without_inserts(name) or name for name in self.names]
        # The group (主项) an item belongs to; "" for none (the portal writes 未分类).
        self.groups = [item.group if item.group != "未分类" else "" for item in self.items]
        self.texts = [
            ItemTexts(
                title="\n".join((name, plain, normalise(group))),
                materials="\n".join(normalise(m) for m in item.materials),
                description=normalise(item.description[:400]),
                department=normalise(item.department),
            )
            for item, name, plain, group in zip(
                self.items, self.names, self.plain_names, self.groups, strict=True
            )
        ]
        self._count_groups()
        # Staff paste implementation codes (实施编码); a code names one item.
        self.codes = {normalise(item.code): doc for doc, item in enumerate(self.items) if item.code}
        char_docs: dict[str, list[int]] = defaultdict(list)
        for doc, name in enumerate(self.names):
            for ch in sorted(set(name)):
                if is_cjk(ch) and ch not in STOP_WORDS:
                    char_docs[ch].append(doc)
        self.char_docs = {ch: array("i", docs) for ch, docs in char_docs.items()}
        total = max(1, len(self.items))
        self.char_idf = {
            ch: math.log(1 + (total - len(d) + 0.5) / (len(d) + 0.5)) for ch, d in char_docs.items()
        }
        self.name_letters: list[str] = []
        self.name_pinyin: list[str] = []
        for name in self.names:
            letters, full = [], []
            for _, _, run in runs(name):
                if is_cjk(run):
                    analysis = self.cut(run)
                    letters.extend(analysis.letters)
                    full.extend(analysis.syllables)
            self.name_letters.append("".join(letters))
            self.name_pinyin.append("".join(full))
        self._runs = {}
        self.build_seconds = time.perf_counter() - started

    def clear_caches(self) -> None:
        """Forget the cut of queries seen so far (benchmarks time queries cold)."""
        self._runs = {}

    def cut(self, run: str) -> RunAnalysis:
        """A run of Chinese characters cut, remembered: while building, each distinct run of the
        catalogue is cut once; afterwards the runs of queries, at most about 20,000 of them."""
        found = self._runs.get(run)
        if found is None:
            if len(self._runs) > 20_000 and self.build_seconds:
                self._runs.clear()
            found = self._runs[run] = analyse_run(self.seg, run)
        return found

    # -- building ----------------------------------------------------------------------------------

    def _count_groups(self) -> None:
        """Online items per group (主项) of a department and per department (group ""), department
        names, and the departments citizens use most (by their items' usage, then their size): what
        is offered when nothing really matches."""
        sizes: Counter[tuple[int, str]] = Counter()
        usage: Counter[int] = Counter()
        self.department_names: dict[int, str] = {}
        for item, group in zip(self.items, self.groups, strict=True):
            self.department_names[item.department_id] = item.department
            if not item.is_online:
                continue
            sizes[(item.department_id, "")] += 1
            if group:
                sizes[(item.department_id, group)] += 1
            usage[item.department_id] += item.usage_count
        self.group_sizes = dict(sizes)
        self.popular_departments = sorted(
            (d for (d, group) in sizes if not group),
            key=lambda d: (-usage[d], -sizes[(d, "")], self.department_names[d], d),
        )

    def _dictionary_terms(self) -> set[str]:
        terms: set[str] = set()
        for item in self.items:
            for text in (item.name, item.group, *item.materials):
                normal = normalise(text)
                terms.add(normal)
                terms.update(split_parts(normal))
            plain = without_inserts(normalise(item.name))
            terms.add(plain)
            terms.update(split_parts(plain))
        for phrase, values in self.synonyms.items():
            terms.add(phrase)
            terms.update(values)
        return {t for t in terms if 2 <= len(t) <= 60}

    def _build_postings(self) -> None:
        n = len(self.items)
        cache: dict[tuple[str, str], tuple[Counter[str], Counter[str], Counter[str]]] = {}

        def terms_of(text: str, field: str) -> tuple[Counter[str], Counter[str], Counter[str]]:
            key = (text, field)
            found = cache.get(key)
            if found is None:
                if field == "name":
                    found = _name_terms(self.cut, text)
                else:
                    found = _field_terms(self.cut, text, pinyin=field == "group")
                cache[key] = found
            return found

        # Per field: per document (term counters per namespace, length).
        fields: dict[str, list[tuple[tuple[Counter[str], Counter[str], Counter[str]], int]]] = {}
        texts = {
            "name": [item.name for item in self.items],
            "group": [item.group if item.group and item.group != "未分类" else "" for item in self.items],
            "material": ["；".join(item.materials) for item in self.items],
            "description": [item.description[:400] for item in self.items],
            "department": [item.department for item in self.items],
        }
        for name, values in texts.items():
            fields[name] = [
                (terms_of(text, name), max(len(text), 1)) if text else ((Counter(), Counter(), Counter()), 1)
                for text in values
            ]
        average = {}
        for name, values in texts.items():
            lengths = [len(text) for text in values if text]
            average[name] = sum(lengths) / len(lengths) if lengths else 1.0
        self.vocabulary: set[str] = set()
        postings: list[dict[str, Posting]] = []
        self.df: list[dict[str, int]] = []
        for ns_index in range(3):
            # Term frequency, BM25F-weighted, per document; document frequency in titles and overall.
            weighted: dict[str, dict[int, float]] = {}
            title_df: Counter[str] = Counter()
            for name, rows in fields.items():
                weight, b, avg = FIELD_WEIGHTS[name], FIELD_B[name], average[name] or 1.0
                title = name in ("name", "group")
                for doc, (counters, length) in enumerate(rows):
                    counter = counters[ns_index]
                    if not counter:
                        continue
                    factor = weight / (1 - b + b * length / avg)
                    for term, tf in counter.items():
                        per_doc = weighted.get(term)
                        if per_doc is None:
                            per_doc = weighted[term] = {}
                        per_doc[doc] = per_doc.get(doc, 0.0) + tf * factor
                    if title:
                        title_df.update(counter.keys())
            lists: dict[str, Posting] = {}
            df: dict[str, int] = {}
            for term, per_doc in weighted.items():
                # How specific a term is: judged by the names and groups that contain it; a word that
                # only ever appears in materials (身份证 in half the checklists) is judged by those.
                df_term = min(title_df[term], len(per_doc)) if title_df[term] else len(per_doc)
                df[term] = len(per_doc)
                idf = math.log(1 + (n - df_term + 0.5) / (df_term + 0.5))
                docs = array("i", sorted(per_doc))
                scores = array(
                    "f", [idf * tf * (K1 + 1) / (K1 + tf) for tf in map(per_doc.__getitem__, docs)]
                )
                lists[term] = (docs, scores)
            postings.append(lists)
            self.df.append(df)
        self.postings = {"w": postings[0], "b": postings[1], "p": postings[2]}
        self.vocabulary = set(postings[0])

    def _build_phrases(self) -> None:
        """Phrases of names and groups (spans of one to four words, and dictionary words), keyed by
        full pinyin and by first letters: what pinyin input and typo correction resolve to."""
        phrases: dict[str, Phrase] = {}
        by_pinyin: dict[str, set[str]] = defaultdict(set)
        by_letters: dict[str, set[str]] = defaultdict(set)

        def add(
            text: str, syllables: Sequence[str], letters: Sequence[str], *, curated: bool = False
        ) -> Phrase:
            phrase = phrases.get(text)
            if phrase is None:
                phrase = phrases[text] = Phrase(text)
                by_pinyin["".join(syllables)].add(text)
                by_letters["".join(letters)].add(text)
            phrase.curated = phrase.curated or curated
            return phrase

        abbreviations: dict[str, set[str]] = defaultdict(set)
        seen_titles: dict[str, set[str]] = {}
        for item in self.items:
            doc_phrases: set[str] = set()
            # The name without its inserts is a title too: its phrases (身份证办理) are what pinyin
            # and typo correction may resolve to.
            for title in (item.name, without_inserts(normalise(item.name)), item.group):
                if not title or title == "未分类":
                    continue
                normal = normalise(title)
                cached = seen_titles.get(normal)
                if cached is None:
                    cached = set()
                    for _, _, run in runs(normal):
                        if not is_cjk(run):
                            continue
                        analysis = self.cut(run)
                        for i, j in _phrase_spans(analysis):
                            if 2 <= j - i <= 12:
                                text = run[i:j]
                                if text not in phrases:
                                    add(text, analysis.syllables[i:j], analysis.letters[i:j])
                                cached.add(text)
                        for short, phrase in _abbreviations(analysis.tokens):
                            abbreviations[short].add(phrase)
                    seen_titles[normal] = cached
                doc_phrases |= cached
            for text in doc_phrases:
                phrases[text].df += 1
        for phrase_text, values in self.synonyms.items():
            for text in (phrase_text, *values):
                if is_cjk(text) and len(text) >= 2:
                    analysis = self.cut(text)
                    add(text, analysis.syllables, analysis.letters, curated=True)
        self.phrases = phrases
        self.abbreviations: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in abbreviations.items()}
        # Tuples, not sets: a few hundred thousand keys, most with one phrase.
        self.by_pinyin: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in by_pinyin.items()}
        self.by_letters: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in by_letters.items()}
        self.pinyin_keys = sorted(self.by_pinyin)
        self.letter_keys = sorted(self.by_letters)
        # For typo correction by rapidfuzz: pinyin keys grouped by the number of characters.
        keys_by_len: dict[int, list[str]] = defaultdict(list)
        for key, texts in self.by_pinyin.items():
            for length in {len(t) for t in texts}:
                keys_by_len[length].append(key)
        self.pinyin_keys_by_len = dict(keys_by_len)


def _phrase_spans(analysis: RunAnalysis) -> set[tuple[int, int]]:
    """The spans of a name's run that may be phrases: its dictionary words, and every sequence of one
    to four words that neither starts nor ends with a filler word (扩建或, 及其 are not phrases anyone
    types)."""
    edges = analysis.boundaries()
    spans = set(analysis.spans)
    tokens = analysis.tokens
    for a in range(len(tokens)):
        for b in range(a + 1, min(a + 5, len(edges))):
            if tokens[a] not in STOP_WORDS and tokens[b - 1] not in STOP_WORDS:
                spans.add((edges[a], edges[b]))
    return spans


def _abbreviations(tokens: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(abbreviation, phrase) as Chinese forms them of two or three words: the first character of each
    word and one character of the last (渔业船舶 → 渔船, 年度审验 → 年审, 公共租赁住房 → 公租房)."""
    for a in range(len(tokens)):
        for size in (2, 3):
            words = tokens[a : a + size]
            if len(words) < size or any(len(w) < 2 for w in words):
                continue
            head = "".join(w[0] for w in words[:-1])
            for ch in set(words[-1]):
                yield head + ch, "".join(words)
