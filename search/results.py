"""Search results: the hits and the result page (and the cache of whole results)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.caches import LruCache


@dataclass(frozen=True)
class Hit:
    """One search result.

    :param id: the translation group id.
    :param lang: the item's language.
    :param title: the title (plain text).
    :param score: the relevance score (higher is better).
    :param snippet: HTML: escaped text with ``<mark>`` around matched words.
    :param url: where to open the item.
    :param kind: ``"article"`` or ``"body"``.
    :param category: the category id.
    :param agencies: competent body ids.
    :param review_by: ISO date by which an editor must re-check the item, if any.
    :param valid_until: ISO date until which the rule is in force, if any.
    :param key: the unique index key (``ru/passport-replacement``).
    """

    id: str
    lang: str
    title: str
    score: float
    snippet: str
    url: str
    kind: str = "article"
    category: str = ""
    agencies: tuple[str, ...] = ()
    review_by: str | None = None
    valid_until: str | None = None
    key: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form of the hit (the ``/api/search`` contract plus extras).

        :returns: ``{id, lang, title, score, snippet, url, kind, category, agencies,
            review_by, valid_until}``.
        """
        return {
            "id": self.id,
            "lang": self.lang,
            "title": self.title,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "url": self.url,
            "kind": self.kind,
            "category": self.category,
            "agencies": list(self.agencies),
            "review_by": self.review_by,
            "valid_until": self.valid_until,
        }


@dataclass(frozen=True)
class SearchResult:
    """The answer to one query.

    :param query: the query as typed.
    :param took_ms: time spent, in milliseconds.
    :param hits: the best hits, best first.
    :param total: how many items matched (at least ``len(hits)``; an estimate when the
        time budget ran out).
    :param corrected: the variant of the query that was used instead of the text as typed
        (keyboard layout fixed, Latin transliterated), or ``None``.
    :param timed_out: True when the time budget ran out and the hits are the best so far.
    :param lang_first: the language whose versions come first (the caller's, chosen by
        the operator, or the query's own), or None.
    :param weak: True when no hit matches enough of the query's informative words (see
        :func:`search.ranking.coverage_needed`): the hits are shown as weak matches and
        the search counts as a knowledge gap.
    """

    query: str
    took_ms: float
    hits: tuple[Hit, ...] = ()
    total: int = 0
    corrected: str | None = None
    timed_out: bool = False
    lang_first: str | None = None
    weak: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: ``{query, took_ms, results, total, corrected, timed_out,
        lang_first, weak}``.

        :returns: a JSON-serialisable dict.
        """
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 2),
            "results": [hit.as_dict() for hit in self.hits],
            "total": self.total,
            "corrected": self.corrected,
            "timed_out": self.timed_out,
            "lang_first": self.lang_first,
            "weak": self.weak,
        }


class ResultCache(LruCache[SearchResult]):
    """Whole search results (Solr's ``queryResultCache``), bounded by their number.

    Operators ask the same questions all day, and search-as-you-type sends the same
    prefixes (``пас``, ``пасп``, ``паспо``) for everyone typing the same word, so repeated
    queries are the common case. Keys include the index state, so a publication makes
    every cached result unreachable at once; the entries are then evicted as new ones
    come in.

    :param max_entries: results kept (0 disables the cache).
    """

    def __init__(self, max_entries: int) -> None:
        super().__init__(max_entries)
