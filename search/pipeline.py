"""A query's path: parse → plan → retrieve (lexical; a further stage) → fuse → present.

:class:`QueryPipeline` runs the stages on the thread's searcher
(:mod:`search.searchers`) and keeps what queries share: whole results, per-word scores,
the typo indexes and the statistics read once per index state. When the text as typed
finds nothing, or some of its words are unknown, its keyboard-layout and Latin-script
variants are planned and retrieved in turn, and the first that knows more words and
finds something is used (``corrected`` names it). A further retrieval stage
(:mod:`search.stages`: the semantic one on a settled search) then adds its candidates,
and both lists are fused before the page is presented.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import replace

from search.filters import SearchFilters
from search.filters import as_filters
from search.fuse import fuse
from search.fuzzy import NearTerms
from search.fuzzy import TypoIndexes
from search.keys import all_keys
from search.keys import fold
from search.keys import query_variants
from search.lexical import retrieve
from search.parse import QueryError
from search.parse import parse_text
from search.plan import Planner
from search.present import present
from search.ranking import ScoreCache
from search.results import ResultCache
from search.results import SearchResult
from search.schema import INDEX_LANGS
from search.schema import TEXT_FIELDS
from search.searchers import ThreadSearcher
from search.searchers import ThreadSearchers
from search.stages import RetrievalStage
from search.stages import StageCandidates
from search.stages import StageQuery
from search.synonyms import SynonymGroup
from search.synonyms import SynonymIndex
from search.terms import PREFIX_FIELDS
from search.view import IndexView
from search.view import ReadCaches
from search.view import read_vocabulary

#: The least time the layout and script variants get when the query as typed found
#: nothing within its budget (milliseconds).
FALLBACK_MIN_MS = 150.0
#: Default per-query time budget; the best hits found so far are returned when it runs out.
DEFAULT_TIME_BUDGET_MS = 250.0
#: Most hits one query may ask for.
MAX_LIMIT = 100
#: Postings kept in the per-word score cache (about 100 bytes each).
SCORE_CACHE_POSTINGS = 1_500_000
#: Whole results kept per process (see search.results.ResultCache; about 5 kB each).
RESULT_CACHE_ENTRIES = 2000


class QueryPipeline:
    """Runs operators' queries against the live index, one thread's searcher at a time.

    :param searchers: the per-thread searchers of the index.
    :param result_cache: whole results kept for repeated queries (0: none).
    """

    def __init__(self, searchers: ThreadSearchers, result_cache: int = RESULT_CACHE_ENTRIES):
        self._searchers = searchers
        self._results = ResultCache(result_cache)
        self._scores = ScoreCache(SCORE_CACHE_POSTINGS)
        self._typos = TypoIndexes(read_vocabulary)
        self._caches = ReadCaches()
        self._synonyms: SynonymIndex | None = None
        self._synonyms_serial = 0

    def set_synonyms(self, groups: Iterable[SynonymGroup]) -> None:
        """Replace the synonym groups expanded at query time.

        :param groups: the parsed groups of ``synonyms.txt``.
        """
        groups = tuple(groups)
        self._synonyms = SynonymIndex(groups, all_keys) if groups else None
        self._synonyms_serial += 1

    def view(self) -> IndexView:
        """Return a view of the index as this thread's searcher sees it now.

        :returns: the view.
        """
        return self._searchers.current().view(self._caches)

    def search(
        self,
        q: str,
        *,
        lang: str | None = None,
        limit: int = 10,
        filters: SearchFilters | Mapping[str, str | None] | None = None,
        time_budget_ms: float = DEFAULT_TIME_BUDGET_MS,
        prefer: str | None = None,
        stage: RetrievalStage | None = None,
    ) -> SearchResult:
        """Search for what an operator typed (see :meth:`search.SearchIndex.search`).

        :param stage: a further retrieval stage whose candidates join the lexical ones
            (None: the lexical engine alone).
        :returns: the result, with no hits for empty or punctuation-only text.
        :raises QueryError: for text longer than ``MAX_QUERY_CHARS`` or a bad filter.
        """
        started = time.perf_counter()
        if not isinstance(q, str):
            raise QueryError(f"the query must be text, not {type(q).__name__}")
        limit = max(1, min(int(limit), MAX_LIMIT))
        chosen = as_filters(filters, lang)
        parsed = parse_text(q)
        if parsed.empty:
            return SearchResult(query=q, took_ms=_ms_since(started))
        deadline = started + time_budget_ms / 1000.0
        searcher = self._searchers.current()
        view = searcher.view(self._caches)
        allowed = view.filter_docs(chosen.terms())
        if allowed is not None and not allowed:
            return SearchResult(query=q, took_ms=_ms_since(started))
        token = stage.cache_token(q) if stage is not None else None
        cache_key = (
            view.state,
            searcher.version,
            self._synonyms_serial,
            q,
            limit,
            chosen.terms(),
            prefer,
            token,
        )
        cached = self._results.get(cache_key)
        if cached is not None:
            return replace(cached, took_ms=_ms_since(started))
        planner = Planner(view, self._synonyms, lambda lang: self._near_terms(searcher, view, lang))
        plan = planner.plan(parsed, prefer)
        best = retrieve(view, plan, limit, allowed, deadline, self._scores)
        corrected = None
        # The budget may shorten a search but must not drop the reading that finds the
        # article: when nothing is found yet, the layout and script variants get a budget
        # of their own (a cold process may spend the first one loading its analysers).
        cut = best.timed_out
        variant_deadline = deadline
        if best.total == 0 or plan.known < plan.words:
            for variant in query_variants(q):
                now = time.perf_counter()
                if now >= variant_deadline:
                    if best.total or variant_deadline > deadline:
                        cut = True
                        break
                    variant_deadline = now + max(time_budget_ms, FALLBACK_MIN_MS) / 1000.0
                if best.total and variant == fold(q):
                    # Only letters folded: the query as typed (with its Kazakh letters)
                    # found something, and a correctly spelled query must not be shown
                    # as "corrected" to a spelling without them.
                    continue
                try:
                    vparsed = parse_text(variant)
                except QueryError:
                    continue
                vplan = planner.plan(vparsed, prefer)
                if vplan.known <= plan.known:
                    continue
                outcome = retrieve(view, vplan, limit, allowed, variant_deadline, self._scores)
                if outcome.total:
                    best, plan, corrected = outcome, vplan, variant
                    break
        found: StageCandidates | None = None
        if stage is not None and token is not None:
            # Past the budget, a strong lexical result is returned as it is (not cached);
            # a weak or empty one still gets the stage: meaning is then what may find the
            # answer (as the variants above get a budget of their own).
            if time.perf_counter() < deadline or best.weak or not best.ranked:
                found = stage.retrieve(
                    StageQuery(q, corrected or q, view, best, plan.lang, chosen, allowed)
                )
            else:
                cut = True
        if found is not None:
            ranked = fuse(best, (found.candidates,), found.combine)
        else:
            ranked = fuse(best)
        hits = present(view, ranked.ranked[:limit], plan)
        result = SearchResult(
            query=q,
            took_ms=_ms_since(started),
            hits=hits,
            total=max(ranked.total, len(hits)),
            corrected=corrected,
            timed_out=ranked.timed_out,
            lang_first=plan.lang,
            weak=ranked.weak,
        )
        if found is not None and stage is not None:
            result = stage.finish(result, found)
        # A result cut by the budget (its ranking or its variants), or found while a typo
        # index was being built, may lack what a warm process finds: never cache it.
        if not cut and not ranked.timed_out and not planner.typo_index_missing:
            self._results.put(cache_key, result)
        return result

    def _near_terms(self, searcher: ThreadSearcher, view: IndexView, lang: str) -> NearTerms | None:
        """The typo index of ``lang``'s fields (None while the first one is built)."""
        return self._typos.get(lang, searcher.ix, view.doc_count(), view)

    def cache_info(self) -> dict[str, int]:
        """Tell how the result cache has done in this process.

        :returns: ``{"hits": ..., "misses": ..., "entries": ..., "max_entries": ...}``.
        """
        return self._results.info()

    def prepare_terms(self) -> int:
        """Read the term lists prefix expansion uses and the fields' lengths now (warm-up).

        :returns: how many terms the lists hold.
        """
        scored = [f"{kind}_{lang}" for lang in INDEX_LANGS for kind in TEXT_FIELDS]
        return self.view().prepare(PREFIX_FIELDS, scored)

    def wait_for_typo_index(self, timeout: float = 30.0) -> bool:
        """Build the typo indexes now if needed and wait for them (benchmarks, warm-up).

        :param timeout: seconds to wait at most.
        :returns: True when both languages' typo indexes are ready.
        """
        searcher = self._searchers.current()
        view = searcher.view(self._caches)
        for lang in INDEX_LANGS:
            self._near_terms(searcher, view, lang)  # starts a background build when needed
        deadline = time.monotonic() + timeout
        while not self._typos.ready(INDEX_LANGS):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
