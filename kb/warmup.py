"""Warming a server worker's search caches with the questions operators ask most.

A worker starts with cold caches: the first searches read postings from disk, build the
typo indexes and analyse every word afresh (p50 16 ms / p99 61 ms for the first 200
questions on 20,000 documents, against 4.9 / 22 ms warm). After a deploy or a restart at
night the first calls of the morning shift would pay for that. Each worker therefore asks,
in a background thread right after it starts, the queries that found something most often
in the last ``WARM_DAYS`` days, which also fills its result cache with their answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from kb.models import SearchLog
from kb.models import db
from kb.models import utcnow
from kb.operator.home import SCREEN_LIMIT
from kb.services import KnowledgeBase

log = logging.getLogger(__name__)

#: How many of the most frequent queries each worker asks at start.
WARM_QUERIES = 200
#: How far back the search log is read for them.
WARM_DAYS = 14


def frequent_queries(limit: int = WARM_QUERIES, days: int = WARM_DAYS) -> list[str]:
    """Return the queries that found something most often lately, most frequent first.

    Needs an application context (it reads ``SearchLog``).

    :param limit: at most this many.
    :param days: only searches of the last ``days`` days count.
    :returns: the queries as typed.
    """
    since = utcnow() - timedelta(days=days)
    times = func.count(SearchLog.id).label("times")
    rows = db.session.execute(
        select(SearchLog.query, times)
        .where(SearchLog.when >= since, SearchLog.hits > 0)
        .group_by(SearchLog.query)
        .order_by(times.desc(), SearchLog.query)
        .limit(limit)
    )
    return [query for query, _times in rows]


def warm(kb: KnowledgeBase, queries: list[str]) -> int:
    """Ask ``queries`` as the operator screen does, so their answers are cached.

    :param kb: the worker's knowledge base.
    :param queries: the queries.
    :returns: how many were asked (a failing one is logged and skipped).
    """
    kb.index.wait_for_typo_index()
    asked = 0
    for query in queries:
        try:
            kb.search(query, limit=SCREEN_LIMIT)
        except Exception:  # noqa: BLE001 - warming is an optimisation; never stop the worker
            log.exception("warming the search caches: %r failed", query)
            continue
        asked += 1
    return asked


#: Searches a worker answers before it accepts requests: both languages, a typo and the
#: wrong keyboard layout, so the analysers, pymorphy3's dictionaries, the Kazakh stemmer,
#: the layout fallback and the typo indexes are all loaded (none of their answers matter).
PREPARE_QUERIES = (
    "удостоверение личности",
    "жеке куәлік алу",
    "пенсея по возрасту",
    "ghjgbcrf ht,tyrf",
    "салық төлеу мерзімі",
)


def prepare(kb: KnowledgeBase, typo_timeout: float = 30.0) -> float:
    """Do a worker's one-time search work now, before it accepts requests.

    The first search of a fresh process used to spend its time budget loading the
    analysers and typo indexes, and could answer nothing where a warm process answers.

    :param kb: the worker's knowledge base.
    :param typo_timeout: seconds to wait at most for the typo indexes.
    :returns: the seconds it took.
    """
    started = time.perf_counter()
    kb.index.wait_for_typo_index(timeout=typo_timeout)
    kb.index.prepare_terms()
    for query in PREPARE_QUERIES:
        try:
            kb.index.search(query, limit=SCREEN_LIMIT, time_budget_ms=60_000)
        except Exception:  # noqa: BLE001 - preparing is an optimisation; never stop the worker
            log.exception("preparing the search engine: %r failed", query)
    return time.perf_counter() - started


def start(app: Flask, announce: Callable[[str], None] | None = None) -> threading.Thread:
    """Warm the caches of this process in a daemon thread (called after gunicorn forks).

    :param app: the application (its knowledge base and database).
    :param announce: also told when warming ends (``kb serve`` passes gunicorn's log, so
        the line "search caches warmed" shows in the server's output).
    :returns: the started thread.
    """

    def run() -> None:
        started = time.perf_counter()
        try:
            with app.app_context():  # its teardown returns the session's connection
                queries = frequent_queries()
        except Exception:  # noqa: BLE001 - no log table yet, or the database is away
            log.exception("warming the search caches: the search log could not be read")
            return
        asked = warm(app.extensions["kb"], queries)
        took = time.perf_counter() - started
        message = f"search caches warmed with {asked} queries in {took:.1f} s"
        log.info(message)
        if announce is not None:
            announce(message)

    thread = threading.Thread(target=run, name="kb-warmup", daemon=True)
    thread.start()
    return thread
