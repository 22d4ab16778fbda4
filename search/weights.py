"""The named weights of lexical ranking, with what each was measured at.

Tuned on the dev half of the benchmark queries (``benchmarks.quality --halves``) and
checked on the test half; docs/search.md has the figures.
"""

from __future__ import annotations

#: Weight of a match per field kind (Warehouse-style named boosts). Titles are also in
#: the body, so a title word scores body + title. Measured on the shared corpora (whose
#: titles are Wikipedia article names and news headlines), higher title weights lost
#: MRR: title 3.0 gave kazqad_kk 0.53 / xquad_ru 0.69, 0.3 gave 0.73 / 0.89.
FIELD_BOOSTS: dict[str, float] = {"title": 0.3, "keywords": 1.5, "body": 1.0}
#: BM25F parameters: Whoosh's defaults, less length normalisation for short titles.
BM25_K1 = 1.2
BM25_B = 0.75
BM25_TITLE_B = 0.3
#: Per-language ``(K1, B)`` for the body and keyword fields. Russian lemmas are less
#: repetitive than Kazakh stems; tuned on the dev half of the benchmark queries (xquad_ru
#: 0.919 MRR with 0.9/0.6, 0.933 with 0.6/0.5, 0.938 with 0.6/0.3, 0.935 with 0.6/0.2;
#: kazqad_kk best with the defaults, lower B lost up to 2.7 points).
BM25_BODY: dict[str, tuple[float, float]] = {"kk": (BM25_K1, BM25_B), "ru": (0.6, 0.3)}
#: Weight of a synonym's alternative terms relative to the word as typed.
SYNONYM_BOOST = 0.9
#: Weight of fuzzy (typo) matches relative to an exact key.
FUZZY_BOOST = 0.6
#: Weight of prefix completions of the word being typed.
PREFIX_BOOST = 0.7
#: Weight of a word's stem key (``search.analysis.filters.STEM_MARK``) per language,
#: relative to its lemma or stem. The stem key is its own alternative (a document takes
#: the better of lemma and stem key, never both). Dev half of the benchmark queries, with
#: the key indexed for every word: kazqad_kk 0.727 → 0.730 MRR (R@10 0.866 → 0.882) with
#: kk 0.5 (0.4: 0.729, 0.6: 0.724); xquad_ru 0.944 → 0.946 with ru 0.35 (0.5: 0.943);
#: adding it to the lemma's score instead of taking the better lost on both.
STEM_BOOST: dict[str, float] = {"kk": 0.5, "ru": 0.35}
#: Hits in the query's language (see :func:`search.language.query_lang`) weigh this
#: much more, the other language's this much less.
LANG_PREFERENCE = 1.5
#: Documents matching all query words score up to (1 + COORD_WEIGHT) times more.
COORD_WEIGHT = 0.5
