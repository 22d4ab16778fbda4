"""The published heads nodes announce to each other (table ``published_heads``, migration
0006) and the ``NOTIFY`` that goes with each.

Draft-line writes (saves, workflow steps) are only notified, not recorded: a node that
missed one fetches when a reader asks for something it does not hold.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from articles import signals
from kb.models import db
from kb.models import utcnow

log = logging.getLogger(__name__)

#: The PostgreSQL notification channel; the payload is the new published commit.
CHANNEL = "kb_published"
#: Rows kept in ``published_heads`` (followers only read the newest).
KEEP_ROWS = 1000
#: Seconds to wait for the database when announcing (a publication is never held longer).
CONNECT_TIMEOUT = 5


class PublishedHead(db.Model):  # type: ignore[name-defined]
    """A published commit as announced by the node that made it."""

    __tablename__ = "published_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    commit: Mapped[str] = mapped_column(String(40))
    node: Mapped[str] = mapped_column(String(200))
    recorded: Mapped[datetime] = mapped_column(default=utcnow)


def node_name() -> str:
    """This process as other nodes see it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def latest(conn: psycopg.Connection[Any]) -> str | None:
    """The newest announced published commit, or ``None`` if none was announced yet."""
    row = conn.execute("SELECT commit FROM published_heads ORDER BY id DESC LIMIT 1").fetchone()
    return str(row[0]) if row else None


def record(conn: psycopg.Connection[Any], commit: str) -> None:
    """Insert ``commit`` and notify every listener, in one transaction (NOTIFY on commit)."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO published_heads (commit, node, recorded) VALUES (%s, %s, %s)",
            (commit, node_name(), utcnow()),
        )
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, commit))
        conn.execute(
            "DELETE FROM published_heads WHERE id <= (SELECT max(id) FROM published_heads) - %s",
            (KEEP_ROWS,),
        )


class Announcer:
    """Records this process's publications (store signals) for the other nodes.

    A publication whose announcement fails (the database is restarting) stays pending and
    is announced again by :meth:`retry` (the follower calls it every round); followers
    also compare heads, so a late announcement only delays them.

    :param dsn: libpq connection string.
    :param kb: the knowledge base whose store's publications are announced.
    """

    def __init__(self, dsn: str, kb: Any) -> None:
        self.dsn = dsn
        self.kb = kb
        self.pending: str | None = None
        self._lock = threading.Lock()

    def connect_signals(self) -> None:
        """Listen to the store's publication signals (strong references: lives with the app)."""
        for signal in (
            signals.article_published,
            signals.article_unpublished,
            signals.file_published,
        ):
            signal.connect(self._on_publication, weak=False)
        for signal in (
            signals.article_saved,
            signals.article_submitted,
            signals.article_approved,
            signals.article_rejected,
            signals.article_scheduled,
            signals.article_deleted,
            signals.file_saved,
        ):
            signal.connect(self._on_draft_write, weak=False)

    def _on_draft_write(self, sender: object, **data: Any) -> None:
        """A draft-line write: notify only (readers also fetch on a miss, see the store)."""
        if sender is not getattr(self.kb, "_store", None):
            return
        try:
            with psycopg.connect(
                self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            ) as conn:
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(data["commit"])))
        except psycopg.Error as exc:
            log.info("could not notify the draft write %s: %s", str(data["commit"])[:10], exc)

    def _on_publication(self, sender: object, **data: Any) -> None:
        if sender is not getattr(self.kb, "_store", None):
            return  # another application's store (tests run several in one process)
        self.announce(str(data["commit"]))

    def announce(self, commit: str) -> bool:
        """Record ``commit`` and notify; on failure keep it pending. Returns success."""
        with self._lock:
            self.pending = commit
            return self._send()

    def retry(self) -> None:
        """Announce a publication whose announcement failed, if any."""
        with self._lock:
            if self.pending is not None:
                self._send()

    def _send(self) -> bool:
        assert self.pending is not None
        try:
            with psycopg.connect(
                self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            ) as conn:
                record(conn, self.pending)
        except psycopg.Error as exc:
            log.warning("could not announce published %s yet: %s", self.pending[:10], exc)
            return False
        self.pending = None
        return True
