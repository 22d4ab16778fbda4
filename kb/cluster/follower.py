"""A follower thread per server worker: hear of other nodes' publications and catch up.

It ``LISTEN``s on :data:`kb.cluster.heads.CHANNEL` on a connection of its own and, at
least every ``poll_seconds``, reads the newest row of ``published_heads`` (a notification
sent while the connection was down is lost; the table is not). When that commit is not in
the local clone, it fetches from the remote; then it brings the index up to the published
head. Errors never end the thread: it reconnects with a bounded back-off.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import psycopg

from articles.errors import ArticleError
from kb.cluster import heads

log = logging.getLogger(__name__)

_COMMIT = re.compile(r"[0-9a-f]{40}")
#: Longest wait between reconnection attempts, in seconds.
MAX_BACKOFF = 10.0


class Follower:
    """Keep one worker's content clone and index up with what other nodes publish.

    :param dsn: libpq connection string of the shared database.
    :param kb: this worker's :class:`~kb.services.KnowledgeBase`.
    :param poll_seconds: how often the table is read even without a notification.
    :param announcer: this process's announcer, whose failed announcements are retried.
    """

    def __init__(
        self, dsn: str, kb: Any, *, poll_seconds: float = 2.0, announcer: Any | None = None
    ) -> None:
        self.dsn = dsn
        self.kb = kb
        self.poll_seconds = poll_seconds
        self.announcer = announcer
        self.stop_event = threading.Event()
        self.rounds = 0
        self.caught_up = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the daemon thread."""
        self._thread = threading.Thread(target=self._run, name="kb-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it (bounded)."""
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def catch_up(self, announced: str | None, notified: tuple[str, ...] = ()) -> int:
        """Fetch if this clone lacks an announced commit, then update the index.

        :param announced: the newest announced published commit (or ``None``).
        :param notified: commits named by notifications since the last round.
        :returns: documents written to the index.
        """
        store = self.kb.store
        wanted = [c for c in (announced, *notified) if c and _COMMIT.fullmatch(c)]
        if any(store.repo.resolve(commit) is None for commit in wanted):
            store.follow_remote()
        # The one place the follower brings the index up to the published head.
        return int(self.kb.sync_index())

    def _run(self) -> None:
        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {heads.CHANNEL}")
                    backoff = 0.5
                    self._listen(conn)
            except (psycopg.Error, OSError) as exc:
                log.warning("follower lost the database (%s); retrying in %.1f s", exc, backoff)
                self.stop_event.wait(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
            except Exception:  # noqa: BLE001 - the thread must live on
                log.exception("follower round failed")
                self.stop_event.wait(backoff)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        notified: list[str] = []
        while not self.stop_event.is_set():
            try:
                self.catch_up(heads.latest(conn), tuple(notified))
                notified.clear()
            except ArticleError as exc:  # the remote is unreachable: keep serving, retry
                log.warning("follower could not catch up: %s", exc)
            if self.announcer is not None:
                self.announcer.retry()
            self.rounds += 1
            self.caught_up.set()
            deadline = time.monotonic() + self.poll_seconds
            # Wake on the first notification or at the poll deadline, whichever is first.
            for note in conn.notifies(timeout=max(0.05, deadline - time.monotonic()), stop_after=1):
                notified.append(note.payload)
