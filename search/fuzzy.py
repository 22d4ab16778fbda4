"""Typo tolerance: index terms within one or two edits of a word, found in microseconds.

Whoosh's ``terms_within`` walks a Levenshtein automaton over the whole term file, which
measured about 10 ms per word here. Instead every index term is filed under each of the
strings made by deleting one of its letters (the "symmetric delete" method): a word meets
a term when both give the same string after at most one deletion each, which covers a
substituted, missing, extra or swapped letter. Candidates are then checked with the
optimal-string-alignment distance, so only genuine near-misses are returned.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

#: The typo index is rebuilt after this long, or when the index grew or shrank by more
#: than ``NEAR_TERMS_DRIFT`` (a share of the documents).
NEAR_TERMS_TTL_SECONDS = 300.0
NEAR_TERMS_DRIFT = 0.05
#: Up to this many documents the typo index is built in the query's thread; above it,
#: terms in a single document are not offered as corrections (as likely typos or names,
#: and filing them doubles the memory).
NEAR_TERMS_SYNC_DOCS = 3000

#: Terms shorter than this are not corrected (too many neighbours).
MIN_TERM_CHARS = 4


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Return the optimal-string-alignment distance (swaps count one), capped at limit+1.

    >>> edit_distance("паспорт", "паспрот")
    1
    >>> edit_distance("салык", "салық")
    1

    :param a: one word.
    :param b: another word.
    :param limit: distances above this are reported as ``limit + 1``.
    :returns: the distance.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


class NearTerms:
    """Index terms filed by their one-letter deletions, for typo lookups.

    :param terms: ``(term, document frequency)`` pairs of the vocabulary.
    :param min_docs: terms in fewer documents are not offered as corrections (on a large
        index, a term seen once is as likely a typo or a name, and filing it doubles the
        memory).
    """

    def __init__(self, terms: Iterable[tuple[str, int]], min_docs: int = 1) -> None:
        self._df: dict[str, int] = {}
        self._by_delete: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for term, df in terms:
            if len(term) >= MIN_TERM_CHARS and term.isalpha():
                counts[term] = counts.get(term, 0) + df
        self._df = {term: df for term, df in counts.items() if df >= min_docs}
        for term in self._df:
            for key in (term, *_deletes(term)):
                self._by_delete.setdefault(key, []).append(term)

    def __len__(self) -> int:
        return len(self._df)

    def near(self, word: str, maxdist: int = 1, limit: int = 6) -> list[str]:
        """Return the most frequent index terms within ``maxdist`` edits of ``word``.

        :param word: the (analysed, folded) word.
        :param maxdist: 1 or 2.
        :param limit: at most this many terms.
        :returns: terms, most frequent first (``word`` itself excluded).
        """
        found: set[str] = set()
        keys = {word, *_deletes(word)}
        if maxdist >= 2:
            # Two deletions on the word's side reach terms two edits away that one
            # deletion on each side misses (a swap next to a missing letter).
            keys.update(*(_deletes(key) for key in list(keys) if len(key) > MIN_TERM_CHARS))
        for key in keys:
            found.update(self._by_delete.get(key, ()))
        found.discard(word)
        close = [t for t in found if edit_distance(word, t, maxdist) <= maxdist]
        close.sort(key=lambda t: (-self._df[t], t))
        return close[:limit]


class TypoIndexes:
    """The typo index of each language, rebuilt when stale, in the background when large.

    Building reads the whole vocabulary (about a second on 20,000 documents), so on a
    large index it runs in a background thread and queries keep using the previous typo
    index meanwhile; a small index (tests, a fresh instance) builds at once.

    :param read_vocabulary: ``(lang, source) -> ((term, df) pairs, document count)``,
        where ``source`` is what :meth:`get` was given (an index or a reader).
    """

    def __init__(
        self, read_vocabulary: Callable[[str, Any], tuple[Iterable[tuple[str, int]], int]]
    ) -> None:
        self._read = read_vocabulary
        self._built: dict[str, tuple[float, Any, int, NearTerms]] = {}
        self._mutex = threading.Lock()
        self._building: set[str] = set()

    def get(self, lang: str, owner: Any, doc_count: int, source: Any) -> NearTerms | None:
        """Return ``lang``'s typo index for the index ``owner``, or None while building.

        :param lang: the language.
        :param owner: identifies the index (a rebuild makes a new one).
        :param doc_count: documents in the index now.
        :param source: handed to ``read_vocabulary`` (a reader for a build in this
            thread, the index for a background build).
        :returns: the typo index, possibly a little stale, or None.
        """
        found = self._built.get(lang)
        now = time.monotonic()
        if found is not None:
            built, built_for, docs, near = found
            fresh = now - built < NEAR_TERMS_TTL_SECONDS
            if (
                built_for is owner
                and fresh
                and abs(doc_count - docs) <= NEAR_TERMS_DRIFT * max(docs, 1)
            ):
                return near
        if doc_count <= NEAR_TERMS_SYNC_DOCS:
            return self._build(lang, owner, source)
        with self._mutex:
            if lang not in self._building:
                self._building.add(lang)
                threading.Thread(
                    target=self._build_in_background,
                    args=(lang, owner),
                    name=f"kb-typo-index-{lang}",
                    daemon=True,
                ).start()
        return found[3] if found is not None else None

    def _build(self, lang: str, owner: Any, source: Any) -> NearTerms:
        terms, doc_count = self._read(lang, source)
        near = NearTerms(terms, 2 if doc_count > NEAR_TERMS_SYNC_DOCS else 1)
        self._built[lang] = (time.monotonic(), owner, doc_count, near)
        return near

    def _build_in_background(self, lang: str, owner: Any) -> None:
        try:
            self._build(lang, owner, owner)
        finally:
            with self._mutex:
                self._building.discard(lang)

    def ready(self, langs: Iterable[str]) -> bool:
        """Tell whether every language in ``langs`` has a typo index and none is building.

        :param langs: the languages.
        :returns: True when all are ready.
        """
        with self._mutex:
            return not self._building and all(lang in self._built for lang in langs)
