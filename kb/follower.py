"""Following publications made elsewhere: the one background follower of each worker.

A worker updates the index itself when it publishes, but another process may publish
too: ``kb import --publish`` (perhaps killed after its commit, before indexing), a cron
``kb publish-due``, or another node. One thread per worker, :class:`Follower`, brings
the index up to the published head in rounds:

- a round starts every ``INDEX_FOLLOW_SECONDS``, and at once when another node's
  ``NOTIFY`` arrives (several nodes on PostgreSQL with ``CONTENT_REMOTE``: the
  :class:`~kb.cluster.listener.Listener` also reads the newest row of
  ``published_heads``, since a notification can be lost);
- when an announced commit is not in this node's clone, the round fetches from the
  remote first (:meth:`articles.store.ArticleStore.follow_remote`);
- then it applies the difference incrementally
  (:meth:`kb.services.KnowledgeBase.catch_up_index`: one ref read when nothing changed),
  so ``/-/readyz`` turns ready again;
- a publication whose announcement failed (the database was restarting) is announced
  again (:meth:`kb.cluster.heads.Announcer.retry`), and the first round after a start
  announces a published head newer than the newest announced one (a node killed
  between its push and its announcement).

Errors never end the thread: a failed round is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from articles.errors import ArticleError
from kb.services import KnowledgeBase

if TYPE_CHECKING:
    from kb.cluster.heads import Announcer
    from kb.cluster.listener import Listener

log = logging.getLogger(__name__)

_COMMIT = re.compile(r"[0-9a-f]{40}")


def follow_once(kb: KnowledgeBase, announced: Sequence[str] = ()) -> str | None:
    """One round: fetch when an announced commit is missing here, then catch the index up.

    Errors are logged, never raised (the thread must live on).

    :param kb: the worker's service object.
    :param announced: published (or draft) commits other nodes announced.
    :returns: the published head the index reflects, or None when the round failed.
    """
    store = kb.store
    try:
        wanted = [c for c in announced if c and _COMMIT.fullmatch(c)]
        if store.remote is not None and any(store.repo.resolve(c) is None for c in wanted):
            store.follow_remote()
    except ArticleError as exc:  # the remote is unreachable: serve what we have, retry
        log.warning("could not fetch what another node announced: %s", exc)
    try:
        return kb.catch_up_index()
    except Exception:  # noqa: BLE001 - retried next round; /-/readyz reports the lag
        log.exception("catching the index up failed; retrying next round")
        return None


class Follower:
    """The worker's follower thread (see the module's description).

    :param kb: the worker's service object.
    :param interval: longest time between rounds, in seconds.
    :param listener: other nodes' announcements (``None`` on one machine).
    :param announcer: this process's announcer, whose failed announcements are retried.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        interval: float,
        listener: Listener | None = None,
        announcer: Announcer | None = None,
    ) -> None:
        self.kb = kb
        self.interval = interval
        self.listener = listener
        self.announcer = announcer
        self.stop_event = threading.Event()
        #: Rounds done so far (tests and the benchmark read it).
        self.rounds = 0
        self._thread: threading.Thread | None = None

    def round(self, notified: Sequence[str] = ()) -> str | None:
        """Run one round now; returns the head reached (None when it failed).

        :param notified: commits named by notifications since the last round.
        """
        announced = list(notified)
        latest = self.listener.latest() if self.listener is not None else None
        if latest is not None:
            announced.insert(0, latest)
        head = follow_once(self.kb, announced)
        if self.announcer is not None:
            self.announcer.retry()
            if self.rounds == 0 and head is not None and self._unannounced(head, latest):
                # A node that died between its push and its announcement (kill -9 in
                # the middle of a publish) left a publication the others never heard
                # of; this start, which fetched it, announces it for them.
                self.announcer.announce(head)
        self.rounds += 1
        return head

    def _unannounced(self, head: str, latest: str | None) -> bool:
        """Whether ``head`` is newer than the newest announced published commit."""
        if self.listener is None or head == latest:
            return False
        repo = self.kb.store.repo
        return latest is None or (
            repo.resolve(latest) == latest
            and repo.succeeds("merge-base", "--is-ancestor", latest, head)
        )

    def start(self) -> None:
        """Start the daemon thread."""
        self._thread = threading.Thread(target=self._run, name="kb-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it (bounded); closes the listener."""
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.listener is not None:
            self.listener.close()

    def _run(self) -> None:
        notified: list[str] = []
        while not self.stop_event.is_set():
            try:
                self.round(notified)
            except Exception:  # noqa: BLE001 - the thread must live on
                log.exception("follower round failed")
            if self.listener is not None:
                notified = self.listener.wait(self.interval, self.stop_event)
            else:
                self.stop_event.wait(self.interval)


def start(
    kb: KnowledgeBase,
    interval: float,
    *,
    listener: Listener | None = None,
    announcer: Announcer | None = None,
) -> Follower:
    """Start the worker's follower; call :meth:`Follower.stop` to end it.

    :param kb: the worker's service object.
    :param interval: seconds between rounds (``INDEX_FOLLOW_SECONDS``).
    :param listener: other nodes' announcements, on PostgreSQL with a content remote.
    :param announcer: this process's announcer (its failed announcements are retried).
    """
    follower = Follower(kb, interval=interval, listener=listener, announcer=announcer)
    follower.start()
    return follower
