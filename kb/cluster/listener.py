"""What other nodes announce: ``NOTIFY`` wake-ups and the newest recorded published head.

The worker's follower (:mod:`kb.follower`) asks :meth:`Listener.latest` at the start of
each round (the table keeps what a lost notification would have said) and waits in
:meth:`Listener.wait` between rounds, so a notification starts the next round at once.
The listener holds one connection of its own; with the database away it answers "nothing
announced" and reconnects later, with a bounded back-off: it never raises.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import psycopg

from kb.cluster import heads

log = logging.getLogger(__name__)

#: Seconds to wait for the database when (re)connecting.
CONNECT_TIMEOUT = 5
#: Longest wait between reconnection attempts, in seconds.
MAX_BACKOFF = 10.0


class Listener:
    """``LISTEN`` on :data:`kb.cluster.heads.CHANNEL` on a connection of its own.

    :param dsn: libpq connection string of the shared database.
    """

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: psycopg.Connection[Any] | None = None
        self._backoff = 0.5
        self._retry_at = 0.0

    def latest(self) -> str | None:
        """The newest announced published commit (``None``: none yet, or no database)."""
        conn = self._connection()
        if conn is None:
            return None
        try:
            return heads.latest(conn)
        except psycopg.Error as exc:
            self._lost(exc)
            return None

    def wait(self, timeout: float, stop: threading.Event) -> list[str]:
        """Wait up to ``timeout`` seconds for a notification (or ``stop``).

        :returns: the commits the notifications named (empty after a quiet wait).
        """
        deadline = time.monotonic() + timeout
        conn = self._connection()
        if conn is None:
            stop.wait(timeout)
            return []
        payloads: list[str] = []
        try:
            # short slices, so that stop is seen within a fraction of a second
            while not payloads and not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for note in conn.notifies(timeout=min(left, 0.5), stop_after=1):
                    payloads.append(note.payload)
        except (psycopg.Error, OSError) as exc:
            self._lost(exc)
            stop.wait(max(0.0, deadline - time.monotonic()))
        return payloads

    def close(self) -> None:
        """Close the connection (a later call reconnects)."""
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def _connection(self) -> psycopg.Connection[Any] | None:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        if time.monotonic() < self._retry_at:
            return None
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            conn.execute(f"LISTEN {heads.CHANNEL}")
        except (psycopg.Error, OSError) as exc:
            self._lost(exc)
            return None
        self._conn = conn
        self._backoff = 0.5
        return conn

    def _lost(self, exc: BaseException) -> None:
        log.warning("listener lost the database (%s); retrying in %.1f s", exc, self._backoff)
        self.close()
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(MAX_BACKOFF, self._backoff * 2)
