"""The Whoosh index: one writer, long-lived per-thread searchers, rebuild by swap.

On disk (``KB_HOME/index/``)::

    CURRENT            name of the live generation directory, replaced atomically
    gen-<n>/           a Whoosh index plus ``kb-state.json`` (schema version, last commit)
    write.lock         the cross-process lock every writer holds

``rebuild`` writes a new generation next to the live one (without blocking other
writers) and then, under the lock, points ``CURRENT`` at it and lets the caller apply what
was published meanwhile, so searches never see a half-built or empty index and no
publication is lost. ``prepare`` builds one without switching (before an upgrade that
changes ``SCHEMA_VERSION``); opening with the new version switches to it. Opening removes
generations a builder that died left unfinished (:mod:`search.generations`). Searchers
notice a new generation or a new commit within ``REFRESH_SECONDS`` (other processes) or at
once (this process).
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
import weakref
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

from filelock import FileLock
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.collectors import TimeLimit
from whoosh.collectors import TimeLimitCollector
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filestore import Storage
from whoosh.index import Index
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from articles import crashpoints
from search import generations
from search.analysis.filters import STEM_MARK
from search.filters import SearchFilters
from search.filters import as_filters
from search.fuzzy import NearTerms
from search.fuzzy import TypoIndexes
from search.query import BM25_B
from search.query import BM25_K1
from search.query import BM25_TITLE_B
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
from search.schema import SCHEMA_VERSION
from search.schema import TEXT_FIELDS
from search.schema import IndexDoc
from search.schema import build_schema
from search.schema import document_from
from search.schema import field_lang
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
#: How often a searcher checks for commits made by other processes.
REFRESH_SECONDS = 0.25
#: How long a writer waits for another writer before giving up.
LOCK_TIMEOUT_SECONDS = 60.0
#: In queries of COMMON_MIN_WORDS words or more, words found in more than this share of
#: the documents are left out (see search.ranking.informative).
COMMON_WORD_SHARE = 0.25
COMMON_MIN_WORDS = 4
#: Whether Whoosh may memory-map index files (see _storage).
USE_MMAP = False
#: Memory Whoosh's writer may use for sorting postings during a rebuild.
REBUILD_LIMIT_MB = 64
#: Postings kept in the per-word score cache (about 100 bytes each).
SCORE_CACHE_POSTINGS = 1_500_000
#: Whole results kept per process (see search.results.ResultCache; about 5 kB each).
RESULT_CACHE_ENTRIES = 2000

_INDEX_NAME = "MAIN"

#: How segments are written: postings blocks are not zlib-compressed. On 3,000 documents
#: this wrote 7 % faster (the index is 60 % larger on disk: 40 MB instead of 25), and
#: every postings read skips a decompression. Segments stay compound files: a searcher
#: opens a segment's parts lazily, and once a merge has deleted the separate files of a
#: segment, a searcher still reading it failed (tests/search/test_index.py, threads
#: searching while another publishes).
_WRITER_OPTIONS: dict[str, Any] = {"codec": W3Codec(compression=0)}


class _RamStorage(RamStorage):
    """RAM storage whose temporary files get a random directory name.

    Whoosh's ``RamStorage`` puts a writer's temporary files in ``/tmp/<indexname>.tmp``,
    a name shared by every process, so parallel test workers deleted each other's files.
    """

    def temp_storage(self, name: str | None = None) -> FileStorage:
        return super().temp_storage(None)


class SearchIndexError(RuntimeError):
    """The index cannot be opened or written."""


@dataclass
class _ThreadSearcher:
    """A thread's searcher and what it was opened on."""

    ix: Index
    searcher: Searcher
    checked: float
    version: int
    filters: dict[tuple[tuple[str, str], ...], set[int]]
    closed: bool = False

    @property
    def gen_key(self) -> tuple[int, int | None]:
        """Identifies the index state this searcher sees (for cached scores)."""
        return (self.ix.kb_serial, self.searcher.reader().generation())


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
        self._mutex = threading.RLock()
        self._open_mutex = threading.Lock()
        self._states_mutex = threading.Lock()
        self._states: list[_ThreadSearcher] = []
        # Searchers hold open files (the index is not memory-mapped): close them when an
        # index that nobody closed is collected, instead of leaking file handles.
        weakref.finalize(self, _close_all, self._states, self._states_mutex)
        self._lock = FileLock(str(storage_dir / "write.lock")) if storage_dir else None
        self._local = threading.local()
        self._version = 0
        self._synonyms: SynonymIndex | None = None
        self._synonyms_serial = 0
        self._results = ResultCache(result_cache)
        self._ram_state: dict[str, Any] = {}
        self._scores = ScoreCache(SCORE_CACHE_POSTINGS)
        self._typos = TypoIndexes(self._read_vocabulary)
        self._dfs: tuple[tuple[int, int | None] | None, dict[tuple[str, str], int]] = (None, {})
        self._lengths: tuple[tuple[int, int | None] | None, dict[str, list[int]]] = (None, {})
        self._segment_lengths: dict[tuple[str, str], list[int]] = {}
        self._generation = ""
        self._adopt = adopt
        self._ix = _tagged(self._open_current())

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

    def _open_current(self) -> Index:
        """Open the live generation, creating an empty one when there is none."""
        if self.path is None:
            storage: Storage = _RamStorage()
            self._ram_state = {"schema_version": SCHEMA_VERSION, "last_commit": None}
            return storage.create_index(build_schema(), indexname=_INDEX_NAME)
        with self._write_lock():
            generations.remove_unfinished(self.path)
            name = self._read_current()
            state = self._read_state(name) if name else None
            other_version = state is not None and state.get("schema_version") != SCHEMA_VERSION
            if name is not None and other_version:
                ready = generations.prepared(self.path, SCHEMA_VERSION) if self._adopt else None
                if ready is None:
                    # Another version's index stays live (its processes keep searching
                    # it) until rebuild() swaps in one of this version; meanwhile this
                    # object holds an empty in-memory index and needs_rebuild is True.
                    self._stale = True
                    self._generation = name
                    return _RamStorage().create_index(build_schema(), indexname=_INDEX_NAME)
                self._stale = False  # built by `kb index prepare`: switch, then catch up
                self._point_current(ready)
                name = ready
            elif name is None or state is None:
                self._stale = name is not None
                name = self._new_generation()
                self._write_state(name, None)
                self._point_current(name)
            else:
                self._stale = False
            self._generation = name
            return _storage(self.path / name).open_index(indexname=_INDEX_NAME)

    def _read_current(self) -> str | None:
        assert self.path is not None
        return generations.read_current(self.path)

    def _new_generation(self) -> str:
        """Create an empty index in a new generation directory and return its name."""
        assert self.path is not None
        name = generations.new_generation(self.path)
        _storage(self.path / name).create_index(build_schema(), indexname=_INDEX_NAME)
        return name

    def _point_current(self, name: str) -> None:
        assert self.path is not None
        generations.point_current(self.path, name)

    def _read_state(self, name: str) -> dict[str, Any] | None:
        if self.path is None:
            return dict(self._ram_state)
        return generations.read_state(self.path, name)

    def _write_state(self, name: str, last_commit: str | None) -> None:
        state = {"schema_version": SCHEMA_VERSION, "last_commit": last_commit}
        if self.path is None:
            self._ram_state = state
            return
        generations.write_state(self.path, name, state)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Hold the in-process mutex and, on disk, the cross-process file lock."""
        with self._mutex:
            if self._lock is None:
                yield
                return
            try:
                with self._lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
                    yield
            except TimeoutError as exc:
                raise SearchIndexError(
                    f"another process has held {self._lock.lock_file} for over "
                    f"{LOCK_TIMEOUT_SECONDS:.0f} s: wait for it to finish, or remove the "
                    "file if no kb process is running"
                ) from exc

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's write lock, following the live generation first.

        A caller that reads :meth:`last_commit`, works out what changed since, and calls
        :meth:`update` does all three inside, so that no rebuild swaps a generation in
        between (the change would be written to the generation being retired).
        Reentrant: :meth:`update` and :meth:`rebuild` may run inside.
        """
        with self._write_lock():
            self._sync_generation()
            yield

    def _sync_generation(self) -> None:
        """Follow a rebuild made by another process.

        Needs no file lock: a generation is complete before ``CURRENT`` names it.
        """
        if self.path is None:
            return
        name = self._read_current()
        if name and name != self._generation:
            with self._open_mutex:
                if name != self._generation:
                    storage = _storage(self.path / name)
                    self._ix = _tagged(storage.open_index(indexname=_INDEX_NAME))
                    self._generation = name

    # -- state ---------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk had another schema version and was set aside."""
        return getattr(self, "_stale", False)

    def last_commit(self) -> str | None:
        """Return the content commit the index was last brought up to, if any.

        :returns: the marker given to the last :meth:`update` or :meth:`rebuild`.
        """
        if self.path is not None:
            name = self._read_current() or self._generation
            state = self._read_state(name) or {}
        else:
            state = self._ram_state
        marker = state.get("last_commit")
        return marker if isinstance(marker, str) else None

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
        with self._write_lock():
            self._sync_generation()
            writer = self._ix.writer(**_WRITER_OPTIONS)
            count = 0
            try:
                for key in deleted_keys:
                    writer.delete_by_term("key", key)
                for doc in docs:
                    writer.update_document(**document_from(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            self._write_state(self._generation, commit_marker or self.last_commit())
            self._version += 1
        return count

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
        if self.path is None:
            with self._write_lock():
                ix = _RamStorage().create_index(build_schema(), indexname=_INDEX_NAME)
                count = self._fill(ix, docs, procs=1)
                self._write_state("", commit_marker)
                self._ix = _tagged(ix)
                self._stale = False
                self._version += 1
                if after_swap is not None:
                    after_swap()
            return count
        root = self.path
        with self._write_lock():  # briefly: no cleaner sees the new folder unlocked
            name = generations.new_generation(root)
            building = generations.building_lock(root, name)
            building.acquire()
        try:
            try:
                ix = _storage(root / name).create_index(build_schema(), indexname=_INDEX_NAME)
                count = self._fill(ix, docs, procs=procs)
                crashpoints.reach("index.rebuild.built")
                with self.writing() if switch else self._write_lock():
                    self._write_state(name, commit_marker)
                    if switch:
                        old = self._generation
                        self._point_current(name)
                        self._generation = name
                        self._remove_old_generations(keep={name, old})
                        self._ix = _tagged(ix)
                        self._stale = False
                        self._version += 1
                        if after_swap is not None:
                            after_swap()
            except BaseException:
                if generations.read_current(root) != name:
                    shutil.rmtree(root / name, ignore_errors=True)
                raise
        finally:
            building.release()
        Path(building.lock_file).unlink(missing_ok=True)
        return count

    @staticmethod
    def _fill(ix: Index, docs: Iterable[IndexDoc], *, procs: int) -> int:
        """Write ``docs`` into the empty index ``ix`` and commit; returns the count."""
        if procs > 1:
            # Each worker writes its own segment; merging them would cost as much as
            # the parallel part saved, and searching two segments costs nothing.
            writer = ix.writer(
                procs=procs, limitmb=REBUILD_LIMIT_MB, multisegment=True, **_WRITER_OPTIONS
            )
        else:
            writer = ix.writer(limitmb=REBUILD_LIMIT_MB, **_WRITER_OPTIONS)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**document_from(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=procs <= 1)
        return count

    def _remove_old_generations(self, keep: set[str]) -> None:
        """Delete generations older than the previous one.

        The previous generation stays until the next rebuild, so searchers of other
        processes that have not yet noticed the swap can finish their queries.
        """
        assert self.path is not None
        generations.remove_generations(self.path, keep)

    # -- searching -----------------------------------------------------------

    def _thread_searcher(self) -> _ThreadSearcher:
        """Return this thread's searcher, refreshed if the index changed.

        Checking the disk costs a directory read, so it happens at most every
        ``REFRESH_SECONDS``; commits made in this process are seen at once.
        """
        local: _ThreadSearcher | None = getattr(self._local, "state", None)
        if local is not None and local.closed:
            local = None
        now = time.monotonic()
        if (
            local is not None
            and local.ix is self._ix
            and local.version == self._version
            and (self.path is None or now - local.checked < REFRESH_SECONDS)
        ):
            return local
        self._sync_generation()
        if local is not None and local.ix is self._ix:
            if not local.searcher.up_to_date():
                # Not Searcher.refresh(): it reuses segment readers by segment id, and a
                # reused reader keeps the deletions it was opened with, so unpublished
                # articles would still be found.
                local.searcher.close()
                local.searcher = self._ix.searcher(weighting=_weighting())
                local.filters = {}
            local.version, local.checked = self._version, now
            return local
        if local is not None:
            local.searcher.close()
            with self._states_mutex:
                if local in self._states:
                    self._states.remove(local)
        ix = self._ix
        state = _ThreadSearcher(
            ix=ix,
            searcher=ix.searcher(weighting=_weighting()),
            checked=now,
            version=self._version,
            filters={},
        )
        self._local.state = state
        with self._states_mutex:
            self._states.append(state)
        return state

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
            local.gen_key,
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
        if self._dfs[0] != local.gen_key:
            self._dfs = (local.gen_key, {})
            self._lengths = (local.gen_key, {})
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

    def _allowed(self, local: _ThreadSearcher, chosen: SearchFilters) -> set[int] | None:
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
        local: _ThreadSearcher,
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
            key = (local.gen_key, slot)
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

    def _field_lengths(self, local: _ThreadSearcher, fieldname: str) -> list[int]:
        """Every document's length in a field, read once per index generation.

        Lengths are kept per segment as well: a publish adds a small segment, and the
        large ones keep their lengths (deletions do not change them), so the first query
        after a publish does not re-read 20,000 lengths.
        """
        gen_key, cache = self._lengths
        if gen_key != local.gen_key:
            cache = {}
            self._lengths = (local.gen_key, cache)
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

    def _near_terms(self, local: _ThreadSearcher, lang: str) -> NearTerms | None:
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
        _close_all(self._states, self._states_mutex)

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _close_all(states: list[_ThreadSearcher], mutex: threading.Lock) -> None:
    """Close the searchers in ``states`` and empty the list (in place: it is shared)."""
    with mutex:
        closing = list(states)
        states.clear()
    for state in closing:
        state.searcher.close()
        state.closed = True


def _storage(path: Path) -> FileStorage:
    """Open a generation directory without memory-mapping its files.

    Mapped pages count as resident memory: on 20,000 documents searching took 400 MB
    resident with mmap and 200 MB without, for a few percent of speed.
    """
    return FileStorage(str(path), supports_mmap=USE_MMAP)


_SERIALS = itertools.count(1)


def _tagged(ix: Index) -> Index:
    """Give an opened index a serial number that keys the caches of its scores.

    ``id()`` would not do: after a rebuild the old index object may be freed and its id
    reused, and cached scores would then point at the wrong documents.
    """
    ix.kb_serial = next(_SERIALS)
    return ix


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


def _weighting() -> BM25F:
    return BM25F(B=BM25_B, K1=BM25_K1, title_kk_B=BM25_TITLE_B, title_ru_B=BM25_TITLE_B)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


__all__ = ["SearchFilters", "SearchIndex", "SearchIndexError"]
