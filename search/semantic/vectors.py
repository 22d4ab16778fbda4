"""The live article vectors: one memory-mapped matrix that every worker shares.

On disk (``KB_HOME/vectors/``)::

    cache.sqlite3     passage vectors by content hash (search.semantic.cache)
    CURRENT           name of the live set, replaced atomically
    set-<n>/          matrix.npy (float32, one row per passage) and docs.json
    write.lock        held by the one process that writes a new set

``docs.json`` lists, in row order, each item's key, stamp (``search.schema.stamp_of``),
first and last row and the fields a result needs. Workers map ``matrix.npy`` read-only
(``numpy.load(mmap_mode="r")``): the pages live once in the operating system's page cache
however many workers read them. A new set is written beside the live one and
``CURRENT`` is swapped; a worker notices within ``RELOAD_SECONDS`` and maps the new one
(the old file stays readable by whoever still maps it, even once deleted).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from search.semantic.embedder import Vector

#: How often a reader checks ``CURRENT`` for a new set (seconds).
RELOAD_SECONDS = 1.0
#: The matrix's type on disk (and so in the page cache every worker shares).
MATRIX_DTYPE = np.float32
#: Rows of a float16 matrix widened at a time (1.5 MB as float32: in the CPU's cache).
BLOCK_ROWS = 1024
#: Fields of an item kept beside its vectors: what the filters and the translation
#: look-up need. A hit is presented from the index's stored fields (the pipeline's
#: presenter), so no text is kept here: 20,000 items' titles and leads cost a worker
#: about 50 MB of private memory in the first form of the stage.
HIT_FIELDS = ("id", "lang", "kind", "category", "agencies", "services")


@dataclass(frozen=True)
class Entry:
    """One item of a vector set.

    :param key: the index key (``kk/iin``).
    :param stamp: the fingerprint of what was embedded (``stamp_of`` of its IndexDoc).
    :param start: its first row in the matrix.
    :param stop: one past its last row.
    :param fields: what filters and translations need (see ``HIT_FIELDS``).
    """

    key: str
    stamp: str
    start: int
    stop: int
    fields: Mapping[str, Any]


@dataclass
class VectorSet:
    """A loaded set: the matrix (mapped), its entries, and look-ups built from them.

    :param name: the set's folder name (``""`` for the empty set).
    :param commit: the published commit it reflects, or None when it is partial.
    :param matrix: the passage vectors, one row each.
    :param entries: the items in row order.
    """

    name: str
    commit: str | None
    matrix: npt.NDArray[np.floating[Any]]
    entries: tuple[Entry, ...]
    by_key: dict[str, int] = field(default_factory=dict)
    by_version: dict[tuple[str, str, str], int] = field(default_factory=dict)
    starts: npt.NDArray[np.intp] = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    masks: dict[tuple[tuple[str, str], ...], npt.NDArray[np.bool_]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_key = {entry.key: i for i, entry in enumerate(self.entries)}
        self.by_version = {
            (str(e.fields.get("kind")), str(e.fields.get("id")), str(e.fields.get("lang"))): i
            for i, e in enumerate(self.entries)
        }
        self.starts = np.array([entry.start for entry in self.entries], dtype=np.intp)

    def doc_scores(self, query: Vector, head_share: float = 0.0) -> npt.NDArray[np.float32]:
        """Each item's best cosine with ``query`` over its passages (brute force), mixed
        with its head passage's cosine by ``head_share``.

        A float16 matrix is read in blocks of ``BLOCK_ROWS`` rows, each widened to
        float32 (numpy has no fast float16 product) while it is still in the CPU cache.

        :param query: an L2-normalised query vector.
        :param head_share: share of the head passage (the first) in an item's score.
        :returns: one score per entry, in entry order.
        """
        if not self.entries:
            return np.zeros(0, dtype=np.float32)
        query = np.asarray(query, dtype=np.float32)
        if self.matrix.dtype == np.float32:
            rows = self.matrix @ query
        else:
            rows = np.empty(len(self.matrix), dtype=np.float32)
            block = np.empty((BLOCK_ROWS, self.matrix.shape[1]), dtype=np.float32)
            for start in range(0, len(self.matrix), BLOCK_ROWS):
                part = self.matrix[start : start + BLOCK_ROWS]
                wide = block[: len(part)]
                wide[...] = part
                np.dot(wide, query, out=rows[start : start + len(part)])
        best = np.maximum.reduceat(rows, self.starts)
        if head_share:
            best = (1.0 - head_share) * best + head_share * rows[self.starts]
        return best.astype(np.float32, copy=False)

    def mask(self, terms: tuple[tuple[str, str], ...]) -> npt.NDArray[np.bool_] | None:
        """Which entries pass the filter ``terms`` (``SearchFilters.terms()``), or None."""
        if not terms:
            return None
        found = self.masks.get(terms)
        if found is None:
            found = np.array(
                [
                    all(_matches(e.fields, name, value) for name, value in terms)
                    for e in self.entries
                ],
                dtype=np.bool_,
            )
            self.masks[terms] = found
        return found


def _matches(fields: Mapping[str, Any], name: str, value: str) -> bool:
    """Whether an entry has ``value`` in the filter field ``name``."""
    if name in ("agencies", "services"):
        return value in (fields.get(name) or ())
    return str(fields.get(name) or "") == value


def _kept(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``HIT_FIELDS`` of an entry (a set written by an older version has more)."""
    return {name: fields[name] for name in HIT_FIELDS if name in fields}


def empty_set(dim: int) -> VectorSet:
    """The set of a folder with no vectors yet."""
    return VectorSet("", None, np.zeros((0, dim), dtype=np.float32), ())


class VectorStore:
    """The vector sets of one instance: reading the live one, writing new ones.

    :param root: the folder (``KB_HOME/vectors``); created when missing.
    :param dim: the length of the vectors.
    """

    def __init__(self, root: Path, dim: int) -> None:
        self.root = root
        self.dim = dim
        root.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.Lock()
        self._live = empty_set(dim)
        self._checked = 0.0

    # -- reading ---------------------------------------------------------------------

    def current_name(self) -> str:
        """The live set's folder name, or ``""`` when there is none."""
        try:
            return (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return ""

    def live(self) -> VectorSet:
        """The live set, re-read when another process swapped ``CURRENT``."""
        now = time.monotonic()
        if now - self._checked < RELOAD_SECONDS:
            return self._live
        with self._mutex:
            self._checked = now
            name = self.current_name()
            if name != self._live.name:
                self._live = self._load(name) if name else empty_set(self.dim)
        return self._live

    def reload(self) -> VectorSet:
        """Re-read ``CURRENT`` now (after this process wrote a set)."""
        self._checked = 0.0
        return self.live()

    def _load(self, name: str) -> VectorSet:
        folder = self.root / name
        try:
            meta = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
            matrix = np.load(folder / "matrix.npy", mmap_mode="r")
        except (FileNotFoundError, ValueError):
            return self._live  # removed or half-written: keep what is loaded
        entries = tuple(
            Entry(e["key"], e["stamp"], e["start"], e["stop"], _kept(e["fields"]))
            for e in meta["docs"]
        )
        return VectorSet(name, meta.get("commit"), matrix, entries)

    # -- writing ---------------------------------------------------------------------

    def write(
        self,
        entries: Sequence[tuple[str, str, Mapping[str, Any], Vector]],
        commit: str | None,
    ) -> VectorSet:
        """Write a new set and make it live (the caller holds :meth:`lock`).

        :param entries: ``(key, stamp, fields, vectors)`` per item, ``vectors`` one row
            per passage.
        :param commit: the published commit the set reflects (None: partial).
        :returns: the new set, loaded.
        """
        number = 1 + max(
            (int(p.name[4:]) for p in self.root.glob("set-*") if p.name[4:].isdigit()),
            default=0,
        )
        name = f"set-{number}"
        folder = self.root / name
        folder.mkdir()
        rows = sum(len(v) for _k, _s, _f, v in entries)
        matrix = np.lib.format.open_memmap(
            folder / "matrix.npy", mode="w+", dtype=MATRIX_DTYPE, shape=(rows, self.dim)
        )
        docs = []
        row = 0
        for key, stamp, fields, vectors in entries:
            matrix[row : row + len(vectors)] = vectors
            docs.append(
                {
                    "key": key,
                    "stamp": stamp,
                    "start": row,
                    "stop": row + len(vectors),
                    "fields": fields,
                }
            )
            row += len(vectors)
        matrix.flush()
        del matrix
        meta = {"commit": commit, "dim": self.dim, "docs": docs}
        (folder / "docs.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(name + "\n", encoding="utf-8")
        os.replace(pointer, self.root / "CURRENT")
        self._remove_old(keep=name)
        return self.reload()

    def _remove_old(self, keep: str) -> None:
        """Delete every set but ``keep`` (workers still mapping one keep reading it)."""
        for folder in self.root.glob("set-*"):
            if folder.name != keep and folder.is_dir():
                for part in folder.iterdir():
                    part.unlink(missing_ok=True)
                folder.rmdir()

    def lock_path(self) -> Path:
        """The file every writer of a new set locks."""
        return self.root / "write.lock"
