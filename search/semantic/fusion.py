"""Fusing the lexical ranking with the vectors' cosines: min-max scaled, then weighed.

Dense retrieval alone ranks worse than the lexical engine on both quality sets (issue
17: 0.653 / 0.925 against 0.766 / 0.949), so it re-scores and widens the lexical
candidates instead of replacing them: the candidates are the lexical top
``LEXICAL_POOL`` and the nearest ``DENSE_POOL`` items, each scaled to 0..1 over the
candidates, and fused as ``LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * cosine``.
An item only the vectors found has a lexical part of 0. When the lexical result is weak
its share is ``WEAK_LEXICAL_WEIGHT``, and across languages ``CROSS_LEXICAL_WEIGHT``.
Only a weak or cross-language result is widened with the nearest items; a strong one is
re-scored. ``LEXICAL_WEIGHT``, ``WEAK_LEXICAL_WEIGHT`` and
``DENSE_POOL`` were tuned on the dev halves of the quality sets
(``python -m benchmarks.quality --semantic --tune``), ``CROSS_LEXICAL_WEIGHT`` on NTREX
(``benchmarks.crosslingual``).
"""

from __future__ import annotations

from collections.abc import Mapping

#: Lexical hits taken as candidates.
LEXICAL_POOL = 30
#: Nearest items taken as candidates.
DENSE_POOL = 30
#: Share of the lexical score in the fused one.
LEXICAL_WEIGHT = 0.4
#: The lexical share when the lexical result is weak (no hit has enough of the
#: question's words): its best hit is then only the least bad, and min-max scaling would
#: still give it the full lexical share.
WEAK_LEXICAL_WEIGHT = 0.6
#: The lexical share across languages: no lexical hit is in the question's language (a
#: Russian question over Kazakh articles matches only names and numbers), or the result
#: is weak and the nearest item is in the other language. On NTREX, shares of 0.5 / 0.3
#: / 0.2 / 0.1 / 0 gave MRR@10 0.795 / 0.867 / 0.878 / 0.873 / 0.858 (ru→kk) and 0.835
#: / 0.875 / 0.882 / 0.863 / 0.854 (kk→ru) in the first form of the rule.
CROSS_LEXICAL_WEIGHT = 0.2


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale scores to 0..1 (all 1.0 when they are equal).

    :param scores: ``{key: score}``.
    :returns: ``{key: scaled}``.
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high <= low:
        return dict.fromkeys(scores, 1.0)
    span = high - low
    return {key: (value - low) / span for key, value in scores.items()}


def fuse(
    lexical: Mapping[str, float],
    dense: Mapping[str, float],
    weight: float = LEXICAL_WEIGHT,
) -> list[tuple[str, float]]:
    """Fuse the two scorings of the union of their candidates, best first.

    :param lexical: ``{key: lexical score}`` of the lexical candidates.
    :param dense: ``{key: cosine}`` of every candidate (lexical ones included).
    :param weight: the lexical share.
    :returns: ``[(key, fused score)]``, ties kept in lexical order.
    """
    lex = minmax(lexical)
    cos = minmax(dense)
    order = list(lexical) + [key for key in dense if key not in lexical]
    fused = {key: weight * lex.get(key, 0.0) + (1.0 - weight) * cos.get(key, 0.0) for key in order}
    return sorted(fused.items(), key=lambda item: -item[1])
