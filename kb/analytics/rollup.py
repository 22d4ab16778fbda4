"""Settling typing bursts and rolling the raw search log up into hourly and daily tables.

**A typing burst is one search.** Search-as-you-type logs ``пас``, ``пасп``, ``паспо`` …
(each pause, each ``/api/search`` call); the analytics count the query the operator
settled on: a search is *settled* when the same user, on the same channel, did not search
again within :data:`BURST_SECONDS` with a related query (one a prefix of the other, or
the same first letters: a typo being fixed), or when a result was opened from it.

**Why at roll-up time and not when the buffer is flushed:** the buffer is per server
process and flushes every second, while one operator's keystrokes reach several worker
processes and straddle flushes; and the open that settles a prefix arrives after the
search. Only the database sees every row of a burst, so the roll-up settles rows once
they are :data:`BURST_SECONDS` (plus a grace for the other processes' buffers) old. The
search path itself still only appends to the in-memory buffer.

The roll-up claims its rows (``state`` 0 → 1 settled or 2 burst prefix; ``rolled`` on
opens) in the transaction that adds them to the roll-ups, so several workers rolling up
at once count each row once: the loser sees fewer rows claimed and rolls back.
Roll-up days and hours are local (``TIMEZONE``). Raw rows older than ``SEARCH_LOG_DAYS``
are deleted once rolled up; the roll-ups stay.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Flask
from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from kb.analytics.models import ActorDaily
from kb.analytics.models import ArticleDaily
from kb.analytics.models import SearchHourly
from kb.analytics.models import SearchOpen
from kb.analytics.models import SearchQueryDaily
from kb.gaps import flush_search_log
from kb.gaps import normalise_query
from kb.localtime import current_zone
from kb.models import SearchLog
from kb.models import db
from kb.models import utcnow

log = logging.getLogger(__name__)

#: Searches of one user closer than this (seconds) with related queries form one burst.
BURST_SECONDS = 5.0
#: Extra wait before rolling a row up: other processes flush their buffers every second.
GRACE_SECONDS = 3.0
#: An open counts for the latest search of its query at most this long before it.
OPEN_WINDOW_SECONDS = 600.0
#: Rows rolled up per transaction.
CHUNK_ROWS = 20_000
#: Row states in ``search_log.state``.
PENDING, SETTLED, BURST, OPENED = 0, 1, 2, 3
#: How often the background thread flushes the buffer and rolls up (seconds).
FLUSH_EVERY_SECONDS = 2.0
ROLLUP_EVERY_SECONDS = 30.0


@dataclass
class _Row:
    """A rolled-up search that an open may settle (its state changes)."""

    id: int
    when: dt.datetime
    actor: str
    channel: str
    query: str
    lang: str
    hits: int
    top_ids: str
    state: int


@dataclass(frozen=True)
class LoggedSearch:
    """The part of a search log row that settling needs."""

    id: int
    when: dt.datetime
    actor: str
    channel: str
    query: str


def related(earlier: str, later: str) -> bool:
    """Whether ``later`` continues or corrects ``earlier`` (same burst if close in time).

    >>> related("пасп", "паспорт"), related("паспорт", "пасорт"), related("паспорт", "налог")
    (True, True, False)
    """
    a, b = _key(earlier), _key(later)
    if not a or not b:
        return True
    return a.startswith(b) or b.startswith(a) or a[:3] == b[:3]


def settle(
    searches: Iterable[LoggedSearch], burst_seconds: float = BURST_SECONDS
) -> dict[int, bool]:
    """Decide which searches were settled on (True) and which were burst prefixes (False).

    :param searches: rows in any order; the successor of each is looked up among them.
    :param burst_seconds: the burst gap.
    :returns: ``{id: settled}`` for every row given (a row whose successor is not among
        ``searches`` counts as settled).
    """
    by_user: dict[tuple[str, str], list[LoggedSearch]] = defaultdict(list)
    for row in searches:
        by_user[(row.actor, row.channel)].append(row)
    out: dict[int, bool] = {}
    gap = dt.timedelta(seconds=burst_seconds)
    for rows in by_user.values():
        rows.sort(key=lambda r: (r.when, r.id))
        for row, after in zip(rows, [*rows[1:], None], strict=True):
            out[row.id] = (
                after is None or after.when - row.when > gap or not related(row.query, after.query)
            )
    return out


def effective_lang(chosen: str, top_ids: str) -> str:
    """The language a search is counted under: the one chosen, else its first result's."""
    if chosen:
        return chosen
    first = top_ids.split(" ", 1)[0]
    return first[:2] if first[2:3] == "/" and not first.startswith("body/") else ""


@lru_cache(maxsize=65_536)
def _key(query: str) -> str:
    """:func:`kb.gaps.normalise_query`, cached: operators repeat the same queries."""
    return normalise_query(query)


@lru_cache(maxsize=65_536)
def _local_hour(hour: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return hour.replace(tzinfo=dt.UTC).astimezone(zone)


def _local(when: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """``when`` (naive UTC) in ``zone``; the zone's offset is looked up once per hour."""
    hour = when.replace(minute=0, second=0, microsecond=0)
    return _local_hour(hour, zone) + (when - hour)


class _Deltas:
    """Counts to add to the roll-up tables, keyed by each table's unique columns."""

    def __init__(self) -> None:
        self.hourly: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.query: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.article: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.actor: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def search(
        self, local: dt.datetime, row: Any, *, opened: bool = False, counted: bool = True
    ) -> None:
        """Add one settled search (``counted``) and/or its first open (``opened``)."""
        lang = effective_lang(row.lang, row.top_ids)
        day = local.date()
        key = _key(row.query)
        hourly = self.hourly[(day, local.hour, lang, row.channel)]
        query = self.query[(day, lang, row.channel, key)]
        if counted:
            zero = 1 if row.hits == 0 else 0
            for target in (hourly, query):
                target["searches"] += 1
                target["zero_results"] += zero
                target["with_hits"] += 1 - zero
            query["hits_sum"] += row.hits
            actor = self.actor[(day, lang, row.channel, row.actor)]
            actor["searches"] += 1
            actor["zero_results"] += zero
            for article in row.top_ids.split():
                self.article[(day, row.channel, article)]["shown"] += 1
        if opened:
            hourly["opened"] += 1
            query["opened"] += 1

    def open(self, local: dt.datetime, row: Any) -> None:
        """Add one result open."""
        target = self.article[(local.date(), row.channel, row.article)]
        target["opens"] += 1
        if row.position:
            target["position_sum"] += row.position
            target["positioned"] += 1

    def write(self) -> None:
        """Add the counts to the roll-up tables (insert, or add to the existing row)."""
        tables: Sequence[tuple[Any, tuple[str, ...], dict[tuple[Any, ...], dict[str, int]]]] = (
            (SearchHourly, ("day", "hour", "lang", "channel"), self.hourly),
            (SearchQueryDaily, ("day", "lang", "channel", "query"), self.query),
            (ArticleDaily, ("day", "channel", "article"), self.article),
            (ActorDaily, ("day", "lang", "channel", "actor"), self.actor),
        )
        for model, keys, deltas in tables:
            if not deltas:
                continue
            counters = [c.name for c in model.__table__.columns if c.name not in (*keys, "id")]
            counters = [c for c in counters if c != "lang"]
            rows = []
            for key, counts in deltas.items():
                row: dict[str, Any] = dict(zip(keys, key, strict=True))
                if model is ArticleDaily:
                    article = row["article"]
                    row["lang"] = "" if article.startswith("body/") else article[:2]
                row.update({c: counts.get(c, 0) for c in counters})
                rows.append(row)
            _upsert(model, keys, counters, rows)


def _upsert(model: Any, keys: Sequence[str], counters: Sequence[str], rows: list[dict]) -> None:
    """Insert ``rows`` into ``model``'s table, adding the counters where the key exists."""
    dialect = db.session.get_bind().dialect.name
    table = model.__table__
    stmt: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: table.c[c] + stmt.excluded[c] for c in counters},
    )
    connection = db.session.connection()
    for start in range(0, len(rows), 5000):
        connection.execute(stmt, rows[start : start + 5000])


@dataclass
class RollupReport:
    """What one roll-up did."""

    searches: int = 0
    settled: int = 0
    opens: int = 0
    purged: int = 0


def _roll_searches(cutoff: dt.datetime, zone: dt.tzinfo, report: RollupReport) -> bool:
    """Roll up one chunk of pending searches; False when there was none (or another won)."""
    cols = (
        SearchLog.id,
        SearchLog.when,
        SearchLog.actor,
        SearchLog.channel,
        SearchLog.query,
        SearchLog.lang,
        SearchLog.hits,
        SearchLog.top_ids,
    )
    chunk = db.session.execute(
        select(*cols)
        .where(SearchLog.state == PENDING, SearchLog.when < cutoff)
        .order_by(SearchLog.id)
        .limit(CHUNK_ROWS)
    ).all()
    if not chunk:
        db.session.rollback()
        return False
    low, high = chunk[0].id, chunk[-1].id
    start = min(r.when for r in chunk)
    end = max(r.when for r in chunk) + dt.timedelta(seconds=BURST_SECONDS)
    window = select(
        SearchLog.id, SearchLog.when, SearchLog.actor, SearchLog.channel, SearchLog.query
    ).where(SearchLog.when >= start, SearchLog.when <= end)
    actors = {r.actor for r in chunk}
    if len(actors) <= 500:
        window = window.where(SearchLog.actor.in_(actors))
    neighbours = {r.id: LoggedSearch(*r) for r in db.session.execute(window)}
    for r in chunk:
        neighbours.setdefault(r.id, LoggedSearch(r.id, r.when, r.actor, r.channel, r.query))
    decided = settle(neighbours.values())
    claimed = db.session.execute(
        update(SearchLog)
        .where(
            SearchLog.state == PENDING,
            SearchLog.id >= low,
            SearchLog.id <= high,
            SearchLog.when < cutoff,
        )
        .values(state=BURST)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != len(chunk):
        db.session.rollback()  # another process is rolling these rows up
        return False
    deltas = _Deltas()
    settled_ids = []
    for row in chunk:
        if decided[row.id]:
            settled_ids.append({"row_id": row.id})
            deltas.search(_local(row.when, zone), row)
    _set_state(settled_ids, SETTLED)
    deltas.write()
    db.session.commit()
    report.searches += len(chunk)
    report.settled += len(settled_ids)
    return True


def _set_state(rows: list[dict[str, int]], state: int) -> None:
    """Give the search-log rows ``[{"row_id": id}, ...]`` roll-up ``state`` (one executemany)."""
    if rows:
        db.session.execute(
            update(SearchLog.__table__)
            .where(SearchLog.__table__.c.id == bindparam("row_id"))
            .values(state=state),
            rows,
        )


def _roll_opens(cutoff: dt.datetime, zone: dt.tzinfo, report: RollupReport) -> bool:
    """Roll up one chunk of result opens and mark the searches they came from."""
    chunk = db.session.execute(
        select(
            SearchOpen.id,
            SearchOpen.when,
            SearchOpen.actor,
            SearchOpen.channel,
            SearchOpen.query,
            SearchOpen.article,
            SearchOpen.position,
        )
        .where(SearchOpen.rolled.is_(False), SearchOpen.when < cutoff)
        .order_by(SearchOpen.id)
        .limit(CHUNK_ROWS)
    ).all()
    if not chunk:
        db.session.rollback()
        return False
    low, high = chunk[0].id, chunk[-1].id
    window = dt.timedelta(seconds=OPEN_WINDOW_SECONDS)
    slack = dt.timedelta(seconds=BURST_SECONDS)
    start = min(r.when for r in chunk) - window
    end = max(r.when for r in chunk) + slack
    searches = select(
        SearchLog.id,
        SearchLog.when,
        SearchLog.actor,
        SearchLog.channel,
        SearchLog.query,
        SearchLog.lang,
        SearchLog.hits,
        SearchLog.top_ids,
        SearchLog.state,
    ).where(SearchLog.when >= start, SearchLog.when <= end, SearchLog.state != PENDING)
    actors = {r.actor for r in chunk}
    if len(actors) <= 500:
        searches = searches.where(SearchLog.actor.in_(actors))
    candidates: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for found in db.session.execute(searches):
        candidates[(found.actor, _key(found.query))].append(_Row(*found))
    claimed = db.session.execute(
        update(SearchOpen)
        .where(
            SearchOpen.rolled.is_(False),
            SearchOpen.id >= low,
            SearchOpen.id <= high,
            SearchOpen.when < cutoff,
        )
        .values(rolled=True)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != len(chunk):
        db.session.rollback()
        return False
    deltas = _Deltas()
    marked: list[dict[str, int]] = []
    for row in chunk:
        deltas.open(_local(row.when, zone), row)
        options = [
            s
            for s in candidates.get((row.actor, _key(row.query)), [])
            if row.when - window <= s.when <= row.when + slack
        ]
        if not options:
            continue
        source = max(options, key=lambda s: (s.when, s.id))
        if source.state == OPENED:
            continue
        # The search an open came from is settled even inside a burst.
        deltas.search(_local(source.when, zone), source, opened=True, counted=source.state == BURST)
        source.state = OPENED
        marked.append({"row_id": source.id})
    _set_state(marked, OPENED)
    deltas.write()
    db.session.commit()
    report.opens += len(chunk)
    return True


def purge(now: dt.datetime, days: int) -> int:
    """Delete raw rows older than ``days`` that are rolled up; the roll-ups stay.

    :returns: how many rows were deleted.
    """
    limit = now - dt.timedelta(days=days)
    gone = db.session.execute(
        delete(SearchLog).where(SearchLog.when < limit, SearchLog.state != PENDING)
    ).rowcount  # type: ignore[attr-defined]
    gone += db.session.execute(
        delete(SearchOpen).where(SearchOpen.when < limit, SearchOpen.rolled.is_(True))
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return int(gone or 0)


def roll_up(now: dt.datetime | None = None, max_chunks: int | None = None) -> RollupReport:
    """Settle and roll up the searches and opens old enough to be decided.

    Needs an application context. Errors are logged and rolled back (the next run
    retries): the dashboard then shows what was rolled up before.

    :param now: the current time, naive UTC (tests pass a later one to roll up at once).
    :param max_chunks: stop after this many chunks of each kind (bounds a request's wait).
    :returns: counts of what was done.
    """
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=BURST_SECONDS + GRACE_SECONDS)
    zone = current_zone()
    report = RollupReport()
    try:
        for roll in (_roll_searches, _roll_opens):
            chunks = 0
            while (max_chunks is None or chunks < max_chunks) and roll(cutoff, zone, report):
                chunks += 1
        report.purged = purge(now, int(current_app.config["SEARCH_LOG_DAYS"]))
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("search analytics roll-up failed; retrying later", exc_info=True)
    return report


def start(app: Flask) -> threading.Event:
    """Start a daemon thread flushing this process's search log and rolling up.

    Called from each server worker (:func:`kb.server._post_fork`); set the returned event
    to stop it.
    """
    stop = threading.Event()
    rounds = max(1, int(ROLLUP_EVERY_SECONDS // FLUSH_EVERY_SECONDS))

    def loop() -> None:
        count = 0
        while not stop.wait(FLUSH_EVERY_SECONDS):
            count += 1
            try:
                with app.app_context():
                    flush_search_log()
                    if count % rounds == 0:
                        roll_up()
            except Exception:  # noqa: BLE001 - the thread must live on
                log.exception("search analytics thread failed a round")

    threading.Thread(target=loop, name="kb-analytics", daemon=True).start()
    return stop
