"""Long-lived per-thread searchers that follow the live index.

Each thread keeps one Whoosh searcher. A commit or a swap in this process is seen by the
thread's next query; a commit or a rebuild of another process within
``REFRESH_SECONDS``. Searchers are reopened with :func:`search.view.reopen_searcher`,
not ``Searcher.refresh()``-ed: refresh reuses segment readers by segment id, and a reused
reader keeps the deletions it was opened with, so unpublished articles would still be
found. ``reopen_searcher`` keeps the open segments too, with the new deletions, so the
first query after a publish does not read every segment's term index again.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Hashable
from dataclasses import dataclass

from whoosh.index import Index
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from search.lifecycle import LiveIndex
from search.view import IndexView
from search.view import ReadCaches
from search.view import StateKey
from search.view import reopen_searcher
from search.weights import BM25_B
from search.weights import BM25_K1
from search.weights import BM25_TITLE_B

#: How often a searcher checks for commits made by other processes.
REFRESH_SECONDS = 0.25


@dataclass
class ThreadSearcher:
    """A thread's searcher and what it was opened on.

    :param ix: the opened index the searcher reads.
    :param searcher: the Whoosh searcher.
    :param checked: when the disk was last checked (``time.monotonic()``).
    :param version: the :attr:`LiveIndex.version` it was opened at.
    :param filters: docnums per filter for this searcher (see :meth:`IndexView.filter_docs`).
    """

    ix: Index
    searcher: Searcher
    checked: float
    version: int
    filters: dict[Hashable, set[int]]
    closed: bool = False

    @property
    def state(self) -> StateKey:
        """Identifies the index state this searcher sees (for cached scores)."""
        return (self.ix.kb_serial, self.searcher.reader().generation())

    def view(self, caches: ReadCaches) -> IndexView:
        """Return a view of this searcher for one query.

        :param caches: the statistics shared by the index's threads.
        :returns: the view.
        """
        return IndexView(self.searcher, self.state, caches, self.filters)


class ThreadSearchers:
    """Every thread's searcher on one :class:`LiveIndex`.

    :param live: the index the searchers read.
    """

    def __init__(self, live: LiveIndex) -> None:
        self._live = live
        self._local = threading.local()
        self._mutex = threading.Lock()
        self._states: list[ThreadSearcher] = []
        # Searchers hold open files (the index is not memory-mapped): close them when an
        # index that nobody closed is collected, instead of leaking file handles.
        weakref.finalize(self, _close_all, self._states, self._mutex)

    def current(self) -> ThreadSearcher:
        """Return this thread's searcher, refreshed if the index changed.

        Checking the disk costs a directory read, so it happens at most every
        ``REFRESH_SECONDS``; commits made in this process are seen at once.

        :returns: the thread's searcher.
        """
        live = self._live
        local: ThreadSearcher | None = getattr(self._local, "state", None)
        if local is not None and local.closed:
            local = None
        now = time.monotonic()
        if (
            local is not None
            and local.ix is live.ix
            and local.version == live.version
            and (live.path is None or now - local.checked < REFRESH_SECONDS)
        ):
            return local
        live.follow()
        if local is not None and local.ix is live.ix:
            if not local.searcher.up_to_date():
                local.searcher = _reopened(live.ix, local.searcher)
                local.filters = {}
            local.version, local.checked = live.version, now
            return local
        if local is not None:
            local.searcher.close()
            with self._mutex:
                if local in self._states:
                    self._states.remove(local)
        ix = live.ix
        state = ThreadSearcher(
            ix=ix,
            searcher=ix.searcher(weighting=_weighting()),
            checked=now,
            version=live.version,
            filters={},
        )
        self._local.state = state
        with self._mutex:
            self._states.append(state)
        return state

    def close(self) -> None:
        """Close every thread's searcher (a later query opens a new one)."""
        _close_all(self._states, self._mutex)


def _close_all(states: list[ThreadSearcher], mutex: threading.Lock) -> None:
    """Close the searchers in ``states`` and empty the list (in place: it is shared)."""
    with mutex:
        closing = list(states)
        states.clear()
    for state in closing:
        state.searcher.close()
        state.closed = True


def _reopened(ix: Index, old: Searcher) -> Searcher:
    """The latest generation's searcher, keeping ``old``'s still-live segments open.

    When the table of contents cannot be read (a writer replaced it meanwhile), ``old``
    is closed and the index opened afresh, as Whoosh does (it retries such reads).
    """
    try:
        return reopen_searcher(ix, old, _weighting())
    except OSError:
        old.close()
        return ix.searcher(weighting=_weighting())


def _weighting() -> BM25F:
    """Whoosh's scorer with the index's BM25F parameters (the pipeline scores itself)."""
    return BM25F(B=BM25_B, K1=BM25_K1, title_kk_B=BM25_TITLE_B, title_ru_B=BM25_TITLE_B)
