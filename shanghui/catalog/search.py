"""Catalogue search: the one search used by the citizen pages, the staff pages and the API.

Citizens do not type official item names. They type 换身份证, sfz, shebao转移, 身分证 or
身份证丢了怎么办. A query goes through these steps (`SearchIndex.analyse`):

1. **Normalise**: NFKC (full-width letters and brackets become ASCII), lower case.
2. **Latin runs** are read as pinyin. A run that parses as syllables (shenfenzheng, shebao) is
   matched against the full pinyin of the catalogue's phrases; anything else (sfz, sbk, wfzjl) against
   their first letters, exactly, as a prefix, or split into several phrases. The best phrase replaces
   the run in the working text, so the later steps (synonyms, segmentation) see Chinese.
3. **Typos**: a span of the Chinese text that the catalogue never uses but that sounds like a phrase
   it does use is corrected (身分证→身份证, 户口签移→户口迁移); near homophones and one wrong
   character are caught by rapidfuzz on the pinyin.
4. **Synonyms** (the editable `Synonym` table, phrase → terms) found anywhere in the text add their
   terms (换身份证 → 居民身份证 换领).
5. **Segmentation** with jieba, whose dictionary holds the catalogue's own terms. Question and filler
   words (怎么办, 如何, 我要 …) are dropped. Every dictionary word inside what is left becomes a query
   term, with character bigrams and pinyin-syllable bigrams as weaker terms. A word the catalogue
   never uses may be an abbreviation of a phrase it does use (渔船 → 渔业船舶, 年审 → 年度审验).
   If nothing at all matches, items sharing at least two characters with the query are offered.

Ranking is BM25F: one precomputed score per (term, item) over the item's name (weighted highest),
its group (主项), materials, description and department, so a query is a sum over a few posting
lists. The sum is then scaled by how many of the query's concepts the item covers, boosted for
exact, prefix and substring name matches and for items citizens use often (log-damped usage_count).
Each hit carries a short Chinese explanation of why it matched.

The index lives in memory, one per process, built from the database. A cheap stamp of the catalogue
(counts and latest change times) is checked at most once a second; signal receivers make changes
made in this process visible at once. A rebuild runs under a lock while other threads keep using the
old index. Nothing here knows any particular query: the catalogue, the synonym table and general
Chinese are the only knowledge.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import re
import threading
import time
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

# How often (seconds) a process asks the database whether the catalogue changed.
STAMP_INTERVAL = 1.0
MAX_QUERY_CHARS = 100

# BM25F: field weights and length normalisation. The name says what an item is; materials and the
# description mention many things an item is not about, so they only help to break ties.
FIELD_WEIGHTS = {"name": 3.0, "group": 1.2, "material": 0.5, "description": 0.4, "department": 0.8}
FIELD_B = {"name": 0.5, "group": 0.3, "material": 0.6, "description": 0.75, "department": 0.3}
K1 = 1.2

# Query-term weights by where the term came from.
W_WORD = 1.0  # a word the citizen typed
W_SINGLE = 0.4  # a one-character word (证, 税)
W_CORRECTED = 0.9  # a word from a corrected span
W_SYNONYM = 0.85  # a word from a synonym's terms
W_PINYIN = 0.9  # a phrase whose full pinyin the citizen typed
W_INITIALS = 0.8  # a phrase whose first letters the citizen typed (curated vocabulary)
W_INITIALS_OTHER = 0.5  # … any other catalogue phrase with those first letters
W_PREFIX = 0.55  # a phrase whose pinyin / first letters start with what was typed
W_ABBREVIATION = 0.6  # the catalogue phrase an unknown word abbreviates
W_BIGRAM = 0.3  # character bigram
W_PINYIN_BIGRAM = 0.25  # pinyin-syllable bigram (homophones)
W_PINYIN_BIGRAM_LATIN = 0.5  # … when the citizen typed pinyin

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{CJK}]+|[a-z]+|[0-9]+")
_CJK_RE = re.compile(rf"^[{CJK}]+$")
_PART_SPLIT_RE = re.compile(r"[\s()\[\]{}<>《》“”\"'‘’、,，.。;；:：/\\|!！?？·\-—_]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Question and filler words: dropped from queries (only as whole words, so 要 in 要求 stays).
STOP_WORDS = _words(
    """
    怎么办 怎么 怎样 怎么样 如何 哪里 哪儿 在哪 在哪里 在哪儿 去哪 去哪里 去哪儿 到哪 到哪里 哪个 哪些 哪家
    什么 啥 咋 咋办 咋弄 为什么 为啥 吗 么 呢 吧 啊 呀 哦 嘛 了 的 地 得 着 过 之 呗
    我 我们 俺 你 您 你们 他 她 它 他们 自己 本人 人家
    要 想 想要 我要 我想 打算 准备 需要 需 须 必须 可以 可 能 能不能 能否 会 是否 是不是 有没有 行不行
    请问 请 问 问下 问一下 咨询一下 帮 帮我 帮忙 麻烦 一下 下 谢谢
    办理 办 弄 搞 整 去 来 到 在 给 把 被 让 和 与 及 或 或者 还是 跟 同 对 向 从 为 以 于
    就 都 也 又 再 才 还 很 太 更 最 挺 非常 已 已经 刚 刚刚 正在 马上 现在 今天 明天
    多少 多久 几天 多长时间 时间 时候 时 之后 以后 后 之前 以前 前 期间
    流程 手续 步骤 材料 资料 东西 事情 事儿 事 问题 情况 相关 有关 方面 关于
    一个 个 这个 那个 这 那 这样 那样 哪 某 些 一些 等 及其 以及
    应该 该 得要 如果 要是 的话 但是 但 可是 因为 所以
    """
)

_SYLLABLES = _words(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao
    ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui
    chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die
    ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan
    gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen
    heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju
    juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai
    lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne
    nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan
    pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong
    qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao
    se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui
    shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou
    tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu
    xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze
    zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan
    zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """
)
_SYLLABLE_PREFIXES = frozenset(s[:i] for s in _SYLLABLES for i in range(1, len(s) + 1))


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and brackets become ASCII), lower case, trimmed."""
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def is_cjk(text: str) -> bool:
    return bool(_CJK_RE.match(text))


def split_parts(text: str) -> list[str]:
    """Parts of a name between punctuation and brackets: 居民身份证办理（包括临时） → 居民身份证办理, 包括临时."""
    return [p for p in _PART_SPLIT_RE.split(normalise(text)) if len(p) >= 2]


def parse_pinyin(run: str) -> list[str] | None:
    """Split a Latin run into pinyin syllables (fewest syllables wins); the last may be incomplete
    (typing in progress). None when the run is not pinyin, e.g. first letters such as sfz."""
    n = len(run)
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (syllable count, previous index)
    best[0] = (0, -1)
    for i in range(n):
        if best[i] is None:
            continue
        count = best[i][0]  # type: ignore[index]  # checked above
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = run[i:j]
            if piece in _SYLLABLES or (j == n and piece in _SYLLABLE_PREFIXES and count > 0):
                current = best[j]
                if current is None or count + 1 < current[0]:
                    best[j] = (count + 1, i)
    if best[n] is None:
        return None
    syllables: list[str] = []
    j = n
    while j > 0:
        i = best[j][1]  # type: ignore[index]  # every reached index has a predecessor
        syllables.append(run[i:j])
        j = i
    syllables.reverse()
    return syllables


@lru_cache(maxsize=200_000)
def token_pinyin(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Toneless pinyin and first letters of each character of a Chinese token, cached per token:
    catalogue text repeats the same words thousands of times. First letters come from
    `Style.FIRST_LETTER` (not `INITIALS`, which has no initial for 医 or 无)."""
    full = lazy_pinyin(token)
    first = lazy_pinyin(token, style=Style.FIRST_LETTER)
    if len(full) != len(token) or len(first) != len(token):
        full = [lazy_pinyin(ch)[0] for ch in token]
        first = [p[:1] for p in full]
    return tuple(full), tuple(first)


# --- Segmentation ---------------------------------------------------------------------------------


class Segmenter:
    """A jieba tokenizer of its own (the global one stays untouched) with the catalogue's terms added.

    `cut` gives two things from one DAG: the spans of every dictionary word inside a run (what the
    index and queries match on, so that the way a sentence happens to be cut never hides a word), and
    the most probable segmentation into ordinary words, ignoring the long catalogue terms (whole item
    names) that would otherwise swallow a name in one piece.

    Words are only ever added (a rebuild adds the new catalogue's terms); a stale word left from an
    earlier catalogue changes at most how a sentence is cut. Reads from other threads are safe."""

    LONG = 5  # added terms at least this long are left out of the fine cut

    def __init__(self) -> None:
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        self.added: set[str] = set()
        self.long_added: set[str] = set()

    def add_words(self, words: Iterable[str]) -> None:
        freq = self.tokenizer.FREQ
        for word in words:
            if len(word) < 2 or word in self.added or not is_cjk(word):
                continue
            self.added.add(word)
            if freq.get(word):
                continue
            if len(word) >= self.LONG:
                self.long_added.add(word)
                # A fixed frequency is enough: long words only need to exist in the DAG.
                self.tokenizer.add_word(word, 1000)
            else:
                self.tokenizer.add_word(word)

    def cut(self, run: str) -> tuple[list[tuple[int, int]], list[str]]:
        """(spans of every dictionary word of two characters or more, fine cut), from one DAG."""
        dag = self.tokenizer.get_DAG(run)
        spans = [(k, e + 1) for k, ends in dag.items() for e in ends if e > k]
        long_added = self.long_added
        if long_added:
            for k, ends in dag.items():
                if len(ends) > 1 or ends[0] - k >= self.LONG - 1:
                    kept = [e for e in ends if e - k < self.LONG - 1 or run[k : e + 1] not in long_added]
                    dag[k] = kept or [k]
        route: dict[int, tuple[float, int]] = {}
        self.tokenizer.calc(run, dag, route)
        words, i = [], 0
        while i < len(run):
            j = route[i][1] + 1
            words.append(run[i:j])
            i = j
        return spans, words


_segmenter: Segmenter | None = None
_segmenter_lock = threading.Lock()


def segmenter() -> Segmenter:
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                _segmenter = Segmenter()
    return _segmenter


@dataclass
class RunAnalysis:
    """One run of Chinese characters, cut."""

    text: str
    spans: list[tuple[int, int]]  # every dictionary word inside (length >= 2)
    tokens: list[str]  # fine cut
    syllables: list[str]  # toneless pinyin per character
    letters: list[str]  # first letter per character

    @property
    def words(self) -> list[str]:
        return [self.text[i:j] for i, j in self.spans]

    def bigrams(self) -> list[str]:
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]

    def pinyin_bigrams(self) -> list[str]:
        s = self.syllables
        return [f"{s[i]} {s[i + 1]}" for i in range(len(s) - 1)]

    def boundaries(self) -> list[int]:
        edges, pos = [0], 0
        for token in self.tokens:
            pos += len(token)
            edges.append(pos)
        return edges


def analyse_run(seg: Segmenter, run: str) -> RunAnalysis:
    spans, tokens = seg.cut(run)
    syllables: list[str] = []
    letters: list[str] = []
    for token in tokens:
        full, first = token_pinyin(token)
        syllables.extend(full)
        letters.extend(first)
    return RunAnalysis(run, spans, tokens, syllables, letters)


def runs(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _RUN_RE.finditer(text):
        yield m.start(), m.end(), m.group()


# --- The index ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedItem:
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


@dataclass
class Analysis:
    query: str  # normalised
    working: str  # Latin runs resolved, typos corrected
    cleaned: str  # working text without filler words
    latin: list[str]
    terms: list[QueryTerm]
    concepts: int  # how many
    notes: list[str] = field(default_factory=list)  # the corrections made


@dataclass(slots=True)
class _Phrase:
    text: str
    curated: bool = False  # from the synonym table: words citizens actually use
    df: int = 0  # items whose name or group contains it


def _field_terms(
    analyse: Callable[[str], RunAnalysis], text: str, *, pinyin: bool
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    words: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    pinyin_bigrams: Counter[str] = Counter()
    for _, _, run in runs(normalise(text)):
        if not is_cjk(run):
            words[run] += 1
            continue
        analysis = analyse(run)
        words.update(analysis.words)
        words.update(t for t in analysis.tokens if len(t) == 1)
        bigrams.update(analysis.bigrams())
        if pinyin:
            pinyin_bigrams.update(analysis.pinyin_bigrams())
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
                    analysis = self._analyse(run)
                    letters.extend(analysis.letters)
                    full.extend(analysis.syllables)
            self.name_letters.append("".join(letters))
            self.name_pinyin.append("".join(full))
        self._runs = {}
        self.build_seconds = time.perf_counter() - started

    def clear_caches(self) -> None:
        """Forget the cut of queries seen so far (benchmarks time queries cold)."""
        self._runs = {}

    # -- building ----------------------------------------------------------------------------------

    def _analyse(self, run: str) -> RunAnalysis:
        found = self._runs.get(run)
        if found is None:
            if len(self._runs) > 20_000 and self.build_seconds:
                self._runs.clear()
            found = self._runs[run] = analyse_run(self.seg, run)
        return found

    def _dictionary_terms(self) -> set[str]:
        terms: set[str] = set()
        for item in self.items:
            for text in (item.name, item.group, *item.materials):
                normal = normalise(text)
                terms.add(normal)
                terms.update(split_parts(normal))
        for phrase, values in self.synonyms.items():
            terms.add(phrase)
            terms.update(values)
        return {t for t in terms if 2 <= len(t) <= 60}

    def _build_postings(self) -> None:
        n = len(self.items)
        cache: dict[tuple[str, bool], tuple[Counter[str], Counter[str], Counter[str]]] = {}

        def terms_of(text: str, pinyin: bool) -> tuple[Counter[str], Counter[str], Counter[str]]:
            key = (text, pinyin)
            found = cache.get(key)
            if found is None:
                found = cache[key] = _field_terms(self._analyse, text, pinyin=pinyin)
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
                (terms_of(text, name in ("name", "group")), max(len(text), 1))
                if text
                else ((Counter(), Counter(), Counter()), 1)
                for text in values
            ]
        average = {}
        for name, values in texts.items():
            lengths = [len(text) for text in values if text]
            average[name] = sum(lengths) / len(lengths) if lengths else 1.0
        self.vocabulary: set[str] = set()
        postings: list[dict[str, tuple[array[int], array[float]]]] = []
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
            lists: dict[str, tuple[array[int], array[float]]] = {}
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
        phrases: dict[str, _Phrase] = {}
        by_pinyin: dict[str, set[str]] = defaultdict(set)
        by_letters: dict[str, set[str]] = defaultdict(set)

        def add(
            text: str, syllables: Sequence[str], letters: Sequence[str], *, curated: bool = False
        ) -> _Phrase:
            phrase = phrases.get(text)
            if phrase is None:
                phrase = phrases[text] = _Phrase(text)
                by_pinyin["".join(syllables)].add(text)
                by_letters["".join(letters)].add(text)
            phrase.curated = phrase.curated or curated
            return phrase

        # Abbreviations as Chinese forms them: the first character of each word and one character of
        # the last (渔业船舶 → 渔船, 年度审验 → 年审, 公共租赁住房 → 公租房).
        abbreviations: dict[str, set[str]] = defaultdict(set)
        seen_titles: dict[str, set[str]] = {}
        for item in self.items:
            doc_phrases: set[str] = set()
            for title in (item.name, item.group):
                if not title or title == "未分类":
                    continue
                normal = normalise(title)
                cached = seen_titles.get(normal)
                if cached is None:
                    cached = set()
                    for _, _, run in runs(normal):
                        if not is_cjk(run):
                            continue
                        analysis = self._analyse(run)
                        edges = analysis.boundaries()
                        spans = set(analysis.spans)
                        tokens = analysis.tokens
                        for a in range(len(tokens)):
                            for b in range(a + 1, min(a + 5, len(edges))):
                                # 扩建或, 及其 are not phrases anyone types.
                                if tokens[a] not in STOP_WORDS and tokens[b - 1] not in STOP_WORDS:
                                    spans.add((edges[a], edges[b]))
                        for i, j in spans:
                            if 2 <= j - i <= 12:
                                text = run[i:j]
                                if text not in phrases:
                                    add(text, analysis.syllables[i:j], analysis.letters[i:j])
                                cached.add(text)
                        for a in range(len(tokens)):
                            for size in (2, 3):
                                words = tokens[a : a + size]
                                if len(words) < size or any(len(w) < 2 for w in words):
                                    continue
                                head = "".join(w[0] for w in words[:-1])
                                for ch in set(words[-1]):
                                    abbreviations[head + ch].add("".join(words))
                    seen_titles[normal] = cached
                doc_phrases |= cached
            for text in doc_phrases:
                phrases[text].df += 1
        for phrase_text, values in self.synonyms.items():
            for text in (phrase_text, *values):
                if is_cjk(text) and len(text) >= 2:
                    analysis = self._analyse(text)
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

    # -- query analysis ----------------------------------------------------------------------------

    def _rank_phrases(self, texts: Iterable[str], limit: int) -> list[_Phrase]:
        found = [self.phrases[t] for t in texts if t in self.phrases]
        found.sort(key=lambda p: (not p.curated, -p.df, len(p.text), p.text))
        return found[:limit]

    def _prefixed(
        self, keys: list[str], mapping: dict[str, tuple[str, ...]], prefix: str, limit: int
    ) -> list[_Phrase]:
        """Phrases whose pinyin (or first letters) start with what was typed so far, cut to the part
        that was typed: hkqy finds 户口迁移审批 and means 户口迁移."""
        start = bisect_left(keys, prefix)
        found: dict[str, _Phrase] = {}
        letters = mapping is self.by_letters
        for key in keys[start : start + 400]:
            if not key.startswith(prefix):
                break
            for text in mapping[key]:
                phrase = self.phrases.get(text)
                if phrase is None:
                    continue
                cut = text[: len(prefix)] if letters else _typed_part(text, prefix)
                seen = found.get(cut)
                known = self.phrases.get(cut)
                prior = known if known is not None and known.df >= phrase.df else phrase
                if seen is None or (prior.curated, prior.df) > (seen.curated, seen.df):
                    found[cut] = _Phrase(cut, prior.curated, prior.df)
        ranked = sorted(found.values(), key=lambda p: (not p.curated, -p.df, len(p.text), p.text))
        return ranked[:limit]

    def _resolve_latin(self, run: str) -> list[tuple[list[tuple[_Phrase, float]], str]]:
        """Chinese readings of a Latin run: a list of pieces, each a list of (phrase, weight)
        alternatives and the explanation prefix."""
        syllables = parse_pinyin(run)
        if syllables is not None:
            exact = self.by_pinyin.get(run)
            if exact:
                return [([(p, W_PINYIN) for p in self._rank_phrases(exact, 6)], f"拼音 {run}")]
            pieces = self._split(run, self.by_pinyin, syllables=True)
            if pieces:
                return pieces
            if len(run) >= 3:
                prefixed = self._prefixed(self.pinyin_keys, self.by_pinyin, run, 6)
                if prefixed:
                    return [([(p, W_PREFIX) for p in prefixed], f"拼音 {run}")]
            return []
        if len(run) < 2:
            return []
        exact = self.by_letters.get(run)
        alternatives: list[tuple[_Phrase, float]] = []
        if exact:
            ranked = self._rank_phrases(exact, 8)
            alternatives = [(p, W_INITIALS if p.curated else W_INITIALS_OTHER) for p in ranked]
        if len(run) >= 3 and len(alternatives) < 3:
            known = {p.text for p, _ in alternatives}
            alternatives += [
                (p, W_PREFIX)
                for p in self._prefixed(self.letter_keys, self.by_letters, run, 6)
                if p.text not in known
            ]
        if alternatives:
            return [(alternatives, f"拼音首字母 {run}")]
        return self._split(run, self.by_letters, syllables=False)

    def _piece_cost(self, texts: Iterable[str]) -> float:
        # One piece costs about 1; words citizens use (the synonym table) and frequent catalogue
        # phrases a little less, so sbk+jh (社保卡 激活) beats sb+kjh (社保 + a rare fragment).
        best = self._rank_phrases(texts, 1)
        if not best:
            return 1.0
        return 1.0 - 0.3 * best[0].curated - 0.04 * min(math.log1p(best[0].df), 5.0)

    def _split(
        self, run: str, mapping: dict[str, tuple[str, ...]], *, syllables: bool
    ) -> list[tuple[list[tuple[_Phrase, float]], str]]:
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
                    step = cost[i] + self._piece_cost(mapping[piece])
                    if step < cost[j]:
                        cost[j], back[j] = step, (i, True)
                skippable = piece in _SYLLABLES if syllables else j == i + 1
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
            ([(p, weight) for p in self._rank_phrases(mapping[piece], limit)], f"{label} {piece}")
            for piece in pieces
        ]

    def _join_pinyin(self, before: str, run: str, after: str) -> tuple[int, int, str] | None:
        """A phrase whose pinyin is the end of the Chinese before a Latin run, the run, and the start
        of the Chinese after it (低bao → 低保). Returns (characters taken before, after, phrase)."""
        if parse_pinyin(run) is None or not (before or after):
            return None
        tail = self._analyse(before).syllables if before else []
        head = self._analyse(after).syllables if after else []
        for taken_before in range(min(3, len(tail)), -1, -1):
            for taken_after in range(min(3, len(head)), -1, -1):
                if not taken_before and not taken_after:
                    continue
                key = "".join(tail[len(tail) - taken_before :]) + run + "".join(head[:taken_after])
                texts = self.by_pinyin.get(key)
                if texts:
                    best = self._rank_phrases(texts, 1)
                    if best:
                        return taken_before, taken_after, best[0].text
        return None

    def _unknown(self, token: str) -> bool:
        if token in STOP_WORDS:
            return False
        return len(token) == 1 or (token not in self.vocabulary and token not in self.synonyms)

    def _correct(self, run: str) -> tuple[str, list[tuple[int, int, str]]]:
        """Replace spans the catalogue never uses by phrases that sound the same (身分证 → 身份证),
        or nearly (one character off). Returns the corrected run and the corrected spans in it."""
        if len(run) < 2:
            return run, []
        analysis = self._analyse(run)
        tokens, edges = analysis.tokens, analysis.boundaries()
        unknown = [self._unknown(t) for t in tokens]
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
                    if j - i < 2 or not any(unknown[a:b]) or span in self.vocabulary or span in self.synonyms:
                        continue
                    fixed = self._homophone(analysis, i, j)
                    if fixed is None and (b == a + 1 or (a == 0 and b == len(tokens) and j - i <= 6)):
                        fixed = self._near(analysis, i, j)
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

    @staticmethod
    def _close(span: str, fixed: str) -> bool:
        # A typo keeps most characters: 户口签移 → 户口迁移, not 户籍 → 互济.
        differ = sum(1 for x, y in zip(span, fixed, strict=True) if x != y)
        return differ <= max(1, len(span) // 2)

    def _homophone(self, analysis: RunAnalysis, i: int, j: int) -> str | None:
        texts = self.by_pinyin.get("".join(analysis.syllables[i:j]))
        if not texts:
            return None
        span = analysis.text[i:j]
        ranked = self._rank_phrases((t for t in texts if len(t) == j - i and self._close(span, t)), 1)
        return ranked[0].text if ranked else None

    def _near(self, analysis: RunAnalysis, i: int, j: int) -> str | None:
        """A near homophone or one wrong character (身仿证 → 身份证): rapidfuzz on the pinyin."""
        if j - i < 3:
            return None
        key = "".join(analysis.syllables[i:j])
        choices = self.pinyin_keys_by_len.get(j - i)
        if not choices:
            return None
        span = analysis.text[i:j]
        for match, _score, _ in process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=86, limit=3):
            candidates = (
                t
                for t in self.by_pinyin[match]
                if len(t) == j - i and sum(x != y for x, y in zip(t, span, strict=True)) == 1
            )
            ranked = self._rank_phrases(candidates, 1)
            if ranked:
                return ranked[0].text
        return None

    def analyse(self, raw: str) -> Analysis:
        query = normalise(raw)[:MAX_QUERY_CHARS]
        terms: list[QueryTerm] = []
        latin: list[str] = []
        notes: list[str] = []
        # 1. Latin runs → Chinese, Chinese runs → corrected. `origins` remembers which spans of the
        #    working text came from pinyin or a correction, to weigh and explain their terms.
        origins: list[tuple[int, int, str, float, int]] = []
        choices = itertools.count(1)
        # Per Latin run: its span in the working text, its pieces (choice, alternatives, label, span),
        # and its syllables when it is pinyin.
        latin_pieces: list[
            tuple[int, int, list[tuple[int, list[tuple[_Phrase, float]], str, int, int]], list[str] | None]
        ] = []
        parts: list[str] = []
        pos, previous_end, skip = 0, -1, 0
        query_runs = list(runs(query))
        for index, (start, end, run) in enumerate(query_runs):
            if parts and start != previous_end:
                parts.append(" ")
                pos += 1
            previous_end = end
            run, skip = run[skip:], 0
            if not run:
                continue
            if run.isascii() and run.isalpha():
                latin.append(run)
                before = query_runs[index - 1] if index else None
                after = query_runs[index + 1] if index + 1 < len(query_runs) else None
                # Pinyin finishing or starting a Chinese word: 低bao → 低保, shebao卡 → 社保卡.
                joined = self._join_pinyin(
                    before[2] if before and before[1] == start and is_cjk(before[2]) and parts else "",
                    run,
                    after[2] if after and after[0] == end and is_cjk(after[2]) else "",
                )
                if joined is not None:
                    taken_before, taken_after, text = joined
                    if taken_before:
                        parts[-1] = parts[-1][:-taken_before]
                        pos -= taken_before
                    typed = (before[2][-taken_before:] if before and taken_before else "") + run
                    typed += after[2][:taken_after] if after else ""
                    origins.append((pos, pos + len(text), f"拼音 {typed}→{text}", W_PINYIN, 0))
                    parts.append(text)
                    pos += len(text)
                    skip = taken_after
                    continue
                pieces = []
                begin = pos
                for alternatives, label in self._resolve_latin(run):
                    choice = next(choices)
                    phrase, weight = alternatives[0]
                    origins.append((pos, pos + len(phrase.text), f"{label}→{phrase.text}", weight, choice))
                    pieces.append((choice, alternatives, label, pos, pos + len(phrase.text)))
                    parts.append(phrase.text)
                    pos += len(phrase.text)
                if pos == begin:
                    parts.append(run)
                    pos += len(run)
                latin_pieces.append((begin, pos, pieces, parse_pinyin(run)))
            elif is_cjk(run):
                fixed, fixes = self._correct(run)
                for i, j, note in fixes:
                    origins.append((pos + i, pos + j, note, W_CORRECTED, 0))
                    notes.append(note)
                parts.append(fixed)
                pos += len(fixed)
            else:
                parts.append(run)
                pos += len(run)
        working = "".join(parts)

        # 2. Concepts: the words of the working text that are not filler.
        concept_spans: list[tuple[int, int]] = []
        chunks: list[tuple[int, str]] = []  # (start, text) of runs of non-filler words
        analyses: dict[int, RunAnalysis] = {}
        for start, _end, run in runs(working):
            if not is_cjk(run):
                concept_spans.append((start, start + len(run)))
                chunks.append((start, run))
                continue
            analysis = self._analyse(run)
            analyses[start] = analysis
            offset, chunk_start, chunk = start, start, ""
            for token in analysis.tokens:
                if token in STOP_WORDS:
                    if chunk:
                        chunks.append((chunk_start, chunk))
                    chunk = ""
                else:
                    if not chunk:
                        chunk_start = offset
                    chunk += token
                    concept_spans.append((offset, offset + len(token)))
                offset += len(token)
            if chunk:
                chunks.append((chunk_start, chunk))

        def analyses_of(chunk: str) -> list[str]:
            return self._analyse(chunk).tokens

        def concepts_of(i: int, j: int) -> int:
            mask = 0
            for k, (a, b) in enumerate(concept_spans):
                if a < j and i < b:
                    mask |= 1 << k
            return mask

        def origin_of(i: int, j: int) -> tuple[str, float, int] | None:
            for a, b, why, weight, choice in origins:
                if a < j and i < b:
                    return why, weight, choice
            return None

        def add_text(
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
        ) -> None:
            """Terms of `text`, which sits at `start` in the working text (when `concepts` is None)."""

            def emit(ns: str, term: str, i: int, j: int, factor: float) -> None:
                w, reason, group = weight, why, choice
                if concepts is None:
                    found = origin_of(i, j)
                    if found is not None:
                        reason, w, group = found[0], min(weight, found[1]), found[2]
                    c = concepts_of(i, j)
                else:
                    c = concepts
                terms.append(QueryTerm(ns, term, w * factor, c, reason, group, alt if group == choice else 0))

            for offset, _, run in runs(text):
                base = start + offset
                if not is_cjk(run):
                    emit("w", run, base, base + len(run), 1.0)
                    continue
                analysis = self._analyse(run)
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
                char_bigrams = self.postings["b"]
                for k, bigram in enumerate(analysis.bigrams()):
                    emit("b", bigram, base + k, base + k + 2, W_BIGRAM)
                if pinyin:
                    for k, (bigram, chars) in enumerate(
                        zip(analysis.pinyin_bigrams(), analysis.bigrams(), strict=True)
                    ):
                        if chars not in char_bigrams:
                            emit("p", bigram, base + k, base + k + 2, W_PINYIN_BIGRAM)

        # 3. What the citizen typed (resolved and corrected), without filler words; a word the
        #    catalogue never uses may be an abbreviation of one it does (渔船 → 渔业船舶).
        for start, chunk in chunks:
            add_text(chunk, start, W_WORD, None)
            if not is_cjk(chunk):
                continue
            offset = start
            for token in analyses_of(chunk):
                if 2 <= len(token) <= 3 and self._unknown(token) and token in self.abbreviations:
                    concepts = concepts_of(offset, offset + len(token))
                    choice = next(choices)
                    ranked = self._rank_phrases(self.abbreviations[token], 3)
                    for alt, phrase in enumerate(ranked):
                        why = f"缩写：{token}→{phrase.text}"
                        add_text(
                            phrase.text, offset, W_ABBREVIATION, why,
                            concepts=concepts, pinyin=False, bigrams=False, choice=choice, alt=alt,
                        )  # fmt: skip
                offset += len(token)
        if notes:
            # The uncorrected words still count a little, in case the "typo" was meant.
            for _, _, run in runs(query):
                if is_cjk(run):
                    add_text(run, 0, 0.5, None, concepts=0, pinyin=False)

        # 4. The other readings of each Latin run.
        for start, end, pieces, syllables in latin_pieces:
            for choice, alternatives, label, piece_start, piece_end in pieces:
                concepts = concepts_of(piece_start, piece_end)
                for alt, (phrase, weight) in enumerate(alternatives):
                    why = f"{label}→{phrase.text}"
                    if alt:  # the first reading is in the working text already
                        add_text(
                            phrase.text, piece_start, weight, why,
                            concepts=concepts, pinyin=False, bigrams=False, choice=choice, alt=alt,
                        )  # fmt: skip
                    # A reading that is a colloquial phrase brings its synonym's terms, within the
                    # same alternative (sbk → 社保卡 → 社会保障卡).
                    for value in self.synonyms.get(phrase.text, ()):
                        synonym_why = f"{why}（{value}）"
                        add_text(
                            value, piece_start, weight * W_SYNONYM, synonym_why,
                            concepts=concepts, pinyin=False, bigrams=False, choice=choice, alt=alt,
                        )  # fmt: skip
            if syllables and len(syllables) >= 2:
                concepts = concepts_of(start, end)
                for k in range(len(syllables) - 1):
                    bigram = f"{syllables[k]} {syllables[k + 1]}"
                    terms.append(QueryTerm("p", bigram, W_PINYIN_BIGRAM_LATIN, concepts, None))

        # 5. Synonyms, matched in the working text (and in the query as typed, before corrections).
        #    A synonym's terms describe the phrase together (换身份证 → 居民身份证 换领): they add up.
        latin_spans = [(start, end) for start, end, pieces, _ in latin_pieces if pieces]
        for text in dict.fromkeys((working, query)):
            in_working = text == working
            for i, j, said in self._synonym_matches(text, analyses if in_working else None):
                if in_working and any(a <= i and j <= b for a, b in latin_spans):
                    continue  # a reading of a Latin run: expanded with its alternative above
                concepts = concepts_of(i, j) if in_working else 0
                # A one-character word (开, 卖) says less than a phrase: half the weight.
                weight = W_SYNONYM if j - i > 1 else W_SYNONYM / 2
                for value in self.synonyms[said]:
                    why = f"同义词：{said}→{value}"
                    add_text(value, i, weight, why, concepts=concepts, pinyin=False, bigrams=False)

        cleaned = "".join(chunk for _, chunk in chunks)
        return Analysis(query, working, cleaned, latin, _merge(terms), len(concept_spans), notes)

    def _synonym_matches(
        self, text: str, analyses: dict[int, RunAnalysis] | None
    ) -> Iterator[tuple[int, int, str]]:
        if not self.synonyms:
            return
        single_tokens: set[tuple[int, str]] = set()
        for start, _, run in runs(text):
            if not is_cjk(run):
                continue
            analysis = (analyses or {}).get(start) or self._analyse(run)
            pos = start
            for token in analysis.tokens:
                if len(token) == 1:
                    single_tokens.add((pos, token))
                pos += len(token)
        n = len(text)
        for i in range(n):
            for j in range(i + 1, min(n, i + self.max_synonym) + 1):
                piece = text[i:j]
                if piece not in self.synonyms:
                    continue
                # A one-character phrase (卖, 狗) must be a word on its own, not part of one.
                if len(piece) == 1 and (i, piece) not in single_tokens:
                    continue
                yield i, j, piece

    # -- ranking -----------------------------------------------------------------------------------

    def search(
        self,
        raw: str,
        *,
        limit: int = 10,
        department_id: int | None = None,
        proxy_only: bool = False,
        include_offline: bool = False,
    ) -> list[SearchHit]:
        online, proxy, items = self.online, self.proxy, self.items

        def allowed(doc: int) -> bool:
            return (
                (include_offline or online[doc])
                and (not proxy_only or proxy[doc])
                and (department_id is None or items[doc].department_id == department_id)
            )

        by_code = self.codes.get(normalise(raw))
        if by_code is not None and allowed(by_code):
            return [self._hit(by_code, 100.0, ["实施编码一致"])]
        analysis = self.analyse(raw)
        scores: dict[int, float] = {}
        masks: dict[int, int] = {}
        used: list[tuple[QueryTerm, tuple[array[int], array[float]]]] = []
        matchable = 0  # concepts that some item matches: a word no item uses counts against none
        alternatives: dict[int, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
        mget = masks.get
        for term in analysis.terms:
            posting = self.postings[term.ns].get(term.text)
            if posting is None:
                continue
            used.append((term, posting))
            weight, docs, values = term.weight, posting[0], posting[1]
            target = alternatives[term.choice][term.alt] if term.choice else scores
            get = target.get
            for doc, value in zip(docs, values, strict=True):
                target[doc] = get(doc, 0.0) + value * weight
            if term.ns == "w" and term.concepts:
                bits = term.concepts
                matchable |= bits
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
        fallback: list[str] = []
        if not scores:
            # Not one word in common: fall back on the characters the names share with the query.
            # Two characters in common at least (one, for a one-character query): a single shared
            # 民 or 证 is a coincidence, not a match.
            fallback = sorted({ch for ch in analysis.cleaned if ch in self.char_idf})
            shared: Counter[int] = Counter()
            for ch in fallback:
                idf = self.char_idf[ch]
                for doc in self.char_docs[ch]:
                    scores[doc] = scores.get(doc, 0.0) + idf
                    shared[doc] += 1
            needed = min(2, len(fallback))
            scores = {doc: score for doc, score in scores.items() if shared[doc] >= needed}
            if not scores:
                return []
        candidates: Iterable[tuple[int, float]] = scores.items()
        if not include_offline or proxy_only or department_id is not None:
            candidates = ((doc, score) for doc, score in candidates if allowed(doc))
        wanted = matchable.bit_count()
        pool: list[tuple[float, int]] = []
        for doc, score in heapq.nlargest(max(50, limit * 3), candidates, key=lambda kv: kv[1]):
            if wanted:
                coverage = (mget(doc, 0) & matchable).bit_count() / wanted
                score *= 0.3 + 0.7 * coverage * coverage
            boost, _ = self._name_boost(doc, analysis)
            usage = items[doc].usage_count
            if usage:
                score *= 1 + 0.08 * math.log1p(usage)
            pool.append((score * boost, doc))
        pool.sort(key=lambda r: (-r[0], len(items[r[1]].name), r[1]))
        return [
            self._hit(
                doc,
                score,
                self._explain(doc, analysis, used) if not fallback else self._explain_chars(doc, fallback),
            )
            for score, doc in pool[:limit]
        ]

    def _hit(self, doc: int, score: float, why: list[str]) -> SearchHit:
        item = self.items[doc]
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

    def _name_boost(self, doc: int, analysis: Analysis) -> tuple[float, str | None]:
        name = self.names[doc]
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
                self.name_letters[doc].startswith(run)
                or (len(run) >= 4 and self.name_pinyin[doc].startswith(run))
            ):
                return 1.25, None
        return 1.0, None

    def _explain(
        self, doc: int, analysis: Analysis, used: list[tuple[QueryTerm, tuple[array[int], array[float]]]]
    ) -> list[str]:
        """At most three short reasons: a name match, how the query was read (pinyin, correction,
        synonym), then where the words were found, the most telling first."""
        item = self.items[doc]
        name, group = self.names[doc], normalise(item.group)
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
        _, boost_why = self._name_boost(doc, analysis)
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

    def _explain_chars(self, doc: int, chars: list[str]) -> list[str]:
        shared = [ch for ch in chars if ch in self.names[doc]]
        return ["名称含有相同的字：" + "、".join(shared)]

    def suggest(self, prefix: str, *, limit: int = 8, include_offline: bool = False) -> list[SearchHit]:
        return self.search(prefix, limit=limit, include_offline=include_offline)


def _typed_part(text: str, typed: str) -> str:
    """The characters of `text` whose pinyin the Latin input `typed` covers (shenfenzh → 身份证)."""
    length = 0
    for k, ch in enumerate(text):
        length += len(token_pinyin(ch)[0][0]) if is_cjk(ch) else 1
        if length >= len(typed):
            return text[: k + 1]
    return text


def _merge(terms: list[QueryTerm]) -> list[QueryTerm]:
    """One term per (namespace, text, choice, alternative): the highest weight, the union of concepts."""
    merged: dict[tuple[str, str, int, int], QueryTerm] = {}
    for term in terms:
        key = (term.ns, term.text, term.choice, term.alt)
        seen = merged.get(key)
        if seen is None:
            merged[key] = QueryTerm(
                term.ns, term.text, term.weight, term.concepts, term.why, term.choice, term.alt
            )
            continue
        seen.concepts = seen.concepts | term.concepts
        if term.weight > seen.weight:
            seen.weight = term.weight
            seen.why = term.why or seen.why
        elif seen.why is None and term.why is not None and term.weight >= seen.weight:
            seen.why = term.why
    return list(merged.values())


# --- Default synonyms -----------------------------------------------------------------------------

# How people say it → the words government catalogues use. General vocabulary of Chinese government
# services, not tied to any one catalogue; administrators edit the table (Synonym) from here on.
DEFAULT_SYNONYMS: tuple[tuple[str, str], ...] = (
    # Identity, household registration, travel documents
    ("身份证", "居民身份证"),
    ("换身份证", "居民身份证 换领 身份证办理"),
    ("办身份证", "居民身份证 身份证办理"),
    ("补身份证", "居民身份证 补领 挂失"),
    ("临时身份证", "临时居民身份证 临时身份证明"),
    ("户口本", "居民户口簿 户口"),
    ("户口簿", "居民户口簿 户口"),
    ("户籍", "户口 户籍"),
    ("迁户口", "户口迁移"),
    ("落户", "户口迁移 户口登记 落户"),
    ("上户口", "户口登记 出生登记"),
    ("报户口", "户口登记 出生登记"),
    ("销户口", "户口注销"),
    ("迁回", "迁移 迁入"),
    ("迁出", "迁移 迁出"),
    ("改名", "变更 更正"),
    ("改名字", "变更 更正"),
    ("暂住证", "居住证 居住登记"),
    ("护照", "普通护照 出入境"),
    ("港澳通行证", "往来港澳通行证 出入境"),
    ("台湾通行证", "往来台湾通行证 出入境"),
    ("签注", "出入境 签注"),
    ("良民证", "无犯罪记录证明"),
    ("无犯罪证明", "无犯罪记录证明"),
    ("无犯罪", "无犯罪记录证明"),
    ("驾照", "机动车驾驶证"),
    ("驾驶证", "机动车驾驶证"),
    ("行驶证", "机动车行驶证"),
    ("车牌", "机动车号牌 机动车登记"),
    ("上牌", "机动车注册登记 号牌"),
    ("年检", "年度审验 检验"),
    # Social insurance, pensions, jobs
    ("社保", "社会保险 社会保障"),
    ("社保卡", "社会保障卡"),
    ("交社保", "社会保险 参保登记 缴费"),
    ("断缴", "断缴 补缴"),
    ("医保", "医疗保险 医疗保障 基本医疗保险"),
    ("医保卡", "社会保障卡 医保电子凭证"),
    ("新农合", "城乡居民基本医疗保险"),
    ("农村医保", "城乡居民基本医疗保险"),
    ("农村养老保险", "城乡居民基本养老保险"),
    ("新农保", "城乡居民基本养老保险"),
    ("农保", "城乡居民基本养老保险"),
    ("职工养老保险", "企业职工基本养老保险"),
    ("养老金", "养老保险 待遇"),
    ("取钱", "支取 提取 领取"),
    ("退休金", "养老保险 待遇 退休"),
    ("退休", "退休 退休申请"),
    ("领养老金", "养老保险 待遇 领取"),
    ("生存认证", "待遇领取资格认证"),
    ("失业金", "失业保险金"),
    ("失业补助", "失业保险金"),
    ("找工作", "就业 职业介绍 求职"),
    ("工伤", "工伤保险 工伤认定"),
    ("报销", "报销 费用"),
    ("异地就医", "异地就医 异地 备案 转诊"),
    ("外地", "异地"),
    ("外地养老", "异地安置"),
    ("生孩子", "生育 出生"),
    ("生育险", "生育保险 生育津贴"),
    ("调档案", "档案转出 档案 转递"),
    ("调档", "档案转出 档案 转递"),
    ("档案", "档案 人事档案"),
    ("转移", "转移 转移接续 迁移"),
    ("转到", "转移 转移接续"),
    ("转过去", "转移 转移接续"),
    ("转回", "转移 转移接续"),
    # Housing fund, property, utilities
    ("公积金", "住房公积金"),
    ("提公积金", "住房公积金 提取"),
    ("取公积金", "住房公积金 提取"),
    ("公积金贷款", "住房公积金 个人住房贷款"),
    ("房产证", "不动产权证书 不动产登记"),
    ("房本", "不动产权证书 不动产登记"),
    ("房子", "房屋 住房 不动产"),
    ("买房", "不动产 转移登记 商品房"),
    ("卖房", "不动产 转移登记"),
    ("过户", "转移登记 过户"),
    ("公租房", "公共租赁住房"),
    ("廉租房", "公共租赁住房 住房保障"),
    ("租房补贴", "住房保障 租赁补贴"),
    ("盖房子", "农村村民住宅 宅基地 乡村建设规划许可"),
    ("建房", "农村村民住宅 宅基地 乡村建设规划许可"),
    ("燃气", "燃气 供气 报装"),
    ("天然气", "燃气 供气 报装"),
    ("煤气", "燃气 供气"),
    ("自来水", "供水 用水 报装"),
    ("用电", "供电 用电 报装"),
    ("通电", "供电 报装"),
    # Family, civil affairs, disability
    ("结婚", "结婚登记 婚姻登记"),
    ("结婚证", "结婚登记 结婚证 婚姻登记"),
    ("领证", "结婚登记 婚姻登记"),
    ("离婚", "离婚登记 婚姻登记"),
    ("离婚证", "离婚登记 婚姻登记"),
    ("收养", "收养登记 收养子女"),
    ("出生证", "出生医学证明"),
    ("出生证明", "出生医学证明"),
    ("准生证", "生育登记 生育服务"),
    ("打疫苗", "预防接种"),
    ("疫苗本", "预防接种证"),
    ("低保", "最低生活保障"),
    ("五保", "特困人员 救助供养"),
    ("特困", "特困人员 救助供养"),
    ("困难补助", "救助 临时救助 生活补贴"),
    ("残疾证", "残疾人证"),
    ("残疾补贴", "残疾人 护理补贴 生活补贴"),
    ("高龄补贴", "高龄津贴"),
    ("老年证", "老年人优待证"),
    ("老人", "老年人 高龄"),
    ("养老院", "养老机构"),
    ("丧葬费", "丧葬补助金 抚恤金"),
    ("抚恤金", "抚恤金 遗属待遇"),
    ("退伍", "退役 退役士兵 退役军人"),
    ("当兵", "征兵 入伍 预备役"),
    # Lost, broken, expired, renewed
    ("丢了", "遗失 挂失 补办"),
    ("丢失", "遗失 挂失 补办"),
    ("弄丢", "遗失 挂失 补办"),
    ("掉了", "遗失 挂失 补办"),
    ("不见了", "遗失 挂失 补领"),
    ("补办", "补领 补发 补办 补证"),
    ("坏了", "换领 换发 补换"),
    ("过期", "换证 换领 换发 延续 期满"),
    ("到期", "换证 延续 期满"),
    ("换证", "换证 换领 换发"),
    ("续期", "延续 换证"),
    # Education, health, professions
    ("上学", "入学 义务教育"),
    ("上小学", "入学 义务教育"),
    ("上初中", "入学 义务教育"),
    ("上幼儿园", "入学 学前教育"),
    ("入学", "入学 义务教育"),
    ("转学", "学籍异动 转学 学籍"),
    ("学籍", "学籍 学籍异动"),
    ("助学金", "国家助学金 资助"),
    ("教师证", "教师资格证书 教师资格"),
    ("教师资格证", "教师资格证书 教师资格"),
    ("医生证", "医师执业证书 医师执业"),
    ("医师证", "医师执业证书 医师执业"),
    ("护士证", "护士执业证书 护士执业"),
    ("健康证", "从业人员 预防性体检 健康检查 合格证"),
    ("诊所", "诊所 医疗机构 执业"),
    ("药店", "药品零售 零售药店"),
    # Business, tax, trade
    ("营业执照", "营业执照 设立登记 证照"),
    ("执照", "营业执照 证照"),
    ("开公司", "公司设立登记 公司 设立"),
    ("注册公司", "公司设立登记 公司 设立"),
    ("公司注册", "公司设立登记 公司 设立"),
    ("注册", "注册 设立登记"),
    ("办公司", "公司设立登记 公司 设立"),
    ("公司改名", "公司 变更登记"),
    ("注销公司", "公司注销登记"),
    ("个体户", "个体工商户"),
    ("开店", "个体工商户 设立登记 经营许可"),
    ("小卖部", "食品 经营 个体工商户"),
    ("饭馆", "餐饮 食品经营 小经营店"),
    ("饭店", "餐饮 食品经营 小经营店"),
    ("餐馆", "餐饮 食品经营 小经营店"),
    ("小吃店", "餐饮 食品经营 小经营店"),
    ("食品许可证", "食品经营许可"),
    ("卫生许可证", "卫生许可"),
    ("烟草证", "烟草专卖零售许可证"),
    ("卖烟", "烟草专卖零售许可证"),
    ("酒类", "酒类 经营"),
    ("发票", "发票 领用 代开"),
    ("开发票", "代开发票 发票"),
    ("报税", "纳税申报 申报"),
    ("交税", "纳税 缴纳 申报"),
    ("完税证明", "税收完税证明 完税"),
    ("纳税证明", "纳税记录 完税证明"),
    ("退税", "退税 退抵税"),
    ("商会", "社会团体"),
    ("协会", "社会团体"),
    ("社团", "社会团体"),
    ("民办学校", "民办 办学许可"),
    ("培训机构", "民办学校 培训 办学许可"),
    ("网吧", "互联网上网服务营业场所"),
    ("ktv", "歌舞娱乐场所 娱乐经营"),
    ("歌厅", "歌舞娱乐场所 娱乐经营"),
    ("演出", "营业性演出"),
    ("旅馆", "旅馆业 特种行业"),
    ("宾馆", "旅馆业 特种行业"),
    ("刻章", "公章刻制"),
    ("招牌", "户外招牌 户外广告 设置"),
    ("广告牌", "户外广告 设置"),
    ("出租车", "出租汽车 巡游出租汽车"),
    ("网约车", "网络预约出租汽车"),
    ("货车", "货物运输 道路运输证"),
    ("驾校", "机动车驾驶员培训"),
    ("修车", "机动车维修"),
    ("环评", "环境影响评价 环境影响报告"),
    ("排污", "排污许可 排污口 污水"),
    ("施工许可", "施工许可证 施工许可"),
    ("消防", "消防 消防安全"),
    ("挖路", "挖掘城市道路 占用"),
    ("占道", "占用 占道 道路"),
    # Land, farming, animals
    ("宅基地", "宅基地 农村村民住宅"),
    ("土地证", "不动产权证书 土地"),
    ("纠纷", "纠纷 争议 调解 裁决 仲裁"),
    ("打官司", "法律援助 诉讼"),
    ("请律师", "法律援助 律师"),
    ("砍树", "林木采伐"),
    ("伐木", "林木采伐"),
    ("捕鱼", "渔业捕捞 捕捞"),
    ("钓鱼", "渔业 捕捞"),
    ("养鱼", "水域滩涂养殖 水产"),
    ("打猎", "猎捕 狩猎"),
    ("养狗", "犬类 养犬 准养"),
    ("狗狗", "犬类 养犬"),
    ("犬只", "犬类 养犬"),
    ("狗证", "犬类准养证 养犬"),
    ("养猪", "畜禽养殖 生猪"),
    ("养蜂", "养蜂证"),
    ("拖拉机", "拖拉机 联合收割机 农业机械"),
    ("农机", "农业机械 拖拉机 联合收割机"),
    ("种子", "种子 种子生产经营"),
    # One-character words (matched only as whole words)
    ("卖", "销售 经营"),
    ("开", "开办 设立 开具 新办"),
    ("改", "变更 修改"),
    ("换", "换领 换发 更换"),
    ("补", "补领 补发 补办"),
    ("查", "查询"),
    ("狗", "犬类 养犬"),
    ("车", "机动车 车辆"),
    ("费", "费用"),
)


def default_synonyms() -> list[tuple[str, str]]:
    """The general synonym list as (phrase, terms) pairs, for the demo loader and new installations."""
    return list(DEFAULT_SYNONYMS)


def seed_default_synonyms() -> int:
    """Create the default synonyms that do not exist yet (an administrator's edits are kept).
    Returns how many were created."""
    from shanghui.catalog.models import Synonym

    existing = set(Synonym.objects.values_list("phrase", flat=True))
    rows = [Synonym(phrase=p, terms=t) for p, t in DEFAULT_SYNONYMS if p not in existing]
    Synonym.objects.bulk_create(rows, ignore_conflicts=True)
    invalidate()
    return len(rows)


# --- The index of this process ------------------------------------------------------------------

_index: SearchIndex | None = None
_checked_at = 0.0
_dirty = True
_build_lock = threading.Lock()


def catalogue_stamp() -> tuple[Any, ...]:
    """What changes whenever the indexed catalogue does, in one cheap query: counts and the latest
    change of items and synonyms, the count and highest id of materials, the latest department change."""
    from django.db import connection

    from shanghui.catalog.models import Material, ServiceItem, Synonym
    from shanghui.orgs.models import Organisation

    q = connection.ops.quote_name
    item, synonym = q(ServiceItem._meta.db_table), q(Synonym._meta.db_table)
    material, org = q(Material._meta.db_table), q(Organisation._meta.db_table)
    # Only our models' quoted table names go into the text; the one value is a parameter.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {item}), (SELECT MAX({q('updated_at')}) FROM {item}), "  # noqa: S608
        f"(SELECT COUNT(*) FROM {synonym}), (SELECT MAX({q('updated_at')}) FROM {synonym}), "
        f"(SELECT COUNT(*) FROM {material}), (SELECT MAX({q('id')}) FROM {material}), "
        f"(SELECT MAX({q('updated_at')}) FROM {org} WHERE {q('kind')} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ["department"])
        row = cursor.fetchone()
    return tuple(row) if row else ()


def load_items() -> list[IndexedItem]:
    from shanghui.catalog.models import Material, ServiceItem

    materials: dict[int, list[str]] = defaultdict(list)
    for item_id, name in Material.objects.order_by("item_id", "position", "id").values_list(
        "item_id", "name"
    ):
        materials[item_id].append(name)
    rows = ServiceItem.objects.order_by("id").values_list(
        "id", "code", "name", "item_type", "department_id", "department__name", "group_name",
        "description", "usage_count", "is_online", "proxy_eligible",
    )  # fmt: skip
    return [
        IndexedItem(
            id=pk,
            code=code,
            name=name,
            item_type=item_type,
            department_id=dept_id,
            department=dept,
            group=group,
            description=description,
            materials=tuple(materials.get(pk, ())),
            usage_count=usage,
            is_online=online,
            proxy_eligible=proxy,
        )  # fmt: skip
        for pk, code, name, item_type, dept_id, dept, group, description, usage, online, proxy in rows
    ]


def load_synonyms() -> list[tuple[str, str]]:
    from shanghui.catalog.models import Synonym

    return list(Synonym.objects.filter(is_active=True).values_list("phrase", "terms"))


def build_index() -> SearchIndex:
    # The stamp is read before the data: a change committed in between triggers another rebuild.
    stamp = catalogue_stamp()
    index = SearchIndex(load_items(), load_synonyms(), stamp=stamp)
    logger.info("catalogue search index: %d items in %.2fs", len(index.items), index.build_seconds)
    return index


def get_index() -> SearchIndex:
    """The current index, rebuilt when the catalogue changed. While one thread rebuilds, the others
    keep answering from the previous index; only the very first build makes them wait."""
    global _index, _checked_at, _dirty
    index = _index
    if index is not None and not _dirty and time.monotonic() - _checked_at < STAMP_INTERVAL:
        return index
    if not _build_lock.acquire(blocking=index is None):
        return index  # type: ignore[return-value]  # not None: a non-blocking acquire only happens then
    try:
        index = _index
        if index is not None and not _dirty and time.monotonic() - _checked_at < STAMP_INTERVAL:
            return index
        forced = _dirty
        _dirty = False  # before reading: a change made during the build marks it dirty again
        try:
            if index is None or forced or catalogue_stamp() != index.stamp:
                index = _index = build_index()
        except Exception:
            if index is None:
                raise
            # Keep answering from the previous catalogue; try again after the interval.
            logger.exception("catalogue search: rebuilding the index failed, the previous one stays")
            _dirty = _dirty or forced
        _checked_at = time.monotonic()
        return index
    finally:
        _build_lock.release()


def invalidate(**_: Any) -> None:
    """Rebuild before the next search (a change made in this process)."""
    global _dirty
    _dirty = True


def _changed(sender: Any, instance: Any = None, **_: Any) -> None:
    from django.db import transaction

    from shanghui.orgs.models import OrgKind

    if sender.__name__ == "Organisation" and getattr(instance, "kind", None) != OrgKind.DEPARTMENT:
        return
    invalidate()
    # Again after commit: a search between the save and the commit would have rebuilt from old data.
    transaction.on_commit(invalidate)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from shanghui.catalog.models import Material, ServiceItem, Synonym
    from shanghui.orgs.models import Organisation

    for model in (ServiceItem, Material, Synonym, Organisation):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-search-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-search-{model.__name__}-delete")


def search(
    query: str,
    *,
    limit: int = 10,
    department_id: int | None = None,
    proxy_only: bool = False,
    include_offline: bool = False,
) -> list[SearchHit]:
    """Ranked items for what a citizen typed. Offline items only for staff (`include_offline`)."""
    if not normalise(query):
        return []
    return get_index().search(
        query,
        limit=limit,
        department_id=department_id,
        proxy_only=proxy_only,
        include_offline=include_offline,
    )


def suggest(prefix: str, limit: int = 8, *, include_offline: bool = False) -> list[SearchHit]:
    """Suggestions while typing: the same search, fewer results."""
    return search(prefix, limit=limit, include_offline=include_offline)
