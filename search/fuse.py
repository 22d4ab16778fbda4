"""The fourth stage: one ranked list from the candidates of every retrieval stage.

Today only lexical retrieval runs, and its ranking is the result: :func:`fuse` returns
it unchanged, so lexical search behaves exactly as before the pipeline had this stage.
A further stage (nearest vectors, say) passes its candidates as ``others`` with the
``combine`` rule that re-scores the union; the rule belongs to that stage, which tunes
it on its own benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence

from search.candidates import Candidates

#: A fusion rule: the lexical candidates and the other stages' -> the ranked list.
Combine = Callable[[Candidates, Sequence[Candidates]], Candidates]


def fuse(
    lexical: Candidates, others: Sequence[Candidates] = (), combine: Combine | None = None
) -> Candidates:
    """Rank the union of the retrieval stages' candidates.

    :param lexical: the lexical stage's candidates (:mod:`search.lexical`), best first.
    :param others: candidate lists of further stages, if any ran.
    :param combine: how to re-score the union; needed when ``others`` is not empty.
    :returns: the ranked candidates; with no other stage, ``lexical`` itself.
    :raises ValueError: when other stages' candidates come without a ``combine`` rule.
    """
    if not others:
        return lexical
    if combine is None:
        raise ValueError(
            f"{len(others)} further candidate list(s) but no combine rule: pass the "
            "fusion rule of the stage that produced them"
        )
    return combine(lexical, others)
