"""Catalogue search: the one search used by the citizen pages, the staff pages and the API.

Citizens do not type official item names. They type 换身份证, sfz, shebao转移, 身分证 or
身份证丢了怎么办. A query goes through these steps (`analyse.analyse`):

1. **Normalise**: NFKC (full-width letters and brackets become ASCII), lower case (`text`); pinyin
   typed with spaces (ju min shen fen zheng) becomes one run (juminshenfenzheng).
2. **Latin runs** are read as pinyin. A run that parses as syllables (shenfenzheng, shebao) is
   matched against the full pinyin of the catalogue's phrases; anything else (sfz, sbk, wfzjl) against
   their first letters, exactly, as a prefix, or split into several phrases (`phrases`). The best
   phrase replaces the run in the working text, so the later steps (synonyms, segmentation) see Chinese.
3. **Typos**: a span of the Chinese text that the catalogue never uses but that sounds like a phrase
   it does use is corrected (身分证→身份证, 户口签移→户口迁移); near homophones and one wrong
   character are caught by rapidfuzz on the pinyin.
4. **Synonyms** (the editable `Synonym` table, phrase → terms) found anywhere in the text add their
   terms (换身份证 → 居民身份证 换领).
5. **Segmentation** with jieba, whose dictionary holds the catalogue's own terms (`segment`). Question
   and filler words (怎么办, 如何, 我要 …) are dropped. Every dictionary word inside what is left becomes
   a query term, with character bigrams and pinyin-syllable bigrams as weaker terms. A word the catalogue
   never uses may be an abbreviation of a phrase it does use (渔船 → 渔业船舶, 年审 → 年度审验).
   If nothing at all matches, items sharing at least two characters with the query are offered.

Ranking (`rank`) is BM25F: one precomputed score per (term, item) over the item's name (weighted
highest; with the words that only exist once its bracketed inserts are left out, as citizens leave them
out: 居民身份证(含临时)办理 is found by 居民身份证办理), its group (主项), materials, description and
department (`index`), so a query is a sum over a few posting lists. The sum is then scaled by how many
of the query's concepts the item covers, boosted for exact, prefix and substring name matches and for
items citizens use often (log-damped usage_count), and lowered a little for items no proxy point can
take. Each hit carries a short Chinese explanation of why it matched. Every ranking constant is in
`weights`.

Only real matches are answered (`find`): a word of the query in the item's name, group or materials
(or typed in its description). When only weak signals matched (a synonym's word in a department's
name, single characters, sounds, shared characters), the search says nothing matches and offers the
closest groups or departments instead (`rank`'s docstring has the rule).

The index lives in memory, one per process, built from the database (`live`). A cheap stamp of the
catalogue (counts and latest change times) is checked at most once a second; signal receivers make
changes made in this process visible at once. A rebuild runs under a lock while other threads keep
using the old index. Nothing here knows any particular query: the catalogue, the synonym table
(seeded from `synonyms`) and general Chinese are the only knowledge.

The parts, each depending only on those before it: text → segment → weights → index → phrases →
analyse → rank → live → synonyms.
"""

from shanghui.catalog.search.analyse import MAX_QUERY_CHARS
from shanghui.catalog.search.index import IndexedItem, SearchIndex
from shanghui.catalog.search.live import connect_signals, find, get_index, invalidate, search, suggest
from shanghui.catalog.search.rank import Closest, Results, SearchHit
from shanghui.catalog.search.synonyms import seed_default_synonyms

__all__ = [
    "MAX_QUERY_CHARS",
    "Closest",
    "IndexedItem",
    "Results",
    "SearchHit",
    "SearchIndex",
    "connect_signals",
    "find",
    "get_index",
    "invalidate",
    "search",
    "seed_default_synonyms",
    "suggest",
]
