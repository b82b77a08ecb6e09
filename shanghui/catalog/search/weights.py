"""The ranking constants in one place: BM25F's field weights (baked into the index when it is built)
and the weights of query terms by where they came from (given to each term when a query is analysed).
Changing one changes results; the search's tests and `bench.catalog_search` say by how much."""

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

# An item no proxy point can take (not proxy-eligible): its score is multiplied by this, so that among
# comparable matches the items a chamber can do for the citizen come first, while a clearly better
# match (an exact name, ×2; a prefix, ×1.35) still leads.
W_NOT_PROXY = 0.8
