"""The cluster benchmark's own parts (benchmarks/cluster.py), on small data."""

from __future__ import annotations

from benchmarks.cluster import PublishLags
from benchmarks.cluster import marker_word
from search.analysis import analyze


def test_each_publication_gets_its_own_word_with_its_own_index_term() -> None:
    words = [marker_word(n) for n in (*range(200), 10_000, 10_001)]
    assert len(set(words)) == len(words)
    terms = [tuple(analyze("ru", word)) for word in words]
    assert all(terms) and len(set(terms)) == len(terms)  # no two share their terms


def test_lag_summary_counts_missing_and_failed_publications() -> None:
    lags = PublishLags(lags_ms=[float(n) for n in range(1, 101)], missing=2, failed=1)
    summary = lags.summary()
    assert summary["publications"] == 103
    assert (summary["p50_ms"], summary["p99_ms"], summary["max_ms"]) == (50.0, 99.0, 100.0)
    assert summary["not_found_within_s"]["count"] == 2 and summary["publish_failed"] == 1
    assert PublishLags().summary()["p99_ms"] is None
