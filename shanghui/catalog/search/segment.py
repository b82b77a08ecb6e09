"""Cutting Chinese into words: one jieba tokenizer that knows the catalogue's terms, and the cut of a
run of Chinese characters with the pinyin of each character."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

from shanghui.catalog.search.text import is_cjk, token_pinyin

jieba.setLogLevel(logging.WARNING)


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
    """The one tokenizer of this process (loading jieba's dictionary takes a second)."""
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
    """A run of Chinese characters cut by `seg`, with the pinyin and first letter of each character."""
    spans, tokens = seg.cut(run)
    syllables: list[str] = []
    letters: list[str] = []
    for token in tokens:
        full, first = token_pinyin(token)
        syllables.extend(full)
        letters.extend(first)
    return RunAnalysis(run, spans, tokens, syllables, letters)
