"""The index's lifecycle on disk: open, follow, update, rebuild by generations.

On disk (``KB_HOME/index/``)::

    CURRENT            name of the live generation directory, replaced atomically
    gen-<n>/           a Whoosh index plus ``kb-state.json`` (schema version, last commit)
    write.lock         the cross-process lock every writer holds

``rebuild`` writes a new generation next to the live one (without blocking other
writers) and then, under the lock, points ``CURRENT`` at it and lets the caller apply what
was published meanwhile, so searches never see a half-built or empty index and no
publication is lost. ``switch=False`` (``kb index prepare``) builds one without switching
(before an upgrade that changes ``SCHEMA_VERSION``); opening with the new version switches
to it. Opening removes generations a builder that died left unfinished
(:mod:`search.generations`). :meth:`LiveIndex.follow` notices a rebuild made by another
process. Nothing here runs queries: :mod:`search.searchers` opens them on :attr:`LiveIndex.ix`.
"""

from __future__ import annotations

import itertools
import shutil
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filestore import Storage
from whoosh.index import Index
from whoosh.writing import MERGE_SMALL
from whoosh.writing import SegmentWriter

from articles import crashpoints
from search import generations
from search.schema import SCHEMA_VERSION
from search.schema import IndexDoc
from search.schema import build_schema
from search.schema import document_from

#: How long a writer waits for another writer before giving up.
LOCK_TIMEOUT_SECONDS = 60.0
#: Whether Whoosh may memory-map index files (see _storage).
USE_MMAP = False
#: Memory Whoosh's writer may use for sorting postings during a rebuild.
REBUILD_LIMIT_MB = 64

_INDEX_NAME = "MAIN"

#: How segments are written: postings blocks are not zlib-compressed. On 3,000 documents
#: this wrote 7 % faster (the index is 60 % larger on disk: 40 MB instead of 25), and
#: every postings read skips a decompression. Segments stay compound files: a searcher
#: opens a segment's parts lazily, and once a merge has deleted the separate files of a
#: segment, a searcher still reading it failed (tests/search/test_index.py, threads
#: searching while another publishes).
_WRITER_OPTIONS: dict[str, Any] = {"codec": W3Codec(compression=0)}

#: Segments of at most this many documents are merged into the next commit's segment.
SMALL_SEGMENT_DOCS = 200


def merge_small_segments(writer: SegmentWriter, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: fold every small segment into the segment being written.

    Each publication commits a segment of one or two documents. Whoosh's ``MERGE_SMALL``
    lets five or more of them pile up before it merges, and every term lookup of every
    query visits every segment (a multi-word query's first reading took 80 ms on 20,000
    documents and six segments). Rewriting a few small segments at each commit keeps the
    index at its large segments plus one small one; larger segments are left to
    ``MERGE_SMALL``.

    :param writer: the writer committing.
    :param segments: the index's current segments.
    :returns: the segments kept as they are.
    """
    from whoosh.reading import SegmentReader

    small = [seg for seg in segments if seg.doc_count_all() <= SMALL_SEGMENT_DOCS]
    if not small:
        return MERGE_SMALL(writer, segments)
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return MERGE_SMALL(writer, [seg for seg in segments if seg not in small])


class RamIndexStorage(RamStorage):
    """RAM storage whose temporary files get a random directory name.

    Whoosh's ``RamStorage`` puts a writer's temporary files in ``/tmp/<indexname>.tmp``,
    a name shared by every process, so parallel test workers deleted each other's files.
    """

    def temp_storage(self, name: str | None = None) -> FileStorage:
        return super().temp_storage(None)


class SearchIndexError(RuntimeError):
    """The index cannot be opened or written."""


class LiveIndex:
    """The live Whoosh index of a directory (or of RAM), and every write to it.

    Safe to share between threads: writers hold an in-process lock and, on disk, the
    cross-process file lock.

    :param storage_dir: the index directory (existing), or None for an in-memory index.
    :param adopt: False does not switch to a generation prepared for this schema version.
    """

    def __init__(self, storage_dir: Path | None, adopt: bool = True) -> None:
        self.path = storage_dir
        self._mutex = threading.RLock()
        self._open_mutex = threading.Lock()
        self._lock = FileLock(str(storage_dir / "write.lock")) if storage_dir else None
        #: Counts this process's commits and swaps (searchers reopen when it moves).
        self.version = 0
        self._ram_state: dict[str, Any] = {}
        self._generation = ""
        self._adopt = adopt
        self._stale = False
        #: The opened live index (replaced by a swap or by following another process).
        self.ix = _tagged(self._open_current())

    def _open_current(self) -> Index:
        """Open the live generation, creating an empty one when there is none."""
        if self.path is None:
            storage: Storage = RamIndexStorage()
            self._ram_state = {"schema_version": SCHEMA_VERSION, "last_commit": None}
            return storage.create_index(build_schema(), indexname=_INDEX_NAME)
        with self._write_lock():
            generations.remove_unfinished(self.path)
            name = generations.read_current(self.path)
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
                    return RamIndexStorage().create_index(build_schema(), indexname=_INDEX_NAME)
                self._stale = False  # built by `kb index prepare`: switch, then catch up
                generations.point_current(self.path, ready)
                name = ready
            elif name is None or state is None:
                self._stale = name is not None
                name = self._new_generation()
                self._write_state(name, None)
                generations.point_current(self.path, name)
            else:
                self._stale = False
            self._generation = name
            return _storage(self.path / name).open_index(indexname=_INDEX_NAME)

    def _new_generation(self) -> str:
        """Create an empty index in a new generation directory and return its name."""
        assert self.path is not None
        name = generations.new_generation(self.path)
        _storage(self.path / name).create_index(build_schema(), indexname=_INDEX_NAME)
        return name

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
            self.follow()
            yield

    def follow(self) -> None:
        """Follow a rebuild made by another process (open the generation ``CURRENT`` names).

        Needs no file lock: a generation is complete before ``CURRENT`` names it.
        """
        if self.path is None:
            return
        name = generations.read_current(self.path)
        if name and name != self._generation:
            with self._open_mutex:
                if name != self._generation:
                    storage = _storage(self.path / name)
                    self.ix = _tagged(storage.open_index(indexname=_INDEX_NAME))
                    self._generation = name

    # -- state ---------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk had another schema version and was set aside."""
        return self._stale

    def last_commit(self) -> str | None:
        """Return the content commit the index was last brought up to, if any.

        :returns: the marker given to the last :meth:`update` or :meth:`rebuild`.
        """
        if self.path is not None:
            name = generations.read_current(self.path) or self._generation
            state = self._read_state(name) or {}
        else:
            state = self._ram_state
        marker = state.get("last_commit")
        return marker if isinstance(marker, str) else None

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
            self.follow()
            writer = self.ix.writer(**_WRITER_OPTIONS)
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
            writer.commit(mergetype=merge_small_segments)
            self._write_state(self._generation, commit_marker or self.last_commit())
            self.version += 1
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

        See :meth:`search.SearchIndex.rebuild` for the parameters.

        :returns: the number of documents written.
        """
        if self.path is None:
            with self._write_lock():
                ix = RamIndexStorage().create_index(build_schema(), indexname=_INDEX_NAME)
                count = _fill(ix, docs, procs=1)
                self._write_state("", commit_marker)
                self.ix = _tagged(ix)
                self._stale = False
                self.version += 1
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
                count = _fill(ix, docs, procs=procs)
                crashpoints.reach("index.rebuild.built")
                with self.writing() if switch else self._write_lock():
                    self._write_state(name, commit_marker)
                    if switch:
                        old = self._generation
                        generations.point_current(root, name)
                        self._generation = name
                        # Generations older than the previous one go; the previous one
                        # stays until the next rebuild, so searchers of other processes
                        # that have not yet noticed the swap can finish their queries.
                        generations.remove_generations(root, {name, old})
                        self.ix = _tagged(ix)
                        self._stale = False
                        self.version += 1
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


def _fill(ix: Index, docs: Iterable[IndexDoc], *, procs: int) -> int:
    """Write ``docs`` into the empty index ``ix`` and commit; returns the count."""
    if procs > 1:
        # Each worker writes its own segment; merging them would cost as much as the
        # parallel part saved, and searching two segments costs nothing.
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
