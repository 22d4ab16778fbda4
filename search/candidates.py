"""What a retrieval stage hands to fusion: documents it proposes, best first."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidates:
    """The documents one retrieval stage proposes for a query.

    :param ranked: ``(docnum, score)`` pairs, best first (document numbers of the index
        state the query reads; scores are comparable only within one list).
    :param total: documents that matched (a lower bound when pruning or the time budget
        cut the retrieval short).
    :param timed_out: True when the time budget cut the retrieval short.
    :param weak: True when none of the documents matches enough of the query (see
        :func:`search.ranking.coverage_needed`).
    """

    ranked: tuple[tuple[int, float], ...] = ()
    total: int = 0
    timed_out: bool = False
    weak: bool = False
