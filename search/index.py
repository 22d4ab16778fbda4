"""The search index: lifecycle (search.lifecycle) and searchers (search.searchers) put
together with the query engine (plans from search.query, ranking, snippets).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.collectors import TimeLimitCollector
from whoosh.index import Index
from whoosh.searching import Searcher

from search.analysis.filters import STEM_MARK
from search.filters import SearchFilters
from search.filters import as_filters
from search.fuzzy import NearTerms
from search.fuzzy import TypoIndexes
from search.lifecycle import LiveIndex
from search.lifecycle import SearchIndexError
from search.query import COORD_WEIGHT
from search.query import Plan
from search.query import QueryBuilder
from search.query import QueryError
from search.query import all_keys
from search.query import fold
from search.query import index_keys_of
from search.query import parse_text
from search.query import query_variants
from search.ranking import COVERAGE_POOL
from search.ranking import LONG_QUERY_WORDS
from search.ranking import ScoreCache
from search.ranking import WordScores
from search.ranking import caller_first
from search.ranking import coverage_needed
from search.ranking import informative
from search.ranking import rank
from search.ranking import strong_first
from search.results import Hit
from search.results import ResultCache
from search.results import SearchResult
from search.results import WordMatcher
from search.results import make_snippet
from search.schema import INDEX_LANGS
from search.schema import TEXT_FIELDS
from search.schema import IndexDoc
from search.schema import field_lang
from search.searchers import ThreadSearcher
from search.searchers import ThreadSearchers
from search.synonyms import SynonymGroup
from search.synonyms import SynonymIndex
from search.view import vocabulary

#: The least time the layout and script variants get when the query as typed found
#: nothing within its budget (milliseconds).
FALLBACK_MIN_MS = 150.0

#: Default per-query time budget; the best hits found so far are returned when it runs out.
DEFAULT_TIME_BUDGET_MS = 250.0
#: Most hits one query may ask for.
MAX_LIMIT = 100
#: In queries of COMMON_MIN_WORDS words or more, words found in more than this share of
#: the documents are left out (see search.ranking.informative).
COMMON_WORD_SHARE = 0.25
COMMON_MIN_WORDS = 4
#: Postings kept in the per-word score cache (about 100 bytes each).
SCORE_CACHE_POSTINGS = 1_500_000
#: Whole results kept per process (see search.results.ResultCache; about 5 kB each).
RESULT_CACHE_ENTRIES = 2000


class SearchIndex:
    """The search index of published articles and competent bodies.

    Open it with :meth:`open`; it is safe to share between threads.

    :param storage_dir: the index directory, or None for an in-memory index.
    """

    def __init__(
        self,
        storage_dir: Path | None,
        result_cache: int = RESULT_CACHE_ENTRIES,
        adopt: bool = True,
    ) -> None:
        self.path = storage_dir
        self._live = LiveIndex(storage_dir, adopt)
        self._searchers = ThreadSearchers(self._live)
        self._synonyms: SynonymIndex | None = None
        self._synonyms_serial = 0
        self._results = ResultCache(result_cache)
        self._scores = ScoreCache(SCORE_CACHE_POSTINGS)
        self._typos = TypoIndexes(self._read_vocabulary)
        self._dfs: tuple[tuple[int, int | None] | None, dict[tuple[str, str], int]] = (None, {})
        self._lengths: tuple[tuple[int, int | None] | None, dict[str, list[int]]] = (None, {})
        self._segment_lengths: dict[tuple[str, str], list[int]] = {}

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        synonyms: Iterable[SynonymGroup] = (),
        result_cache: int = RESULT_CACHE_ENTRIES,
        adopt: bool = True,
    ) -> SearchIndex:
        """Open (creating if needed) the index at ``path``, or an in-memory one.

        An index written with another ``SCHEMA_VERSION`` is not read: unless a generation
        prepared for this version exists (switched to), :attr:`needs_rebuild` is True and
        this object searches an empty in-memory index until :meth:`rebuild`, while the
        old generation stays live for the processes of the old version.

        :param path: the index directory, or None for RAM storage (tests).
        :param synonyms: synonym groups to expand at query time.
        :param result_cache: whole results kept for repeated queries (0: none).
        :param adopt: False does not switch to a generation prepared for this schema
            version (``kb index prepare`` builds one while the old version serves). A live
            generation of another version is never opened nor replaced before
            :meth:`rebuild`: this object holds an empty in-memory index meanwhile.
        :returns: the open index.
        :raises SearchIndexError: when the directory cannot be created.
        """
        storage_dir = None
        if path is not None:
            storage_dir = Path(path)
            try:
                storage_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SearchIndexError(
                    f"cannot create the index directory {storage_dir}: {exc}; "
                    "check KB_HOME and its permissions"
                ) from exc
        index = cls(storage_dir, result_cache, adopt)
        index.set_synonyms(synonyms)
        return index

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's write lock, following the live generation first.

        A caller that reads :meth:`last_commit`, works out what changed since, and calls
        :meth:`update` does all three inside, so that no rebuild swaps a generation in
        between (the change would be written to the generation being retired).
        Reentrant: :meth:`update` and :meth:`rebuild` may run inside.
        """
        with self._live.writing():
            yield

    # -- state ---------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk had another schema version and was set aside."""
        return self._live.needs_rebuild

    def last_commit(self) -> str | None:
        """Return the content commit the index was last brought up to, if any.

        :returns: the marker given to the last :meth:`update` or :meth:`rebuild`.
        """
        return self._live.last_commit()

    def set_synonyms(self, groups: Iterable[SynonymGroup]) -> None:
        """Replace the synonym groups expanded at query time (no reindexing needed).

        :param groups: the parsed groups of ``synonyms.txt``.
        """
        groups = tuple(groups)
        self._synonyms = SynonymIndex(groups, all_keys) if groups else None
        self._synonyms_serial += 1

    def doc_count(self) -> int:
        """Return how many items are indexed.

        :returns: the number of live documents.
        """
        return self._thread_searcher().searcher.doc_count()

    def keys(self, kind: str | None = None) -> dict[str, str]:
        """Return the indexed keys with their stamps, for drift detection.

        :param kind: only items of this kind (``"body"``: a few dozen, read through the
            ``kind`` postings instead of every stored document).
        :returns: ``{key: stamp}`` (see :func:`search.schema.stamp_of`).
        """
        searcher = self._thread_searcher().searcher
        if kind is None:
            stored = searcher.reader().all_stored_fields()
        else:
            stored = (searcher.stored_fields(n) for n in searcher.document_numbers(kind=kind))
        return {fields["key"]: fields.get("stamp", "") for fields in stored}

    # -- writing -------------------------------------------------------------

    def update(
        self,
        docs: Iterable[IndexDoc],
        deleted_keys: Iterable[str] = (),
        commit_marker: str | None = None,
    ) -> int:
        """Add or replace ``docs`` and remove ``deleted_keys`` in one commit.

        :param docs: items to (re)index; an existing item with the same key is replaced.
        :param deleted_keys: keys of items to remove (unknown keys are ignored).
        :param commit_marker: the content commit this brings the index up to.
        :returns: the number of documents written.
        :raises SearchIndexError: when another writer holds the lock too long.
        """
        return self._live.update(docs, deleted_keys, commit_marker)

    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        commit_marker: str | None = None,
        *,
        procs: int = 1,
        after_swap: Callable[[], object] | None = None,
        switch: bool = True,
    ) -> int:
        """Build a complete new index from ``docs`` and swap it in atomically.

        Searches keep using the old index, and other writers keep updating it, until the
        new one is complete; the swap itself holds the write lock. What those writers
        published meanwhile is not in ``docs``: ``after_swap`` runs under the same lock
        right after the swap, to apply the changes since ``commit_marker`` (the
        :class:`~kb.services.KnowledgeBase` passes its incremental catch-up).

        :param docs: every published item.
        :param commit_marker: the content commit the new index reflects.
        :param procs: worker processes that analyse and write in parallel (on-disk
            indexes only). ``kb index rebuild`` can pass ``os.cpu_count()``: two workers
            halved the time here. Workers are forked, so prefer it in a process without
            other busy threads (the CLI rather than the web server).
        :param after_swap: called with the write lock held once the new index is live.
        :param switch: False builds the generation beside the live one and leaves it
            there (``kb index prepare``: the next version to open the index switches).
        :returns: the number of documents written.
        """
        return self._live.rebuild(
            docs, commit_marker, procs=procs, after_swap=after_swap, switch=switch
        )

    # -- searching -----------------------------------------------------------

    def _thread_searcher(self) -> ThreadSearcher:
        """Return this thread's searcher, refreshed if the index changed."""
        return self._searchers.current()

    def search(
        self,
        q: str,
        *,
        lang: str | None = None,
        limit: int = 10,
        filters: SearchFilters | Mapping[str, str | None] | None = None,
        time_budget_ms: float = DEFAULT_TIME_BUDGET_MS,
        prefer: str | None = None,
    ) -> SearchResult:
        """Search for what an operator typed.

        The text is plain words in Kazakh, Russian or both (balanced double quotes make a
        phrase). When it finds little, keyboard-layout and Latin-script variants are
        tried, and ``corrected`` names the one used.

        :param q: the query text.
        :param lang: only items in this language (shorthand for ``filters.lang``).
        :param limit: how many hits to return (1 to ``MAX_LIMIT``).
        :param filters: further restrictions (``SearchFilters`` or a dict of its fields).
        :param time_budget_ms: the time allowed; the best hits so far are returned when it
            runs out (``timed_out`` is then True).
        :param prefer: the caller's language: its versions come before their translations
            (without it, the query's own language decides).
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
        local = self._thread_searcher()
        allowed = self._allowed(local, chosen)
        if allowed is not None and not allowed:
            return SearchResult(query=q, took_ms=_ms_since(started))
        cache_key = (
            local.state,
            local.version,
            self._synonyms_serial,
            q,
            limit,
            chosen.terms(),
            prefer,
        )
        cached = self._results.get(cache_key)
        if cached is not None:
            return replace(cached, took_ms=_ms_since(started))
        if self._dfs[0] != local.state:
            self._dfs = (local.state, {})
            self._lengths = (local.state, {})
        builder = QueryBuilder(
            local.searcher,
            self._synonyms,
            lambda lang: self._near_terms(local, lang),
            self._dfs[1],
            lambda fieldname: self._field_lengths(local, fieldname),
        )
        plan = builder.build(parsed, prefer)
        best = self._run(local, builder, plan, limit, allowed, deadline)
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
                vplan = builder.build(vparsed, prefer)
                if vplan.known <= plan.known:
                    continue
                outcome = self._run(local, builder, vplan, limit, allowed, variant_deadline)
                if outcome.total:
                    best, plan, corrected = outcome, vplan, variant
                    break
        matchers: dict[str, WordMatcher] = {}
        ordered = caller_first(best.hits, plan.lang)
        hits = tuple(self._hit(fields, score, plan, matchers) for fields, score in ordered)
        result = SearchResult(
            query=q,
            took_ms=_ms_since(started),
            hits=hits,
            total=max(best.total, len(hits)),
            corrected=corrected,
            timed_out=best.timed_out,
            lang_first=plan.lang,
            weak=best.weak,
        )
        # A result cut by the budget (its ranking or its variants), or found while a typo
        # index was being built, may lack what a warm process finds: never cache it.
        if not cut and not best.timed_out and not builder.typo_index_missing:
            self._results.put(cache_key, result)
        return result

    def _allowed(self, local: ThreadSearcher, chosen: SearchFilters) -> set[int] | None:
        """Docnums passing the filters (cached per searcher), or None for no filter."""
        pairs = chosen.terms()
        if not pairs:
            return None
        docs = local.filters.get(pairs)
        if docs is None:
            terms = [wq.Term(name, value) for name, value in pairs]
            docs = set(local.searcher.docs_for_query(wq.And(terms)))
            local.filters[pairs] = docs
        return docs

    def _run(
        self,
        local: ThreadSearcher,
        builder: QueryBuilder,
        plan: Plan,
        limit: int,
        allowed: set[int] | None,
        deadline: float,
    ) -> _Outcome:
        """Rank a plan's documents under the time budget."""
        if not plan.slots and plan.required is None:
            return _Outcome((), 0, False)
        if time.perf_counter() >= deadline:
            return _Outcome((), 0, True)
        searcher = local.searcher
        timed_out = False
        if plan.required is not None:
            required, timed_out = self._required_docs(searcher, plan.required, allowed, deadline)
            allowed = required
        words = []
        # A word's frequency is its lemma's or stem's: the coarser stem key (``_``) would
        # make a rare word look common.
        frequencies = [
            max(
                (
                    builder.doc_frequency(leaf.field, leaf.text)
                    for leaf in slot
                    if not leaf.text.startswith(STEM_MARK)
                ),
                default=0,
            )
            for slot in plan.slots
        ]
        kept = informative(
            frequencies,
            searcher.doc_count_all(),
            share=COMMON_WORD_SHARE,
            min_words=COMMON_MIN_WORDS,
        )
        for slot in (plan.slots[i] for i in kept):
            key = (local.state, slot)
            scores = self._scores.get(key)
            if scores is None:
                scores, complete = builder.slot_scores(slot, deadline)
                if complete:
                    self._scores.put(key, scores)
                else:
                    timed_out = True
            words.append(scores)
        if not words:
            # A phrase of stop words only: every document with the phrase, in index order.
            words = [dict.fromkeys(sorted(allowed or ()), 1.0)]
        pool = max(limit, COVERAGE_POOL)
        ranking = rank(words, pool, coord=COORD_WEIGHT, allowed=allowed, deadline=deadline)
        counted = [w for w, i in zip(words, kept, strict=False) if not _optional(plan, i)]
        top, weak = strong_first(ranking.top, counted, _needed(plan, counted), limit)
        hits = tuple((searcher.stored_fields(d), score) for d, score in top)
        return _Outcome(hits, ranking.total, timed_out or ranking.timed_out, weak)

    def _required_docs(
        self, searcher: Searcher, required: wq.Query, allowed: set[int] | None, deadline: float
    ) -> tuple[set[int], bool]:
        """Documents matching the quoted phrases (and the filters), within the budget."""
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return set(), True
        collector = searcher.collector(limit=None, scored=False)
        timed = _FilteredTimeLimitCollector(collector, remaining, allowed)
        timed_out = False
        try:
            searcher.search_with_collector(required, timed)
        except TimeLimit:
            timed_out = True
        finally:
            if timed.timer is not None:
                timed.timer.cancel()
        return set(collector.results().docs()), timed_out

    def _field_lengths(self, local: ThreadSearcher, fieldname: str) -> list[int]:
        """Every document's length in a field, read once per index generation.

        Lengths are kept per segment as well: a publish adds a small segment, and the
        large ones keep their lengths (deletions do not change them), so the first query
        after a publish does not re-read 20,000 lengths.
        """
        gen_key, cache = self._lengths
        if gen_key != local.state:
            cache = {}
            self._lengths = (local.state, cache)
        found = cache.get(fieldname)
        if found is None:
            found = []
            live: dict[tuple[str, str], list[int]] = {}
            for segment_reader, _offset in local.searcher.reader().leaf_readers():
                segment = getattr(segment_reader, "segment", None)
                seg_id = segment().segment_id() if segment else str(id(segment_reader))
                lengths = self._segment_lengths.get((seg_id, fieldname))
                if lengths is None:
                    count = segment_reader.doc_count_all()
                    lengths = [
                        segment_reader.doc_field_length(d, fieldname, 0) for d in range(count)
                    ]
                live[(seg_id, fieldname)] = lengths
                found.extend(lengths)
            # Forget segments of this field that merges have removed.
            for key in [k for k in self._segment_lengths if k[1] == fieldname and k not in live]:
                del self._segment_lengths[key]
            self._segment_lengths.update(live)
            cache[fieldname] = found
        return found

    def _near_terms(self, local: ThreadSearcher, lang: str) -> NearTerms | None:
        """The typo index of ``lang``'s fields (None while the first one is built)."""
        reader = local.searcher.reader()
        return self._typos.get(lang, local.ix, reader.doc_count(), reader)

    @staticmethod
    def _read_vocabulary(lang: str, source: Any) -> tuple[list[tuple[str, int]], int]:
        """Read ``lang``'s vocabulary from a reader, or from an index (background)."""
        fields = [f"{kind}_{lang}" for kind in TEXT_FIELDS]
        if isinstance(source, Index):
            with source.searcher() as searcher:
                reader = searcher.reader()
                return list(vocabulary(reader, fields)), reader.doc_count()
        return list(vocabulary(source, fields)), source.doc_count()

    def cache_info(self) -> dict[str, int]:
        """Tell how the result cache has done in this process (for benchmarks and health).

        :returns: ``{"hits": ..., "misses": ..., "entries": ..., "max_entries": ...}``.
        """
        return self._results.info()

    def wait_for_typo_index(self, timeout: float = 30.0) -> bool:
        """Build the typo indexes now if needed and wait for them (benchmarks, warm-up).

        :param timeout: seconds to wait at most.
        :returns: True when both languages' typo indexes are ready.
        """
        local = self._thread_searcher()
        for lang in INDEX_LANGS:
            self._near_terms(local, lang)  # starts a background build when needed
        deadline = time.monotonic() + timeout
        while not self._typos.ready(INDEX_LANGS):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _hit(
        self,
        fields: Mapping[str, Any],
        score: float,
        plan: Plan,
        matchers: dict[str, WordMatcher],
    ) -> Hit:
        """Build a hit with its snippet from stored fields.

        :param matchers: per analysis language, the query's word matcher (shared by hits).
        """
        lang = fields.get("lang", "")
        analysed_as = field_lang(lang)
        matcher = matchers.get(analysed_as)
        if matcher is None:
            matcher = matchers[analysed_as] = WordMatcher(
                index_keys_of(analysed_as), plan.keys, fold
            )
        text = "\n".join(part for part in (fields.get("answer"), fields.get("text")) if part)
        snippet = make_snippet(text, matcher)
        agencies = tuple(a for a in (fields.get("agencies") or "").split(",") if a)
        return Hit(
            id=fields.get("id", ""),
            lang=lang,
            title=fields.get("title", ""),
            score=score,
            snippet=snippet,
            url=fields.get("url", ""),
            kind=fields.get("kind", "article"),
            category=fields.get("category", ""),
            agencies=agencies,
            review_by=fields.get("review_by"),
            valid_until=fields.get("valid_until"),
            key=fields.get("key", ""),
        )

    def close(self) -> None:
        """Close every thread's searcher (at shutdown; a later search opens a new one)."""
        self._searchers.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _FilteredTimeLimitCollector(TimeLimitCollector):
    """A time-limited collector that also applies a docnum filter.

    Whoosh's ``FilterCollector`` filters in its own ``collect_matches``, which a wrapping
    ``TimeLimitCollector`` bypasses (and vice versa), so both are done here. The timer is
    a thread (``use_alarm=False``): signals only work in the main thread.
    """

    def __init__(self, child: Any, timelimit: float, allow: set[int] | None) -> None:
        super().__init__(child, timelimit=timelimit, use_alarm=False)
        self._allow = allow

    def collect_matches(self) -> None:
        child = self.child
        allow = self._allow
        for sub_docnum in child.matches():
            if self.timedout:
                raise TimeLimit
            if allow is None or sub_docnum + child.offset in allow:
                child.collect(sub_docnum)


@dataclass(frozen=True)
class _Outcome:
    hits: tuple[tuple[Mapping[str, Any], float], ...]
    total: int
    timed_out: bool
    weak: bool = False


def _optional(plan: Plan, slot: int) -> bool:
    """Whether a hit need not match the plan's ``slot`` (a stop word of one language)."""
    return slot < len(plan.optional) and plan.optional[slot]


def _needed(plan: Plan, words: Sequence[WordScores]) -> int:
    """How many of the plan's scored words a hit must match not to be weak.

    Common words left out of a long query do not count; words the index does not know
    count against every hit in a short query and are ignored in a long one (a pasted
    text holds names and numbers no article has). A quoted phrase already demands its
    words: nothing more is needed.
    """
    if plan.required is not None:
        return 0
    informative_words = len(words)
    if informative_words + plan.unknown <= LONG_QUERY_WORDS:
        informative_words += plan.unknown
    return coverage_needed(informative_words)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


__all__ = ["SearchFilters", "SearchIndex", "SearchIndexError"]
