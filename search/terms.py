"""The index terms one query word matches: exact keys, stem keys, typos, completions.

Each word is analysed by both languages' analysers and looked up in
``title_kk, keywords_kk, body_kk, title_ru, keywords_ru, body_ru``; only terms present in
the index are kept (one cached document-frequency lookup), so rare words cost nothing.

- A word's stem key (``_тесл``) is its own alternative, weighted ``STEM_BOOST``; stem keys
  in more than ``STEM_MAX_SHARE`` of the documents are skipped.
- A word of ``MIN_FUZZY_LETTERS`` letters or more that matches nothing (or only through a
  stem key) gets the most frequent index terms within one edit (two from
  ``MIN_FUZZY2_LETTERS``) of its keys and its folded form (:mod:`search.fuzzy`).
- The unfinished last word also matches up to ``MAX_PREFIX_TERMS`` completions.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

from search.analysis.filters import STEM_MARK
from search.fuzzy import NearTerms
from search.keys import fold
from search.keys import is_content_word
from search.keys import stem_keys
from search.keys import word_keys
from search.schema import INDEX_LANGS
from search.schema import TEXT_FIELDS
from search.view import IndexView
from search.weights import FIELD_BOOSTS
from search.weights import FUZZY_BOOST
from search.weights import PREFIX_BOOST
from search.weights import STEM_BOOST

#: Stem keys in more than this share of the documents (and ``STEM_MIN_DOCS``) are not
#: asked for: common ones add little and cost the most to score.
STEM_MAX_SHARE = 0.05
STEM_MIN_DOCS = 200
#: Typo tolerance starts at this many letters (shorter words have too many neighbours).
MIN_FUZZY_LETTERS = 5
#: From this many letters, two edits are tolerated.
MIN_FUZZY2_LETTERS = 9
#: At most this many fuzzy expansions per word (the most frequent are kept).
MAX_FUZZY_TERMS = 6
#: The word being typed completes from this many characters on.
MIN_PREFIX_CHARS = 3
#: At most this many completions per field (the most frequent are kept).
MAX_PREFIX_TERMS = 8
#: Completions looked at per field before choosing (bounds the cost of short prefixes).
MAX_PREFIX_SCAN = 200
#: The fields an unfinished word is completed from.
PREFIX_FIELDS = tuple(f"{kind}_{lang}" for lang in INDEX_LANGS for kind in ("title", "body"))


@dataclass(frozen=True)
class Leaf:
    """One index term of a query word, with its weight.

    :param field: the field name (``body_kk``).
    :param text: the analysed term.
    :param boost: the weight (field boost times synonym/fuzzy/prefix weight).
    :param group: leaves of one group add up (one term in several fields, or the words
        of a multi-word synonym); a word's score is that of its best group, so a word
        with two readings, or a typo near two terms, is not counted twice.
    :param part: which word of a multi-word group the term stands for (a document that
        has only some of the words still scores, but is a partial match: see
        :class:`search.ranking.SlotScores`); -1 for a stop word, which is not required.
    """

    field: str
    text: str
    boost: float
    group: str = ""
    part: int = 0


class TermFinder:
    """Finds the index terms of query words in one view of the index.

    :param view: the index state the query reads.
    :param near_terms: returns the typo index of a language's fields (None while it is
        being built), or None for no typo tolerance.
    """

    def __init__(
        self, view: IndexView, near_terms: Callable[[str], NearTerms | None] | None = None
    ) -> None:
        self.view = view
        self.doc_frequency = view.doc_frequency
        self.near_terms = near_terms
        #: True once a word needed a typo index that was still being built (the plan
        #: then lacks corrections it will have later, so its result is not cached).
        self.typo_index_missing = False
        self._stem_max_docs = max(STEM_MIN_DOCS, STEM_MAX_SHARE * view.doc_count_all())

    def word_leaves(
        self, word: str, typing: bool, boost: float, keys: set[str] | None
    ) -> tuple[list[Leaf], bool]:
        """Terms for one word in every language's fields.

        :param word: the word as typed.
        :param typing: True for the unfinished last word (completions are added).
        :param boost: the word's weight.
        :param keys: receives the analysed keys and expansions (for snippets), or None.
        :returns: the leaves (empty when nothing in the index matches) and whether the
            word had any keys at all (False for stop words).
        """
        leaves: list[Leaf] = []
        had_keys = False
        for lang in INDEX_LANGS:
            lang_keys = word_keys(lang, word)
            had_keys = had_keys or bool(lang_keys)
            if keys is not None:
                keys.update(lang_keys)
            for key in lang_keys:
                leaves.extend(self.field_leaves(lang, key, boost))
        for lang in INDEX_LANGS:
            for key in stem_keys(lang, word):
                # A stem key in many documents adds little (low idf, lower weight) and
                # costs the most to score.
                if self.doc_frequency(f"body_{lang}", key) > self._stem_max_docs:
                    continue
                if keys is not None:
                    keys.add(key)
                leaves.extend(self.field_leaves(lang, key, STEM_BOOST[lang] * boost))
        letters = sum(ch.isalpha() for ch in word)
        # Only a stem key matched (``несудимасти``: a Kazakh keyword's stem): a typo too.
        exact = any(not leaf.text.startswith(STEM_MARK) for leaf in leaves)
        if not exact and had_keys and letters >= MIN_FUZZY_LETTERS:
            leaves.extend(self._fuzzy_leaves(word, letters, boost, keys))
        if typing and len(word) >= MIN_PREFIX_CHARS:
            seen = {leaf.text for leaf in leaves}
            leaves.extend(self._prefix_leaves(word, seen, boost, keys))
        return leaves, had_keys

    def run_leaves(
        self, words: Sequence[str], typing: bool, boost: float, keys: set[str] | None
    ) -> list[Leaf]:
        """Terms for a run of words (a synonym term), each word weighted by its share.

        A multi-word term counts as one word of the query, so its words share the weight;
        a term with a word absent from the index contributes nothing.

        :param words: the run's words.
        :param typing: True when the run ends the query and its last word is unfinished.
        :param boost: the run's weight.
        :param keys: receives the analysed keys and expansions, or None.
        :returns: the leaves (empty when a word of the run is absent).
        """
        out: list[Leaf] = []
        share = boost / max(len(words), 1)
        group = " ".join(words)
        for i, word in enumerate(words):
            leaves, has_keys = self.word_leaves(word, typing and i == len(words) - 1, share, keys)
            if not leaves and has_keys:
                return []
            if len(words) > 1:
                # A stop word of either language (``о`` in ``свидетельство о рождении``)
                # is not one of the words a document must have (part -1).
                part = i if is_content_word(word) else -1
                leaves = [replace(leaf, group=group, part=part) for leaf in leaves]
            out.extend(leaves)
        return out

    def field_leaves(self, lang: str, key: str, boost: float) -> list[Leaf]:
        """One leaf per field of ``lang`` whose documents have ``key``.

        :param lang: the language of the fields.
        :param key: the analysed term.
        :param boost: the weight before the field's boost.
        :returns: the leaves.
        """
        out: list[Leaf] = []
        for kind in TEXT_FIELDS:
            fieldname = f"{kind}_{lang}"
            if self.doc_frequency(fieldname, key):
                out.append(Leaf(fieldname, key, FIELD_BOOSTS[kind] * boost, key))
        return out

    def _fuzzy_leaves(
        self, word: str, letters: int, boost: float, keys: set[str] | None
    ) -> list[Leaf]:
        """Index terms within one edit (two for long words) of the word's keys."""
        if self.near_terms is None:
            return []
        maxdist = 2 if letters >= MIN_FUZZY2_LETTERS else 1
        out: list[Leaf] = []
        for lang in INDEX_LANGS:
            near = self.near_terms(lang)
            if near is None:
                self.typo_index_missing = True
                continue
            found: list[str] = []
            for key in dict.fromkeys((*word_keys(lang, word), fold(word))):
                found.extend(t for t in near.near(key, maxdist, MAX_FUZZY_TERMS) if t not in found)
            for term in found[:MAX_FUZZY_TERMS]:
                if keys is not None:
                    keys.add(term)
                out.extend(self.field_leaves(lang, term, FUZZY_BOOST * boost))
        return out

    def _prefix_leaves(
        self, word: str, exclude: set[str], boost: float, keys: set[str] | None
    ) -> list[Leaf]:
        """Completions of an unfinished word from the index's terms."""
        prefix = fold(word)
        out: list[Leaf] = []
        for lang in INDEX_LANGS:
            candidates: dict[str, int] = {}
            for kind in ("title", "body"):
                fieldname = f"{kind}_{lang}"
                for n, text in enumerate(self.view.expand_prefix(fieldname, prefix)):
                    if n >= MAX_PREFIX_SCAN:
                        break
                    if text not in exclude:
                        candidates[text] = max(
                            candidates.get(text, 0), self.doc_frequency(fieldname, text)
                        )
            best = sorted(candidates, key=lambda t: -candidates[t])[:MAX_PREFIX_TERMS]
            for term in best:
                if keys is not None:
                    keys.add(term)
                out.extend(self.field_leaves(lang, term, PREFIX_BOOST * boost))
        return out
