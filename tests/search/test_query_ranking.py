"""Typo lookup and the ranking arithmetic behind search."""

from __future__ import annotations

from time import perf_counter

import pytest

from search.fuzzy import NearTerms
from search.fuzzy import edit_distance
from search.ranking import ScoreCache
from search.ranking import rank


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("паспорт", "паспорт", 0),
        ("паспорт", "паспрот", 1),
        ("паспорт", "паспот", 1),
        ("салык", "салық", 1),
        ("зейнетақы", "зейнетакы", 1),
        ("удостоверение", "удстоверени", 2),
        ("налог", "пенсия", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, limit=2) == distance


def test_near_terms_find_close_frequent_terms() -> None:
    near = NearTerms(
        [
            ("паспорт", 50),
            ("паспорта", 3),
            ("пас2орт", 4),
            ("налог", 9),
            ("по", 99),
            ("паспорд", 1),
        ],
        min_docs=2,
    )
    assert near.near("паспрот", 1) == ["паспорт"]
    assert near.near("паспортт", 1) == ["паспорт", "паспорта"]
    assert near.near("налгоа", 1) == []
    assert near.near("налгоа", 2) == ["налог"]
    assert len(near) == 3  # short, non-alphabetic and single-document terms are not filed


def test_rank_sums_scores_and_prefers_documents_matching_all_words() -> None:
    words = [{1: 1.0, 2: 2.0}, {1: 1.0, 3: 2.5}]
    plain = rank(words, 3)
    assert [d for d, _ in plain.top] == [3, 1, 2] or [d for d, _ in plain.top] == [3, 2, 1]
    coord = rank(words, 3, coord=1.0)
    assert coord.top[0] == (1, pytest.approx(4.0))  # (1 + 1) * (1 + 1.0 * 2 / 2)
    assert coord.total == 3


def test_rank_filters_and_limits() -> None:
    words = [{d: float(d) for d in range(100)}]
    ranking = rank(words, 5, allowed={3, 50, 70})
    assert [d for d, _ in ranking.top] == [70, 50, 3]
    assert ranking.total == 3


def test_rank_pruning_keeps_the_exact_top() -> None:
    rare = {d: 10.0 + d for d in range(5)}
    common = {d: 0.01 * (d % 7) for d in range(5000)}
    pruned = rank([rare, common], 3, coord=0.5)
    brute = sorted(
        ((rare.get(d, 0) + common.get(d, 0)) * (1 + 0.25 * ((d in rare) + (d in common))), d)
        for d in range(5000)
    )[::-1][:3]
    assert [d for d, _ in pruned.top] == [d for _, d in brute]


def test_rank_stops_at_the_deadline() -> None:
    ranking = rank([{1: 1.0}, {2: 1.0}], 5, deadline=perf_counter() - 1)
    assert ranking.timed_out


def test_score_cache_evicts_by_postings() -> None:
    cache = ScoreCache(max_postings=5)
    cache.put("a", {1: 1.0, 2: 1.0, 3: 1.0})
    cache.put("b", {1: 1.0, 2: 1.0})
    assert cache.get("a") is not None
    cache.put("c", {1: 1.0})
    assert cache.get("b") is None  # least recently used went first
    assert cache.get("a") is not None and cache.get("c") is not None
