"""Warming a worker's search caches with the most frequent recent queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from kb import warmup
from kb.models import SearchLog
from kb.models import db
from kb.models import utcnow
from kb.operator.home import SCREEN_LIMIT
from tests.browser.instance import close_app
from tests.browser.instance import demo_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A copy of the demo instance with a search log of kk and ru queries."""
    app = demo_app(tmp_path_factory, "warmup")
    now = utcnow()
    rows = (
        [("салық берешегі", 5, now)] * 3
        + [("паспорт", 2, now)] * 2
        + [("жеке куәлік", 4, now)]
        + [("нет такого", 0, now)] * 9  # found nothing: not worth warming
        + [("старый запрос", 3, now - timedelta(days=warmup.WARM_DAYS + 1))] * 9
    )
    with app.app_context():
        for query, hits, when in rows:
            db.session.add(SearchLog(when=when, actor="op", query=query, hits=hits))
        db.session.commit()
    yield app
    close_app(app)


def test_frequent_queries_are_recent_ones_that_found_something(demo: Flask) -> None:
    with demo.app_context():
        assert warmup.frequent_queries() == ["салық берешегі", "паспорт", "жеке куәлік"]
        assert warmup.frequent_queries(limit=1) == ["салық берешегі"]


def test_warm_fills_the_result_cache_for_the_operator_screen(demo: Flask) -> None:
    kb = demo.extensions["kb"]
    with demo.app_context():
        queries = warmup.frequent_queries()
    assert warmup.warm(kb, queries) == 3
    before = kb.index.cache_info()["hits"]
    for query in queries:
        assert kb.search(query, limit=SCREEN_LIMIT).hits  # both languages find something
    assert kb.index.cache_info()["hits"] == before + 3


def test_start_warms_in_a_background_thread(tmp_path_factory: pytest.TempPathFactory) -> None:
    app = demo_app(tmp_path_factory, "warmup-start")  # caches as a new worker has them
    try:
        with app.app_context():
            db.session.add(SearchLog(actor="op", query="салық берешегі", hits=2))
            db.session.commit()
        kb = app.extensions["kb"]
        told: list[str] = []
        thread = warmup.start(app, announce=told.append)
        thread.join(timeout=60)
        assert not thread.is_alive()
        # kb serve passes gunicorn's log: the end of warming shows in the server's output.
        assert len(told) == 1 and told[0].startswith("search caches warmed with 1 queries")
        info = kb.index.cache_info()
        assert info["entries"] == 1 and info["hits"] == 0
        kb.search("салық берешегі", limit=SCREEN_LIMIT)
        assert kb.index.cache_info()["hits"] == 1
    finally:
        close_app(app)


def test_prepare_leaves_a_worker_with_its_typo_indexes_and_analysers_ready(demo: Flask) -> None:
    kb = demo.extensions["kb"]
    took = warmup.prepare(kb)
    assert took >= 0
    # Nothing is left to build: a zero-second wait finds both typo indexes ready.
    assert kb.index.wait_for_typo_index(timeout=0.0)
    # The term lists that complete unfinished words are read too (both languages).
    assert kb.index.prepare_terms() > 0
