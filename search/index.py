"""The search index of published articles and competent bodies: one object for callers.

:class:`SearchIndex` puts together the index's lifecycle on disk
(:mod:`search.lifecycle`: open, update, rebuild by generations, following other
processes), the per-thread searchers (:mod:`search.searchers`) and the query pipeline
(:mod:`search.pipeline`: parse → plan → retrieve → fuse → present).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

from search.filters import SearchFilters
from search.lifecycle import LiveIndex
from search.lifecycle import SearchIndexError
from search.pipeline import DEFAULT_TIME_BUDGET_MS
from search.pipeline import RESULT_CACHE_ENTRIES
from search.pipeline import QueryPipeline
from search.results import SearchResult
from search.schema import IndexDoc
from search.searchers import ThreadSearchers
from search.stages import RetrievalStage
from search.synonyms import SynonymGroup


class SearchIndex:
    """The search index of published articles and competent bodies.

    Open it with :meth:`open`; it is safe to share between threads.

    :param storage_dir: the index directory (existing), or None for an in-memory index.
    :param result_cache: whole results kept for repeated queries (0: none).
    :param adopt: False does not switch to a generation prepared for this schema version.
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
        self._pipeline = QueryPipeline(self._searchers, result_cache)

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

    # -- lifecycle -----------------------------------------------------------

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

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk had another schema version and was set aside."""
        return self._live.needs_rebuild

    def last_commit(self) -> str | None:
        """Return the content commit the index was last brought up to, if any.

        :returns: the marker given to the last :meth:`update` or :meth:`rebuild`.
        """
        return self._live.last_commit()

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

    # -- reading -------------------------------------------------------------

    def doc_count(self) -> int:
        """Return how many items are indexed.

        :returns: the number of live documents.
        """
        return self._pipeline.view().doc_count()

    def keys(self, kind: str | None = None) -> dict[str, str]:
        """Return the indexed keys with their stamps, for drift detection.

        :param kind: only items of this kind (``"body"``: a few dozen, read through the
            ``kind`` postings instead of every stored document).
        :returns: ``{key: stamp}`` (see :func:`search.schema.stamp_of`).
        """
        return self._pipeline.view().stored_keys(kind)

    def set_synonyms(self, groups: Iterable[SynonymGroup]) -> None:
        """Replace the synonym groups expanded at query time (no reindexing needed).

        :param groups: the parsed groups of ``synonyms.txt``.
        """
        self._pipeline.set_synonyms(groups)

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
        :param stage: a further retrieval stage (:mod:`search.stages`; the semantic one
            on a settled search) whose candidates are fused with the lexical ones.
        :returns: the result, with no hits for empty or punctuation-only text.
        :raises QueryError: for text longer than ``MAX_QUERY_CHARS`` or a bad filter.
        """
        return self._pipeline.search(
            q,
            lang=lang,
            limit=limit,
            filters=filters,
            time_budget_ms=time_budget_ms,
            prefer=prefer,
            stage=stage,
        )

    def cache_info(self) -> dict[str, int]:
        """Tell how the result cache has done in this process (for benchmarks and health).

        :returns: ``{"hits": ..., "misses": ..., "entries": ..., "max_entries": ...}``.
        """
        return self._pipeline.cache_info()

    def prepare_terms(self) -> int:
        """Read the term lists that complete unfinished words now (a worker's warm-up).

        :returns: how many terms they hold.
        """
        return self._pipeline.prepare_terms()

    def wait_for_typo_index(self, timeout: float = 30.0) -> bool:
        """Build the typo indexes now if needed and wait for them (benchmarks, warm-up).

        :param timeout: seconds to wait at most.
        :returns: True when both languages' typo indexes are ready.
        """
        return self._pipeline.wait_for_typo_index(timeout)

    def close(self) -> None:
        """Close every thread's searcher (at shutdown; a later search opens a new one)."""
        self._searchers.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = ["SearchFilters", "SearchIndex", "SearchIndexError"]
