"""Bringing the vector set up to the lexical index: the background step after publishing.

The lexical index is updated first, as always (searchable within a second); then this
step compares the index's items and stamps with the live vector set, and embeds only
what is new or changed. Passages are looked up in the cache by content hash first, so a
rebuild of unchanged content, a republication, or a deleted ``vectors/`` folder embeds
nothing. A long first run makes its progress live every ``PUBLISH_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from filelock import FileLock

from search.schema import IndexDoc
from search.schema import stamp_of
from search.semantic.cache import VectorCache
from search.semantic.chunks import chunk_texts
from search.semantic.chunks import text_hash
from search.semantic.embedder import Embedder
from search.semantic.embedder import Vector
from search.semantic.embedding import embed_cached
from search.semantic.vectors import VectorSet
from search.semantic.vectors import VectorStore

#: Items loaded and embedded per step.
DOCS_PER_STEP = 32
#: During a long run, the work done so far is made live this often (seconds).
PUBLISH_SECONDS = 60.0

#: ``(key, stamp, fields, vectors)`` of one item in a set.
Item = tuple[str, str, Mapping[str, Any], Vector]


@dataclass(frozen=True)
class RefreshReport:
    """What one refresh did.

    :param items: items in the new set.
    :param changed: items (re)embedded or re-chunked because new or changed.
    :param removed: items dropped (no longer published).
    :param passages: passages of the changed items.
    :param embedded: passages the model had to embed (not in the cache).
    :param seconds: time taken.
    """

    items: int
    changed: int
    removed: int
    passages: int
    embedded: int
    seconds: float


def hit_fields(doc: IndexDoc) -> dict[str, Any]:
    """The fields kept beside an item's vectors (see ``vectors.HIT_FIELDS``)."""
    return {
        "id": doc.id,
        "lang": doc.lang,
        "kind": doc.kind,
        "category": doc.category,
        "agencies": list(doc.agencies),
        "services": list(doc.services),
    }


def refresh(
    store: VectorStore,
    cache: VectorCache,
    embedder: Embedder,
    stamps: Mapping[str, str],
    load: Callable[[Sequence[str]], Iterable[IndexDoc]],
    commit: str | None,
    *,
    progress: Callable[[int], object] | None = None,
    on_plan: Callable[[int], object] | None = None,
) -> RefreshReport:
    """Make the live set hold exactly the items of ``stamps``, embedding what changed.

    :param store: the vector sets.
    :param cache: passage vectors by content hash.
    :param embedder: the model.
    :param stamps: ``{key: stamp}`` of every item in the lexical index.
    :param load: returns the IndexDocs of some keys (from the published content).
    :param commit: the published commit ``stamps`` reflect.
    :param progress: called with the number of items just done (a progress bar).
    :param on_plan: called once with the number of items to (re)embed.
    :returns: what was done.
    """
    started = time.perf_counter()
    with FileLock(str(store.lock_path())):
        live = store.reload()
        kept: dict[str, Item] = {}
        for i, entry in enumerate(live.entries):
            if stamps.get(entry.key) == entry.stamp:
                kept[entry.key] = _item_of(live, i)
        todo = [key for key in stamps if key not in kept]
        removed = sum(1 for entry in live.entries if entry.key not in stamps)
        if on_plan is not None:
            on_plan(len(todo))
        if not todo and not removed and live.commit == commit and live.name:
            return RefreshReport(len(kept), 0, 0, 0, 0, time.perf_counter() - started)
        stale = {e.key: _item_of(live, i) for i, e in enumerate(live.entries) if e.key in stamps}
        fresh: dict[str, Item] = {}
        passages = embedded = 0
        last_publish = time.monotonic()
        for begin in range(0, len(todo), DOCS_PER_STEP):
            docs = list(load(todo[begin : begin + DOCS_PER_STEP]))
            chunked = [(doc, chunk_texts(doc)) for doc in docs]
            vectors, count = embed_cached(
                embedder, cache, [t for _doc, texts in chunked for t in texts]
            )
            embedded += count
            for doc, texts in chunked:
                passages += len(texts)
                rows = np.stack([vectors[text_hash(embedder.name, t)] for t in texts])
                fresh[doc.key] = (doc.key, stamp_of(doc), hit_fields(doc), rows)
            if progress is not None:
                progress(len(docs))
            if time.monotonic() - last_publish >= PUBLISH_SECONDS and begin + DOCS_PER_STEP < len(
                todo
            ):
                # Partial: changed items not reached yet keep their old vectors.
                store.write(_ordered(stamps, kept, fresh, stale), None)
                last_publish = time.monotonic()
        store.write(_ordered(stamps, kept, fresh, {}), commit)
    return RefreshReport(
        len(kept) + len(fresh),
        len(fresh),
        removed,
        passages,
        embedded,
        time.perf_counter() - started,
    )


def _item_of(live: VectorSet, i: int) -> Item:
    entry = live.entries[i]
    return (entry.key, entry.stamp, entry.fields, np.asarray(live.matrix[entry.start : entry.stop]))


def _ordered(
    stamps: Mapping[str, str],
    kept: Mapping[str, Item],
    fresh: Mapping[str, Item],
    stale: Mapping[str, Item],
) -> list[Item]:
    """The items of the next set in the index's key order: fresh, else kept, else stale."""
    out = []
    for key in stamps:
        item = fresh.get(key) or kept.get(key) or stale.get(key)
        if item is not None:
            out.append(item)
    return out


def docs_loader(
    docs: Iterable[IndexDoc],
) -> tuple[dict[str, str], Callable[[Sequence[str]], list[IndexDoc]]]:
    """Stamps and a loader for documents already in memory (benchmarks, tests).

    :param docs: the items.
    :returns: ``({key: stamp}, load)``.
    """
    by_key = {doc.key: doc for doc in docs}
    stamps = {key: stamp_of(doc) for key, doc in by_key.items()}

    def load(keys: Sequence[str]) -> list[IndexDoc]:
        return [by_key[key] for key in keys]

    return stamps, load
