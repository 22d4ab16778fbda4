"""Fusing the lexical ranking with the vectors' cosines: the rule and its arithmetic.

Dense retrieval alone ranks worse than the lexical engine on both quality sets (issue
17: 0.653 / 0.925 against 0.766 / 0.949), so it re-scores and widens the lexical
candidates instead of replacing them. A :class:`FusionRule` says how: the lexical top
``lexical_pool`` are the candidates, widened with the nearest ``dense_pool`` items when
the rule asks for it; both scorings are scaled over the candidates (``method``) and
fused as ``w * lexical + (1 - w) * cosine``, with ``w`` chosen by :func:`choose` from the
kind of lexical result (strong, weak, or across languages). An item only the vectors
found has a lexical part of 0.

The functions work on any hashable id (index keys in the benchmarks, document numbers
in the pipeline), so the tuning harness (``benchmarks/semantic_tuning.py``) and the
search run the same arithmetic. The defaults were tuned on the dev halves of the quality
sets (``python -m benchmarks.semantic_tuning``), the cross-language share on NTREX
(``benchmarks.crosslingual``); ``docs/semantic.md`` has the figures.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

#: Lexical hits taken as candidates (the lexical engine ranks this many anyway:
#: ``search.ranking.COVERAGE_POOL``).
LEXICAL_POOL = 30
#: Nearest items taken as candidates.
DENSE_POOL = 30
#: Share of the lexical score in the fused one.
LEXICAL_WEIGHT = 0.5
#: The lexical share when the lexical result is weak (no hit has enough of the
#: question's words): its best hit is then only the least bad, and min-max scaling would
#: still give it the full lexical share.
WEAK_LEXICAL_WEIGHT = 0.5
#: The lexical share across languages: no lexical hit is in the question's language (a
#: Russian question over Kazakh articles matches only names and numbers), or the result
#: is weak and the nearest item is in the other language. On NTREX, shares of 0.5 / 0.3
#: / 0.2 / 0.1 / 0 gave MRR@10 0.795 / 0.867 / 0.878 / 0.873 / 0.858 (ru→kk) and 0.835
#: / 0.875 / 0.882 / 0.863 / 0.854 (kk→ru) in the first form of the rule.
CROSS_LEXICAL_WEIGHT = 0.2

#: Share of the head passage's cosine in an item's (the rest: its best passage's).
HEAD_SHARE = 0.5

#: Scalings of the two scorings before they are weighed.
METHODS = ("minmax", "max", "rrf")


@dataclass(frozen=True)
class FusionRule:
    """How the two scorings are combined.

    :param weight: the lexical share when the lexical result is strong.
    :param weak_weight: the lexical share when it is weak.
    :param cross_weight: the lexical share across languages.
    :param dense_pool: nearest items added as candidates.
    :param widen_strong: also add the nearest items to a strong lexical result (else it
        is only re-scored).
    :param method: ``minmax`` (each scoring scaled to 0..1 over the candidates), ``max``
        (the lexical score divided by the best one, the cosine min-max scaled: a lexical
        pool of near-equal scores keeps them near-equal) or ``rrf`` (reciprocal ranks,
        ``1 / (rrf_k + rank)``, weighed the same way).
    :param rrf_k: the rank offset of ``rrf``.
    :param head_share: an item's cosine is ``(1 - head_share) * best passage +
        head_share * head passage`` (the head: title, short answer and the start, what
        questions are mostly about; 0 is the best passage alone).
    :param kk_weight: the lexical share of a strong result to a Kazakh question, when it
        differs from ``weight`` (the model and the analysers are not equally good in
        both languages; None: ``weight``).
    :param kk_weak_weight: likewise for a weak result (None: ``weak_weight``).
    """

    weight: float = LEXICAL_WEIGHT
    weak_weight: float = WEAK_LEXICAL_WEIGHT
    cross_weight: float = CROSS_LEXICAL_WEIGHT
    dense_pool: int = DENSE_POOL
    widen_strong: bool = True
    method: str = "max"
    rrf_k: float = 60.0
    head_share: float = HEAD_SHARE
    kk_weight: float | None = None
    kk_weak_weight: float | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion method {self.method!r}: use one of {METHODS}")

    def label(self) -> str:
        """A short description (benchmark output)."""
        widen = "widen" if self.widen_strong else "rescore"
        kk = ""
        if self.kk_weight is not None or self.kk_weak_weight is not None:
            kk = f" kk {self.strong_share('kk'):.2f}/{self.weak_share('kk'):.2f}"
        return (
            f"{self.method:<6} w {self.weight:.2f} weak {self.weak_weight:.2f} "
            f"cross {self.cross_weight:.2f} nearest {self.dense_pool:>3} {widen} "
            f"head {self.head_share:.1f}{kk}"
        )

    def strong_share(self, lang: str | None) -> float:
        """The lexical share of a strong result to a question in ``lang``."""
        return self.kk_weight if lang == "kk" and self.kk_weight is not None else self.weight

    def weak_share(self, lang: str | None) -> float:
        """The lexical share of a weak result to a question in ``lang``."""
        if lang == "kk" and self.kk_weak_weight is not None:
            return self.kk_weak_weight
        return self.weak_weight


def choose(
    rule: FusionRule,
    *,
    weak: bool,
    lexical_langs: list[str],
    query_lang: str | None,
    nearest_lang: str | None,
) -> tuple[float, bool]:
    """The lexical share and whether to widen with the nearest items.

    A strong lexical result (not weak, with a hit in the question's language) is
    re-scored by meaning (widened too when ``rule.widen_strong``); a poor one is also
    widened, and meaning counts for more. Poor: weak (its best hit is only the least
    bad), or without a hit in the question's language. A weak result whose nearest item
    is in the other language counts as across languages: the words found only weak
    matches, the meaning points across.

    :param rule: the rule.
    :param weak: the lexical result is weak.
    :param lexical_langs: languages of the lexical candidates, best first.
    :param query_lang: the question's language, or None when undecided.
    :param nearest_lang: language of the nearest item, or None when there is none.
    :returns: ``(lexical share, widen)``.
    """
    in_lang = query_lang is None or any(lang == query_lang for lang in lexical_langs)
    if not weak and lexical_langs and in_lang:
        return rule.strong_share(query_lang), rule.widen_strong
    across = query_lang is not None and (
        not any(lang == query_lang for lang in lexical_langs)
        or (nearest_lang is not None and nearest_lang != query_lang)
    )
    return (rule.cross_weight if across else rule.weak_share(query_lang)), True


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Scale scores to 0..1 (all 1.0 when they are equal).

    :param scores: ``{id: score}``.
    :returns: ``{id: scaled}``.
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high <= low:
        return dict.fromkeys(scores, 1.0)
    span = high - low
    return {key: (value - low) / span for key, value in scores.items()}


def _by_max(scores: Mapping[K, float]) -> dict[K, float]:
    high = max(scores.values(), default=0.0)
    if high <= 0:
        return minmax(scores)
    return {key: max(value, 0.0) / high for key, value in scores.items()}


def _reciprocal_ranks(scores: Mapping[K, float], k: float) -> dict[K, float]:
    order = sorted(scores, key=lambda key: -scores[key])
    return {key: 1.0 / (k + rank) for rank, key in enumerate(order, 1)}


def fuse(
    lexical: Mapping[K, float],
    dense: Mapping[K, float],
    weight: float = LEXICAL_WEIGHT,
    method: str = "minmax",
    rrf_k: float = 60.0,
) -> list[tuple[K, float]]:
    """Fuse the two scorings of the union of their candidates, best first.

    :param lexical: ``{id: lexical score}`` of the lexical candidates, best first.
    :param dense: ``{id: cosine}`` of every candidate (lexical ones included).
    :param weight: the lexical share.
    :param method: see :class:`FusionRule`.
    :param rrf_k: see :class:`FusionRule`.
    :returns: ``[(id, fused score)]``, ties kept in lexical order.
    """
    if method == "rrf":
        # The lexical order is the engine's (strong matches first), not its raw scores.
        lex = {key: 1.0 / (rrf_k + rank) for rank, key in enumerate(lexical, 1)}
        cos = _reciprocal_ranks(dense, rrf_k)
    elif method == "max":
        lex, cos = _by_max(lexical), minmax(dense)
    else:
        lex, cos = minmax(lexical), minmax(dense)
    order = list(lexical) + [key for key in dense if key not in lexical]
    fused = {key: weight * lex.get(key, 0.0) + (1.0 - weight) * cos.get(key, 0.0) for key in order}
    return sorted(fused.items(), key=lambda item: -item[1])
