"""Passage vectors cached by content hash: computed once, reused by every rebuild.

One SQLite file (``KB_HOME/vectors/cache.sqlite3``) maps the hash of (model, passage
text) to its vector. It is derived data: deleting it costs only the time to embed again.
Several processes read and write it at once (SQLite's WAL journal); a vector is written
once and never changed, so no two writers disagree.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from search.semantic.embedder import Vector

#: How long a writer waits for another one (seconds).
BUSY_SECONDS = 30.0
#: Hashes asked per SQL statement (SQLite's variable limit is 999 on old builds).
BATCH = 500


class VectorCache:
    """Vectors by passage hash in one SQLite file.

    :param path: the database file (created with its folder if missing).
    :param dim: the length of the vectors.
    """

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (hash TEXT PRIMARY KEY, vec BLOB)")

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def get_many(self, hashes: Iterable[str]) -> dict[str, Vector]:
        """Return the cached vectors among ``hashes`` (missing ones are left out)."""
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, Vector] = {}
        db = self._db()
        for start in range(0, len(wanted), BATCH):
            part = wanted[start : start + BATCH]
            marks = ",".join("?" * len(part))
            rows = db.execute(f"SELECT hash, vec FROM vectors WHERE hash IN ({marks})", part)
            for digest, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dim,):
                    found[digest] = vector
        return found

    def put_many(self, vectors: Mapping[str, Vector]) -> None:
        """Store vectors by hash (one transaction)."""
        rows = [(h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()]
        with self._db() as db:
            db.executemany("INSERT OR IGNORE INTO vectors (hash, vec) VALUES (?, ?)", rows)

    def count(self) -> int:
        """How many vectors are cached."""
        return int(self._db().execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
