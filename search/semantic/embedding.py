"""Embedding passages through the cache: only text never seen before costs the model."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence

from search.semantic.cache import VectorCache
from search.semantic.chunks import text_hash
from search.semantic.embedder import Embedder
from search.semantic.embedder import Vector

#: Passages given to the model in one call (one progress step, one cache transaction).
EMBED_BATCH = 8


def embed_cached(
    embedder: Embedder,
    cache: VectorCache,
    texts: Sequence[str],
    progress: Callable[[int], object] | None = None,
) -> tuple[dict[str, Vector], int]:
    """Return the vectors of ``texts`` by hash, embedding only those not cached.

    :param embedder: the model.
    :param cache: the vector cache (new vectors are written to it batch by batch, so an
        interrupted run keeps what it computed).
    :param texts: passages.
    :param progress: called with the number of passages just embedded.
    :returns: ``({hash: vector}, passages embedded now)``.
    """
    by_hash = {text_hash(embedder.name, t): t for t in texts}
    found = cache.get_many(by_hash)
    missing = [(h, t) for h, t in by_hash.items() if h not in found]
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = embedder.passages([t for _h, t in batch])
        fresh = {h: vectors[i] for i, (h, _t) in enumerate(batch)}
        cache.put_many(fresh)
        found.update(fresh)
        if progress is not None:
            progress(len(batch))
    return found, len(missing)


def query_vectors_cached(
    embedder: Embedder, cache: VectorCache, texts: Sequence[str]
) -> dict[str, Vector]:
    """Query vectors by text, kept in ``cache`` across runs (benchmarks ask the same
    questions every run; the server keeps its query vectors in memory instead).

    :returns: ``{text: vector}``.
    """
    name = embedder.name + "/query"
    by_hash = {text_hash(name, t): t for t in texts}
    found = cache.get_many(by_hash)
    fresh = {h: embedder.query(t) for h, t in by_hash.items() if h not in found}
    cache.put_many(fresh)
    found.update(fresh)
    return {t: found[h] for h, t in by_hash.items()}
