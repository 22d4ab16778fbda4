"""The figures of the analytics dashboard and API, read from the roll-ups.

Every function takes a :class:`Filters` (a period of local days, a language, a channel)
and reads only the roll-up tables of :mod:`kb.analytics.models`, whose rows are one per
hour or day and key, so a period costs the same however many raw searches it held.
Feedback ("answered the call" and reports) is read from its own table by time.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from kb.analytics.models import ActorDaily
from kb.analytics.models import ArticleDaily
from kb.analytics.models import SearchHourly
from kb.analytics.models import SearchQueryDaily
from kb.localtime import current_zone
from kb.models import Feedback
from kb.models import db

#: Languages and channels a filter may name.
LANGS = ("kk", "ru", "en")
CHANNELS = ("screen", "api")
#: Longest period a request may ask for, in days.
MAX_DAYS = 366
#: Rows of each top list.
TOP_ROWS = 20


class FilterError(ValueError):
    """A filter value that cannot be used; the message names it and the fix.

    :param message: what is wrong.
    :param param: the parameter's name.
    """

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Filters:
    """A period of local days (both included), optionally one language and one channel."""

    start: dt.date
    end: dt.date
    lang: str | None = None
    channel: str | None = None

    @property
    def days(self) -> list[dt.date]:
        """Every day of the period."""
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def utc_range(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as naive UTC ``[start, end)``: local midnight to local midnight."""
        zone = current_zone()
        first = dt.datetime.combine(self.start, dt.time(), zone)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)
        return (
            first.astimezone(dt.UTC).replace(tzinfo=None),
            after.astimezone(dt.UTC).replace(tzinfo=None),
        )

    def as_args(self) -> dict[str, str]:
        """The filters as query-string parameters."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.lang:
            args["lang"] = self.lang
        if self.channel:
            args["channel"] = self.channel
        return args


def _date(raw: str, param: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FilterError(
            f"{param} must be a date such as 2026-12-01 (YYYY-MM-DD)", param
        ) from None


def parse_filters(
    args: Any, today: dt.date, default_days: int = 30, langs: tuple[str, ...] = LANGS
) -> Filters:
    """Validate ``from``, ``to``, ``lang`` and ``channel`` of a request.

    :param args: the query-string parameters.
    :param today: today's local date (the default end of the period).
    :param default_days: length of the default period.
    :param langs: languages accepted for ``lang``.
    :raises FilterError: naming the bad parameter.
    """
    end = _date(args["to"], "to") if args.get("to") else today
    start = (
        _date(args["from"], "from")
        if args.get("from")
        else end - dt.timedelta(days=default_days - 1)
    )
    if start > end:
        raise FilterError("from must not be later than to", "from")
    if (end - start).days + 1 > MAX_DAYS:
        raise FilterError(
            f"the period is longer than {MAX_DAYS} days: choose a shorter one", "from"
        )
    lang = args.get("lang") or None
    if lang is not None and lang not in langs:
        raise FilterError(f"lang must be one of {', '.join(langs)} or empty", "lang")
    channel = args.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise FilterError(f"channel must be one of {', '.join(CHANNELS)} or empty", "channel")
    return Filters(start, end, lang, channel)


def _where(query: Any, model: Any, f: Filters, lang: bool = True) -> Any:
    query = query.where(model.day >= f.start, model.day <= f.end)
    if lang and f.lang:
        query = query.where(model.lang == f.lang)
    if f.channel:
        query = query.where(model.channel == f.channel)
    return query


@dataclass(frozen=True)
class Totals:
    """Settled searches of a period and what became of them."""

    searches: int
    zero_results: int
    with_hits: int
    opened: int

    @property
    def zero_share(self) -> float:
        """Share of searches that found nothing (0 to 1)."""
        return self.zero_results / self.searches if self.searches else 0.0

    @property
    def click_through(self) -> float:
        """Share of searches with results from which a result was opened (0 to 1)."""
        return self.opened / self.with_hits if self.with_hits else 0.0


def totals(f: Filters) -> Totals:
    """The period's settled searches, zero-result searches, those with hits and opened."""
    row = db.session.execute(
        _where(
            select(
                func.coalesce(func.sum(SearchHourly.searches), 0),
                func.coalesce(func.sum(SearchHourly.zero_results), 0),
                func.coalesce(func.sum(SearchHourly.with_hits), 0),
                func.coalesce(func.sum(SearchHourly.opened), 0),
            ),
            SearchHourly,
            f,
        )
    ).one()
    return Totals(*(int(v) for v in row))


def per_day(f: Filters) -> list[tuple[dt.date, int, int]]:
    """``(day, searches, zero results)`` for every day of the period (zeros included)."""
    rows = db.session.execute(
        _where(
            select(
                SearchHourly.day,
                func.sum(SearchHourly.searches),
                func.sum(SearchHourly.zero_results),
            ),
            SearchHourly,
            f,
        ).group_by(SearchHourly.day)
    )
    found = {day: (int(s), int(z)) for day, s, z in rows}
    return [(day, *found.get(day, (0, 0))) for day in f.days]


def per_hour(f: Filters) -> list[tuple[int, int, int]]:
    """``(local hour, searches, zero results)`` summed over the period, hours 0 to 23."""
    rows = db.session.execute(
        _where(
            select(
                SearchHourly.hour,
                func.sum(SearchHourly.searches),
                func.sum(SearchHourly.zero_results),
            ),
            SearchHourly,
            f,
        ).group_by(SearchHourly.hour)
    )
    found = {hour: (int(s), int(z)) for hour, s, z in rows}
    return [(hour, *found.get(hour, (0, 0))) for hour in range(24)]


@dataclass(frozen=True)
class QueryRow:
    """One normalised query over the period."""

    query: str
    count: int
    zero_results: int
    with_hits: int
    opened: int
    hits: int  # mean number of hits, rounded


#: One query's counts over a period: (query, searches, zero, with hits, opened, hits sum).
QueryStats = list[tuple[str, int, int, int, int, int]]


def query_stats(f: Filters) -> QueryStats:
    """Every normalised query of the period with its counts, in one scan of the roll-up.

    The top lists are picked from this in Python: one read of the daily query table
    instead of one per list (over a million searches this table is the big one).
    """
    c = SearchQueryDaily
    query = _where(
        select(
            c.query,
            func.sum(c.searches),
            func.sum(c.zero_results),
            func.sum(c.with_hits),
            func.sum(c.opened),
            func.sum(c.hits_sum),
        ),
        c,
        f,
    ).group_by(c.query)
    return [
        (q, int(s), int(z), int(w), int(o), int(h))
        for q, s, z, w, o, h in db.session.execute(query)
    ]


def _top(rows: QueryStats, column: int, keep: Any, limit: int) -> list[QueryRow]:
    def order(row: tuple[str, int, int, int, int, int]) -> tuple[int, str]:
        return (-int(row[column]), row[0])

    chosen = heapq.nsmallest(limit, (r for r in rows if keep(r)), key=order)
    return [
        QueryRow(q, int(s), int(z), int(w), int(o), round(int(h) / int(s)) if s else 0)
        for q, s, z, w, o, h in chosen
    ]


def top_queries(
    f: Filters, limit: int = TOP_ROWS, stats: QueryStats | None = None
) -> list[QueryRow]:
    """The most frequent settled queries (``stats``: a :func:`query_stats` already read)."""
    rows = query_stats(f) if stats is None else stats
    return _top(rows, 1, lambda r: r[1] > 0, limit)


def top_zero_queries(
    f: Filters, limit: int = TOP_ROWS, stats: QueryStats | None = None
) -> list[QueryRow]:
    """The most frequent queries that found nothing."""
    rows = query_stats(f) if stats is None else stats
    return _top(rows, 2, lambda r: r[2] > 0, limit)


def unopened_queries(
    f: Filters, limit: int = TOP_ROWS, stats: QueryStats | None = None
) -> list[QueryRow]:
    """Queries that found results, from which no result was ever opened in the period."""
    rows = query_stats(f) if stats is None else stats
    return _top(rows, 3, lambda r: r[3] > 0 and r[4] == 0, limit)


def mean_position(
    f: Filters, counts: dict[str, tuple[int, int, int, int]] | None = None
) -> float | None:
    """The mean position (1 = first) of results opened from a search, if any was.

    :param counts: an :func:`article_counts` already read.
    """
    if counts is not None:
        total = sum(c[2] for c in counts.values())
        count = sum(c[3] for c in counts.values())
        return total / count if count else None
    total, count = db.session.execute(
        _where(
            select(
                func.coalesce(func.sum(ArticleDaily.position_sum), 0),
                func.coalesce(func.sum(ArticleDaily.positioned), 0),
            ),
            ArticleDaily,
            f,
        ).where(ArticleDaily.lang != "")
    ).one()
    return int(total) / int(count) if count else None


@dataclass(frozen=True)
class ArticleRow:
    """One article over the period: found, opened, and what operators said of it."""

    article: str
    title: str
    shown: int
    opens: int
    mean_position: float | None
    answered: int
    not_answered: int
    reports: int

    @property
    def answered_share(self) -> float | None:
        """Share of "answered the call" among the verdicts (None without verdicts)."""
        verdicts = self.answered + self.not_answered
        return self.answered / verdicts if verdicts else None

    @property
    def not_answered_share(self) -> float | None:
        """Share of "did not answer" among the verdicts (None without verdicts)."""
        share = self.answered_share
        return None if share is None else 1 - share


def feedback_counts(f: Filters) -> dict[str, dict[str, int]]:
    """``{article: {kind: count}}`` of the period's feedback (channel does not apply)."""
    start, end = f.utc_range()
    query = (
        select(Feedback.article, Feedback.kind, func.count())
        .where(Feedback.when >= start, Feedback.when < end, Feedback.article != "")
        .group_by(Feedback.article, Feedback.kind)
    )
    if f.lang:
        query = query.where(Feedback.article.like(f"{f.lang}/%"))
    out: dict[str, dict[str, int]] = {}
    for article, kind, count in db.session.execute(query):
        out.setdefault(article, {})[kind] = int(count)
    return out


def article_counts(f: Filters) -> dict[str, tuple[int, int, int, int]]:
    """``{article: (shown, opens, position sum, opens with a position)}`` of the period."""
    rows = db.session.execute(
        _where(
            select(
                ArticleDaily.article,
                func.sum(ArticleDaily.shown),
                func.sum(ArticleDaily.opens),
                func.sum(ArticleDaily.position_sum),
                func.sum(ArticleDaily.positioned),
            ),
            ArticleDaily,
            f,
        )
        .where(ArticleDaily.lang != "")
        .group_by(ArticleDaily.article)
    )
    return {a: (int(s), int(o), int(p), int(n)) for a, s, o, p, n in rows}


def articles(
    f: Filters,
    titles: dict[str, str],
    limit: int = 50,
    counts: dict[str, tuple[int, int, int, int]] | None = None,
) -> list[ArticleRow]:
    """Articles opened, shown or rated in the period, most opened first.

    :param titles: ``{"<lang>/<slug>": title}`` of the published articles.
    :param counts: an :func:`article_counts` already read.
    """
    counts = article_counts(f) if counts is None else counts
    feedback = feedback_counts(f)
    out = []
    for article in set(counts) | set(feedback):
        shown, opens, pos, positioned = counts.get(article, (0, 0, 0, 0))
        kinds = feedback.get(article, {})
        out.append(
            ArticleRow(
                article=article,
                title=titles.get(article, ""),
                shown=shown,
                opens=opens,
                mean_position=pos / positioned if positioned else None,
                answered=kinds.get("answered", 0),
                not_answered=kinds.get("not_answered", 0),
                reports=kinds.get("gap", 0),
            )
        )
    out.sort(key=lambda r: (-r.opens, -r.shown, -(r.answered + r.not_answered), r.article))
    return out[:limit]


def never_found(
    f: Filters,
    published: dict[str, str],
    counts: dict[str, tuple[int, int, int, int]] | None = None,
) -> list[tuple[str, str]]:
    """Published articles never among the first results nor opened: ``(article, title)``.

    :param published: ``{"<lang>/<slug>": title}`` of the published articles.
    :param counts: an :func:`article_counts` already read.
    """
    counts = article_counts(f) if counts is None else counts
    seen = {a for a, (shown, opens, _p, _n) in counts.items() if shown or opens}
    return sorted(
        (a, t)
        for a, t in published.items()
        if a not in seen and (not f.lang or a.startswith(f.lang + "/"))
    )


def actors(f: Filters, limit: int = 50) -> list[tuple[str, int, int]]:
    """``(user, searches, zero results)`` of the period, busiest first (admins only)."""
    searches = func.sum(ActorDaily.searches)
    query = (
        _where(select(ActorDaily.actor, searches, func.sum(ActorDaily.zero_results)), ActorDaily, f)
        .group_by(ActorDaily.actor)
        .order_by(searches.desc(), ActorDaily.actor)
        .limit(limit)
    )
    return [(a, int(s), int(z)) for a, s, z in db.session.execute(query)]


def searches_summary(f: Filters, limit: int = TOP_ROWS) -> dict[str, Any]:
    """The JSON API's answer (the contract of ``GET /api/analytics/searches``)."""
    total = totals(f)
    stats = query_stats(f)
    return {
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        "searches": total.searches,
        "zero_results": total.zero_results,
        "top_queries": [
            {"query": r.query, "count": r.count, "hits": r.hits}
            for r in top_queries(f, limit, stats)
        ],
        "top_zero_queries": [
            {"query": r.query, "count": r.zero_results} for r in top_zero_queries(f, limit, stats)
        ],
        "per_day": [
            {"date": day.isoformat(), "searches": s, "zero_results": z} for day, s, z in per_day(f)
        ],
    }


def timezone_name() -> str:
    """The zone whose days the figures use (shown on the dashboard)."""
    return str(current_app.config.get("TIMEZONE", "Asia/Almaty"))
