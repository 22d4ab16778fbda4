"""One leader for periodic work, chosen with a PostgreSQL advisory lock.

Each worker of each node may ask :meth:`Leadership.is_leader` before a periodic job; the
first to take ``pg_try_advisory_lock`` on its own dedicated connection keeps it for as
long as that connection lives. When the worker (or its node) dies the connection closes,
PostgreSQL releases the lock, and the next worker to ask becomes the leader.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg

log = logging.getLogger(__name__)

#: The advisory lock key of the periodic jobs ("kb1414" read as a number).
LOCK_KEY = 0x6B623134
#: Seconds to wait for the database when checking leadership.
CONNECT_TIMEOUT = 5


class Leadership:
    """This worker's claim on the periodic work.

    :param dsn: libpq connection string of the shared database.
    :param key: advisory lock key.
    """

    def __init__(self, dsn: str, key: int = LOCK_KEY) -> None:
        self.dsn = dsn
        self.key = key
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False
        self._lock = threading.Lock()

    def is_leader(self) -> bool:
        """Whether this worker holds the lock now (taking it if it is free).

        A lost connection loses the lock: the check reconnects and tries again. Errors
        count as "not the leader" (no periodic work without the database).
        """
        with self._lock:
            try:
                conn = self._connection()
                if self._held:
                    conn.execute("SELECT 1")  # still alive: the lock is still ours
                    return True
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                self._held = bool(row and row[0])
                if self._held:
                    log.info("this worker now leads the periodic work")
                return self._held
            except psycopg.Error as exc:
                log.warning("leadership check failed (%s): not leading this round", exc)
                self._drop()
                return False

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._held = False
            self._conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        return self._conn

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def resign(self) -> None:
        """Close the connection (the lock is released with it)."""
        with self._lock:
            self._drop()
