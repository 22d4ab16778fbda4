"""Cross-lingual retrieval on NTREX: a question in one language, the answer only in the other.

Both ways, as issue 17 asks:

- ``ru→kk``: the first sentence of each Russian NTREX document is the question; indexed
  are the 123 Kazakh documents only (no Russian version), with the 697 KazQAD Kazakh
  passages as distractors;
- ``kk→ru``: the first sentence of each Kazakh document is the question; indexed are the
  123 Russian documents, with the xquad_ru paragraphs and egov.kz services (Russian) as
  distractors.

The relevant document is the other language's version (same ``parallel_id``). Three
settings: lexical alone, dense alone (nearest vectors), and the semantic stage (lexical
∪ nearest, fused), each scored by MRR@10::

    .venv/bin/python -m benchmarks.crosslingual

Vectors are cached by content hash (``benchmarks/out/vectors.sqlite3``, shared with
``benchmarks.quality --semantic``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from collections.abc import Sequence
from functools import partial

from benchmarks.corpus import _doc
from benchmarks.corpus import corpora_dir
from benchmarks.corpus import read_jsonl
from benchmarks.semantic_setup import semantic_stage
from search import IndexDoc
from search import SearchIndex

TARGET = 0.85
CUTOFF = 10


def _sets() -> dict[str, tuple[list[IndexDoc], list[tuple[str, str]]]]:
    """``{direction: (documents, [(question, relevant doc id)])}``."""
    root = corpora_dir()
    ntrex = list(read_jsonl(root / "ntrex_kk_ru" / "docs.jsonl"))
    by_parallel = {(row["parallel_id"], row["lang"]): row for row in ntrex}
    kk_distractors = [
        _doc("kazqad", row)
        for row in read_jsonl(root / "kazqad_kk" / "corpus_validation_passages.jsonl")
    ]
    ru_distractors = [_doc("xquad", row) for row in read_jsonl(root / "xquad_ru" / "corpus.jsonl")]
    ru_distractors += [
        _doc("egov", row) for row in read_jsonl(root / "egov_kz_services_ru" / "docs.jsonl")
    ]
    out = {}
    for direction, ask, answer, distractors in (
        ("ru→kk", "ru", "kk", kk_distractors),
        ("kk→ru", "kk", "ru", ru_distractors),
    ):
        docs = [_doc("ntrex", row) for row in ntrex if row["lang"] == answer] + distractors
        questions = [
            (row["title"], by_parallel[(row["parallel_id"], answer)]["id"])
            for row in ntrex
            if row["lang"] == ask and (row["parallel_id"], answer) in by_parallel
        ]
        out[direction] = (docs, questions)
    return out


def mrr(ask: Callable[[str], Sequence[str]], questions: Sequence[tuple[str, str]]) -> float:
    """Mean reciprocal rank of the relevant id in the top ``CUTOFF`` ids ``ask`` returns."""
    total = 0.0
    for text, relevant in questions:
        ids = list(ask(text))[:CUTOFF]
        total += 1.0 / (ids.index(relevant) + 1) if relevant in ids else 0.0
    return total / max(len(questions), 1)


def _scores(docs: Sequence[IndexDoc], questions: Sequence[tuple[str, str]]) -> list[float]:
    """MRR@10 of lexical, dense and fused search for ``questions`` over ``docs``."""
    index = SearchIndex.open(None, result_cache=0)
    index.rebuild(docs)
    stage = semantic_stage(docs, [q for q, _id in questions])
    live = stage.store.live()
    lexical = partial(index.search, time_budget_ms=10_000)

    def by_lexical(text: str) -> list[str]:
        return [hit.id for hit in lexical(text, limit=CUTOFF).hits]

    def by_dense(text: str) -> list[str]:
        scores = live.doc_scores(stage.query_vector(text))
        order = scores.argsort()[::-1][:CUTOFF]
        return [str(live.entries[i].fields["id"]) for i in order]

    def by_stage(text: str) -> list[str]:
        return [hit.id for hit in lexical(text, limit=CUTOFF, stage=stage).hits]

    return [mrr(f, questions) for f in (by_lexical, by_dense, by_stage)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print MRR@10 per direction and setting; 0 when the fused stage meets the target.

    :param argv: command-line arguments.
    :returns: the exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    print(f"{'direction':<9} {'questions':>9} {'docs':>5} {'lexical':>8} {'dense':>6} {'fused':>6}")
    ok = True
    for direction, (docs, questions) in _sets().items():
        scores = _scores(docs, questions)
        ok = ok and scores[2] >= TARGET
        print(
            f"{direction:<9} {len(questions):>9} {len(docs):>5} "
            + " ".join(f"{s:>6.3f}" for s in scores)
            + ("  ok" if scores[2] >= TARGET else "  MISS")
        )
    print(f"target: fused MRR@10 ≥ {TARGET}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
