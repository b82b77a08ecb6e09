"""What a query asks for: `analyse(index, raw)` turns what a citizen typed into weighted query terms.

The steps, in order (each a function below, saying why):

0. `join_spaced_pinyin` (text): pinyin typed syllable by syllable (ju min shen fen zheng) is one run.
1. `read_working_text`: Latin runs become the Chinese they stand for (`join_pinyin`, `read_latin_run`:
   pinyin and first letters) and Chinese runs are corrected (`correct`), so that the later steps see
   Chinese as the catalogue writes it.
2. `find_concepts`: the words of that working text that are not filler; an item is judged by how
   many of them it covers.
3. `add_typed_words`: the words, single characters and bigrams of what was typed (`add_text`), and
   the catalogue phrases an unknown word abbreviates (`add_abbreviations`).
4. `add_uncorrected`: the words as typed before a correction, a little, in case they were meant.
5. `add_latin_readings`: the other readings of each Latin run, and its pinyin bigrams.
6. `add_synonyms`: the terms of every synonym phrase found in the text.

Terms are then merged (`merge_terms`): one per namespace, text and alternative.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shanghui.catalog.search.phrases import (
    Alternatives,
    homophone,
    join_pinyin,
    near,
    rank_phrases,
    read_latin,
)
from shanghui.catalog.search.text import (
    STOP_WORDS,
    is_cjk,
    join_spaced_pinyin,
    normalise,
    parse_pinyin,
    runs,
)
from shanghui.catalog.search.weights import (
    W_ABBREVIATION,
    W_BIGRAM,
    W_CORRECTED,
    W_PINYIN,
    W_PINYIN_BIGRAM,
    W_PINYIN_BIGRAM_LATIN,
    W_SINGLE,
    W_SYNONYM,
    W_WORD,
)

if TYPE_CHECKING:
    from shanghui.catalog.search.index import SearchIndex
    from shanghui.catalog.search.segment import RunAnalysis

MAX_QUERY_CHARS = 100


@dataclass
class QueryTerm:
    ns: str  # "w" word, "b" character bigram, "p" pinyin bigram
    text: str
    weight: float
    concepts: int  # bit mask of the query's concepts (words) the term stands for
    why: str | None = None  # how the term came from the query, when not typed as such
    # Terms that are alternative readings of one thing (the phrases sfz may stand for, the phrases
    # 渔船 may abbreviate) share a `choice`; an item scores its best alternative, not their sum.
    choice: int = 0
    alt: int = 0
    # Read into the query (a synonym's terms, the phrases an abbreviation or a Latin run may stand for
    # beyond the first), not typed: such a word alone does not make a match one can be sure of.
    read: bool = False


@dataclass
class Analysis:
    query: str  # normalised
    working: str  # Latin runs resolved, typos corrected
    cleaned: str  # working text without filler words
    latin: list[str]
    terms: list[QueryTerm]
    concepts: int  # how many
    notes: list[str] = field(default_factory=list)  # the corrections made


# A span of the working text that came from pinyin or a correction: (start, end, explanation, weight,
# choice). Its terms take that weight (at most) and that explanation.
Origin = tuple[int, int, str, float, int]
# One piece of a Latin run: (choice, alternatives, explanation prefix, start and end of its first
# reading in the working text).
LatinPiece = tuple[int, Alternatives, str, int, int]
# A Latin run: its span in the working text, its pieces, and its syllables when it is pinyin.
LatinRun = tuple[int, int, list[LatinPiece], list[str] | None]


@dataclass
class _Query:
    """What the steps build up for one query."""

    index: SearchIndex
    query: str
    terms: list[QueryTerm] = field(default_factory=list)
    latin: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    # Alternatives (of a Latin piece, of an abbreviation) are numbered by one counter.
    choices: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    latin_runs: list[LatinRun] = field(default_factory=list)
    # The working text as it is written: its parts and their total length.
    parts: list[str] = field(default_factory=list)
    pos: int = 0
    working: str = ""
    concept_spans: list[tuple[int, int]] = field(default_factory=list)
    chunks: list[tuple[int, str]] = field(default_factory=list)  # (start, text) of runs of non-filler words
    analyses: dict[int, RunAnalysis] = field(default_factory=dict)  # the working text's runs, by start

    def append(self, text: str) -> None:
        self.parts.append(text)
        self.pos += len(text)

    def concepts_of(self, i: int, j: int) -> int:
        mask = 0
        for k, (a, b) in enumerate(self.concept_spans):
            if a < j and i < b:
                mask |= 1 << k
        return mask

    def origin_of(self, i: int, j: int) -> tuple[str, float, int] | None:
        for a, b, why, weight, choice in self.origins:
            if a < j and i < b:
                return why, weight, choice
        return None


def analyse(index: SearchIndex, raw: str) -> Analysis:
    """The query terms of what a citizen typed, with what was read into it."""
    q = _Query(index, join_spaced_pinyin(normalise(raw)[:MAX_QUERY_CHARS]))
    read_working_text(q)
    find_concepts(q)
    add_typed_words(q)
    add_uncorrected(q)
    add_latin_readings(q)
    add_synonyms(q)
    cleaned = "".join(chunk for _, chunk in q.chunks)
    return Analysis(q.query, q.working, cleaned, q.latin, merge_terms(q.terms), len(q.concept_spans), q.notes)


# --- 1. The working text: pinyin and first letters read, typos corrected ----------------------------


def read_working_text(q: _Query) -> None:
    """Latin runs become Chinese, Chinese runs are corrected: synonyms and segmentation only know
    Chinese as it is written. `q.origins` remembers which spans came from pinyin or a correction, to
    weigh and explain their terms."""
    previous_end, skip = -1, 0
    query_runs = list(runs(q.query))
    for number, (start, end, run) in enumerate(query_runs):
        if q.parts and start != previous_end:
            q.append(" ")
        previous_end = end
        run, skip = run[skip:], 0
        if not run:
            continue
        if run.isascii() and run.isalpha():
            q.latin.append(run)
            before = query_runs[number - 1] if number else None
            after = query_runs[number + 1] if number + 1 < len(query_runs) else None
            taken_after = join_with_chinese(q, run, start, end, before, after)
            if taken_after is None:
                read_latin_run(q, run)
            else:
                skip = taken_after
        elif is_cjk(run):
            correct_run(q, run)
        else:
            q.append(run)
    q.working = "".join(q.parts)


def join_with_chinese(
    q: _Query,
    run: str,
    start: int,
    end: int,
    before: tuple[int, int, str] | None,
    after: tuple[int, int, str] | None,
) -> int | None:
    """Pinyin finishing or starting a Chinese word (低bao → 低保, shebao卡 → 社保卡): citizens switch
    input methods in the middle of a word. Replaces what it takes of the run before in the working text;
    returns how many characters it takes of the run after (None when no phrase sounds like that)."""
    joined = join_pinyin(
        q.index,
        before[2] if before and before[1] == start and is_cjk(before[2]) and q.parts else "",
        run,
        after[2] if after and after[0] == end and is_cjk(after[2]) else "",
    )
    if joined is None:
        return None
    taken_before, taken_after, text = joined
    if taken_before:
        q.parts[-1] = q.parts[-1][:-taken_before]
        q.pos -= taken_before
    typed = (before[2][-taken_before:] if before and taken_before else "") + run
    typed += after[2][:taken_after] if after else ""
    q.origins.append((q.pos, q.pos + len(text), f"拼音 {typed}→{text}", W_PINYIN, 0))
    q.append(text)
    return taken_after


def read_latin_run(q: _Query, run: str) -> None:
    """Full pinyin or first letters (sfz, shebaozhuanyi): the best reading of each piece stands in
    the working text, so that the later steps see 身份证; all readings are kept for
    `add_latin_readings`. A run nothing reads stays as typed."""
    pieces: list[LatinPiece] = []
    begin = q.pos
    for alternatives, label in read_latin(q.index, run):
        choice = next(q.choices)
        phrase, weight = alternatives[0]
        q.origins.append((q.pos, q.pos + len(phrase.text), f"{label}→{phrase.text}", weight, choice))
        pieces.append((choice, alternatives, label, q.pos, q.pos + len(phrase.text)))
        q.append(phrase.text)
    if q.pos == begin:
        q.append(run)
    q.latin_runs.append((begin, q.pos, pieces, parse_pinyin(run)))


def correct_run(q: _Query, run: str) -> None:
    """A run of Chinese, corrected where it uses spans the catalogue never does (身分证 → 身份证):
    the corrected words then match, and each correction is noted and explains its terms."""
    fixed, fixes = correct(q.index, run)
    for i, j, note in fixes:
        q.origins.append((q.pos + i, q.pos + j, note, W_CORRECTED, 0))
        q.notes.append(note)
    q.append(fixed)


def is_unknown(index: SearchIndex, token: str) -> bool:
    """A word worth correcting or expanding: not filler, and a single character or a word that no
    item and no synonym uses."""
    if token in STOP_WORDS:
        return False
    return len(token) == 1 or (token not in index.vocabulary and token not in index.synonyms)


def correct(index: SearchIndex, run: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Replace spans the catalogue never uses by phrases that sound the same (身分证 → 身份证),
    or nearly (one character off). Returns the corrected run and the corrected spans in it."""
    if len(run) < 2:
        return run, []
    analysis = index.cut(run)
    tokens, edges = analysis.tokens, analysis.boundaries()
    unknown = [is_unknown(index, t) for t in tokens]
    out: list[str] = []
    fixes: list[tuple[int, int, str]] = []
    a, length = 0, 0
    while a < len(tokens):
        fixed = None
        b = a + 1
        if unknown[a] or any(unknown[a : a + 4]):
            for b in range(min(len(tokens), a + 4), a, -1):
                i, j = edges[a], edges[b]
                span = run[i:j]
                if j - i < 2 or not any(unknown[a:b]) or span in index.vocabulary or span in index.synonyms:
                    continue
                fixed = homophone(index, analysis, i, j)
                if fixed is None and (b == a + 1 or (a == 0 and b == len(tokens) and j - i <= 6)):
                    fixed = near(index, analysis, i, j)
                if fixed is not None and fixed != span:
                    break
                fixed = None
        if fixed is None:
            out.append(tokens[a])
            length += len(tokens[a])
            a += 1
            continue
        span = run[edges[a] : edges[b]]
        fixes.append((length, length + len(fixed), f"纠错：{span}→{fixed}"))
        out.append(fixed)
        length += len(fixed)
        a = b
    return "".join(out), fixes


# --- 2. Concepts -------------------------------------------------------------------------------------


def find_concepts(q: _Query) -> None:
    """The words of the working text that are not filler are the query's concepts: an item that
    covers more of them ranks higher (身份证 丢了 wants both). Runs of non-filler words are the chunks
    whose terms `add_typed_words` adds."""
    for start, _end, run in runs(q.working):
        if not is_cjk(run):
            q.concept_spans.append((start, start + len(run)))
            q.chunks.append((start, run))
            continue
        analysis = q.index.cut(run)
        q.analyses[start] = analysis
        offset, chunk_start, chunk = start, start, ""
        for token in analysis.tokens:
            if token in STOP_WORDS:
                if chunk:
                    q.chunks.append((chunk_start, chunk))
                chunk = ""
            else:
                if not chunk:
                    chunk_start = offset
                chunk += token
                q.concept_spans.append((offset, offset + len(token)))
            offset += len(token)
        if chunk:
            q.chunks.append((chunk_start, chunk))


# --- 3 to 6. Terms -----------------------------------------------------------------------------------


def add_text(
    q: _Query,
    text: str,
    start: int,
    weight: float,
    why: str | None,
    *,
    concepts: int | None = None,
    pinyin: bool = True,
    bigrams: bool = True,
    choice: int = 0,
    alt: int = 0,
    read: bool = False,
) -> None:
    """Terms of `text`, which sits at `start` in the working text (when `concepts` is None): every
    dictionary word inside it (so the way a sentence happens to be cut never hides a word), its
    one-character words, weaker; and, with `bigrams`, its character bigrams (a word jieba does not
    know still matches) and the pinyin bigrams of characters no item uses (a homophone typo)."""

    def emit(ns: str, term: str, i: int, j: int, factor: float) -> None:
        w, reason, group = weight, why, choice
        if concepts is None:
            found = q.origin_of(i, j)
            if found is not None:
                reason, w, group = found[0], min(weight, found[1]), found[2]
            c = q.concepts_of(i, j)
        else:
            c = concepts
        q.terms.append(QueryTerm(ns, term, w * factor, c, reason, group, alt if group == choice else 0, read))

    for offset, _, run in runs(text):
        base = start + offset
        if not is_cjk(run):
            emit("w", run, base, base + len(run), 1.0)
            continue
        analysis = q.index.cut(run)
        for i, j in analysis.spans:
            emit("w", run[i:j], base + i, base + j, 1.0)
        k = 0
        for token in analysis.tokens:
            if len(token) == 1 and token not in STOP_WORDS:
                emit("w", token, base + k, base + k + 1, W_SINGLE)
            k += len(token)
        if not bigrams:
            continue
        # A pinyin bigram only matters where the characters themselves appear nowhere (a
        # homophone typo); elsewhere it would add noise (other words that sound alike) and work.
        char_bigrams = q.index.postings["b"]
        for k, bigram in enumerate(analysis.bigrams()):
            emit("b", bigram, base + k, base + k + 2, W_BIGRAM)
        if pinyin:
            for k, (bigram, chars) in enumerate(
                zip(analysis.pinyin_bigrams(), analysis.bigrams(), strict=True)
            ):
                if chars not in char_bigrams:
                    emit("p", bigram, base + k, base + k + 2, W_PINYIN_BIGRAM)


def add_reading(
    q: _Query, text: str, start: int, weight: float, why: str, concepts: int, choice: int = 0, alt: int = 0
) -> None:
    """Terms of something read into the query (a phrase an abbreviation or a Latin run stands for,
    a synonym's terms): the words only, standing for the concepts they were read from. Their
    characters were not typed, so their bigrams would only add noise."""
    add_text(
        q,
        text,
        start,
        weight,
        why,
        concepts=concepts,
        pinyin=False,
        bigrams=False,
        choice=choice,
        alt=alt,
        read=True,
    )


def add_typed_words(q: _Query) -> None:
    """3. What the citizen typed (resolved and corrected), without filler words, and the phrases an
    unknown word of it abbreviates."""
    for start, chunk in q.chunks:
        add_text(q, chunk, start, W_WORD, None)
        if is_cjk(chunk):
            add_abbreviations(q, chunk, start)


def add_abbreviations(q: _Query, chunk: str, start: int) -> None:
    """A word the catalogue never uses may be an abbreviation of a phrase it does use (渔船 →
    渔业船舶, 年审 → 年度审验): citizens shorten long official names the way Chinese abbreviates.
    The phrases are alternatives of one choice."""
    offset = start
    for token in q.index.cut(chunk).tokens:
        if 2 <= len(token) <= 3 and is_unknown(q.index, token) and token in q.index.abbreviations:
            concepts = q.concepts_of(offset, offset + len(token))
            choice = next(q.choices)
            ranked = rank_phrases(q.index, q.index.abbreviations[token], 3)
            for alt, phrase in enumerate(ranked):
                add_reading(
                    q,
                    phrase.text,
                    offset,
                    W_ABBREVIATION,
                    f"缩写：{token}→{phrase.text}",
                    concepts,
                    choice,
                    alt,
                )
        offset += len(token)


def add_uncorrected(q: _Query) -> None:
    """4. After a correction, the words as typed still count a little (and for no concept), in case
    the "typo" was meant."""
    if not q.notes:
        return
    for _, _, run in runs(q.query):
        if is_cjk(run):
            add_text(q, run, 0, 0.5, None, concepts=0, pinyin=False)


def add_latin_readings(q: _Query) -> None:
    """5. The other readings of each Latin piece (the first is in the working text already), as
    alternatives of one choice (the phrases sfz may stand for); an item scores its best reading. A
    reading that is a colloquial phrase brings its synonym's terms, within the same alternative
    (sbk → 社保卡 → 社会保障卡)."""
    for start, end, pieces, syllables in q.latin_runs:
        for choice, alternatives, label, piece_start, piece_end in pieces:
            concepts = q.concepts_of(piece_start, piece_end)
            for alt, (phrase, weight) in enumerate(alternatives):
                why = f"{label}→{phrase.text}"
                if alt:
                    add_reading(q, phrase.text, piece_start, weight, why, concepts, choice, alt)
                for value in q.index.synonyms.get(phrase.text, ()):
                    add_reading(
                        q, value, piece_start, weight * W_SYNONYM, f"{why}（{value}）", concepts, choice, alt
                    )
        if syllables and len(syllables) >= 2:
            add_typed_pinyin_bigrams(q, start, end, syllables)


def add_typed_pinyin_bigrams(q: _Query, start: int, end: int, syllables: list[str]) -> None:
    """Pinyin typed as pinyin also matches by its syllable pairs: a name that sounds like it is
    found even where no phrase's whole pinyin is what was typed."""
    concepts = q.concepts_of(start, end)
    for k in range(len(syllables) - 1):
        bigram = f"{syllables[k]} {syllables[k + 1]}"
        q.terms.append(QueryTerm("p", bigram, W_PINYIN_BIGRAM_LATIN, concepts, None))


def add_synonyms(q: _Query) -> None:
    """6. Synonyms (the editable table), matched in the working text and in the query as typed
    (before corrections). A synonym's terms describe the phrase together (换身份证 → 居民身份证 换领):
    they add up. A Latin run's readings were expanded with their alternative already."""
    latin_spans = [(start, end) for start, end, pieces, _ in q.latin_runs if pieces]
    for text in dict.fromkeys((q.working, q.query)):
        in_working = text == q.working
        for i, j, said in synonym_matches(q.index, text, q.analyses if in_working else None):
            if in_working and any(a <= i and j <= b for a, b in latin_spans):
                continue  # a reading of a Latin run: expanded with its alternative above
            concepts = q.concepts_of(i, j) if in_working else 0
            # A one-character word (开, 卖) says less than a phrase: half the weight.
            weight = W_SYNONYM if j - i > 1 else W_SYNONYM / 2
            for value in q.index.synonyms[said]:
                add_reading(q, value, i, weight, f"同义词：{said}→{value}", concepts)


def synonym_matches(
    index: SearchIndex, text: str, analyses: dict[int, RunAnalysis] | None
) -> Iterator[tuple[int, int, str]]:
    """(start, end, phrase) of every synonym phrase in the text; a one-character phrase (卖, 狗)
    only where it is a word on its own, not part of one."""
    if not index.synonyms:
        return
    single_tokens: set[tuple[int, str]] = set()
    for start, _, run in runs(text):
        if not is_cjk(run):
            continue
        analysis = (analyses or {}).get(start) or index.cut(run)
        pos = start
        for token in analysis.tokens:
            if len(token) == 1:
                single_tokens.add((pos, token))
            pos += len(token)
    n = len(text)
    for i in range(n):
        for j in range(i + 1, min(n, i + index.max_synonym) + 1):
            piece = text[i:j]
            if piece not in index.synonyms:
                continue
            if len(piece) == 1 and (i, piece) not in single_tokens:
                continue
            yield i, j, piece


def merge_terms(terms: list[QueryTerm]) -> list[QueryTerm]:
    """One term per (namespace, text, choice, alternative): the highest weight, the union of concepts;
    typed if any of them was."""
    merged: dict[tuple[str, str, int, int], QueryTerm] = {}
    for term in terms:
        key = (term.ns, term.text, term.choice, term.alt)
        seen = merged.get(key)
        if seen is None:
            merged[key] = QueryTerm(
                term.ns, term.text, term.weight, term.concepts, term.why, term.choice, term.alt, term.read
            )
            continue
        seen.concepts = seen.concepts | term.concepts
        seen.read = seen.read and term.read  # typed as well as read: typed
        if term.weight > seen.weight:
            seen.weight = term.weight
            seen.why = term.why or seen.why
        elif seen.why is None and term.why is not None and term.weight >= seen.weight:
            seen.why = term.why
    return list(merged.values())
