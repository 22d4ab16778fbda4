"""The analytics dashboard ``/-/analytics``, its CSV exports, and the JSON API.

Editors, reviewers and administrators only (operators get 403); user names only for
administrators; every CSV export goes to the audit trail. Each request first writes this
process's queued search log rows and rolls up what is old enough
(:func:`kb.analytics.rollup.roll_up`, bounded), so the figures are at most a few seconds
behind; the background thread of each server worker does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from kb.analytics import queries
from kb.analytics.charts import Point
from kb.analytics.charts import bar_chart
from kb.analytics.charts import line_chart
from kb.analytics.queries import FilterError
from kb.analytics.queries import Filters
from kb.analytics.rollup import roll_up
from kb.audit import record
from kb.csv_export import csv_lines
from kb.errors import error_response
from kb.gaps import flush_search_log
from kb.localtime import local_today
from kb.operator.reader import is_stale
from kb.web import get_kb
from kb.web import register_nav
from kb.web import role_required

bp = Blueprint(
    "analytics",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/-/analytics/static",
)
bp.record_once(
    lambda state: register_nav(
        state.app, "analytics.dashboard", lambda: _("Search analytics"), "editor", "reviewer"
    )
)

#: Roles that may see the analytics (admins always may).
ROLES = ("editor", "reviewer")
#: Chunks a request rolls up at most before answering (the thread does the rest).
REQUEST_CHUNKS = 3
#: Rows of a table shown on the page (the CSV export has them all).
PAGE_ROWS = 100


@dataclass(frozen=True)
class Cell:
    """One table cell: its CSV value, its text on the page, an optional link."""

    value: Any
    text: str = ""
    href: str = ""

    @property
    def shown(self) -> str:
        """The text on the page."""
        return self.text or str(self.value)


@dataclass
class Table:
    """One dashboard table, also exported as CSV under ``name``."""

    name: str
    caption: str
    columns: list[tuple[str, str]]  # (CSV column, translated heading)
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""

    def csv(self) -> str:
        """The table as CSV (machine column names, raw values)."""
        header = [c for c, _ in self.columns]
        return "".join(csv_lines(header, ([c.value for c in r] for r in self.rows)))


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f} %"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _published() -> list[tuple[str, str, str]]:
    """``(article, title, review_by)`` of every published article, cached per head."""
    kb = get_kb()
    head = kb.store.published_head()
    cache = current_app.extensions.setdefault("kb_analytics_published", {})
    if cache.get("head") != head:
        cache["rows"] = [
            (f"{a.lang}/{a.slug}", a.title, str(a.meta.review_by or ""))
            for a in kb.store.list(line="published")
        ]
        cache["head"] = head
    return list(cache["rows"])


def refresh() -> None:
    """Write this process's queued searches and roll up what can be decided."""
    flush_search_log()
    roll_up(max_chunks=REQUEST_CHUNKS)


def _query_cell(query: str) -> Cell:
    return Cell(query, href=url_for("home.index", q=query))


def _article_cell(article: str, title: str = "") -> Cell:
    return Cell(article, text=f"{title} ({article})" if title else article, href=f"/{article}")


def build_tables(
    f: Filters, admin: bool, counts: dict[str, tuple[int, int, int, int]] | None = None
) -> dict[str, Table]:
    """Every dashboard table for the filters (operator names only for ``admin``).

    :param counts: :func:`kb.analytics.queries.article_counts` if already read.
    """
    published = _published()
    titles = {a: t for a, t, _r in published}
    tables: dict[str, Table] = {}
    stats = queries.query_stats(f)  # one read of the big roll-up for the three query lists
    counts = queries.article_counts(f) if counts is None else counts
    day_rows = queries.per_day(f)
    tables["per_day"] = Table(
        "per_day",
        _("Searches per day"),
        [
            ("date", _("Day")),
            ("searches", _("Searches")),
            ("zero_results", _("No result")),
            ("zero_share", _("Share with no result")),
        ],
        [
            [
                Cell(d.isoformat()),
                Cell(s),
                Cell(z),
                Cell(round(z / s, 4) if s else 0, _percent(z / s if s else 0)),
            ]
            for d, s, z in day_rows
        ],
    )
    tables["per_hour"] = Table(
        "per_hour",
        _("Searches per hour of the day"),
        [("hour", _("Hour")), ("searches", _("Searches")), ("zero_results", _("No result"))],
        [[Cell(h, f"{h:02d}:00"), Cell(s), Cell(z)] for h, s, z in queries.per_hour(f)],
    )
    query_columns = [
        ("query", _("Query")),
        ("searches", _("Searches")),
        ("hits", _("Results")),
        ("opened", _("Opened")),
    ]
    tables["top_queries"] = Table(
        "top_queries",
        _("Top queries"),
        query_columns,
        [
            [_query_cell(r.query), Cell(r.count), Cell(r.hits), Cell(r.opened)]
            for r in queries.top_queries(f, stats=stats)
        ],
        _("No searches in this period."),
    )
    tables["zero_queries"] = Table(
        "zero_queries",
        _("Top queries with no result"),
        [("query", _("Query")), ("zero_results", _("No result")), ("gaps", _("Gap queue"))],
        [
            [
                _query_cell(r.query),
                Cell(r.zero_results),
                Cell("", _("Open in the gap queue"), url_for("gaps.index")),
            ]
            for r in queries.top_zero_queries(f, stats=stats)
        ],
        _("Every search found something."),
    )
    tables["unopened_queries"] = Table(
        "unopened_queries",
        _("Queries with results but no opened article"),
        [("query", _("Query")), ("with_hits", _("Searches with results")), ("hits", _("Results"))],
        [
            [_query_cell(r.query), Cell(r.with_hits), Cell(r.hits)]
            for r in queries.unopened_queries(f, stats=stats)
        ],
        _("A result was opened from every query."),
    )
    tables["articles"] = Table(
        "articles",
        _("Articles: opens and operators’ verdicts"),
        [
            ("article", _("Article")),
            ("shown", _("Among first results")),
            ("opens", _("Opens")),
            ("mean_position", _("Mean position")),
            ("answered", _("Answered the call")),
            ("not_answered", _("Did not answer")),
            ("answered_share", _("Share answered")),
            ("reports", _("Reports")),
        ],
        [
            [
                _article_cell(r.article, r.title),
                Cell(r.shown),
                Cell(r.opens),
                Cell(r.mean_position, _number(r.mean_position)),
                Cell(r.answered),
                Cell(r.not_answered),
                Cell(r.answered_share, _percent(r.answered_share)),
                Cell(r.reports),
            ]
            for r in queries.articles(f, titles, counts=counts)
        ],
        _("No article was opened or rated in this period."),
    )
    tables["never_found"] = Table(
        "never_found",
        _("Articles never found in the period"),
        [("article", _("Article"))],
        [[_article_cell(a, t)] for a, t in queries.never_found(f, titles, counts)],
        _("Every published article was found."),
    )
    today = local_today()
    tables["stale"] = Table(
        "stale",
        _("Stale articles (review date passed)"),
        [("article", _("Article")), ("review_by", _("Review by"))],
        [
            [_article_cell(a, t), Cell(r)]
            for a, t, r in sorted(published, key=lambda row: row[2])
            if is_stale(r, today) and (not f.lang or a.startswith(f.lang + "/"))
        ],
        _("No article is past its review date."),
    )
    if admin:
        tables["operators"] = Table(
            "operators",
            _("Searches per user"),
            [("user", _("User")), ("searches", _("Searches")), ("zero_results", _("No result"))],
            [[Cell(a), Cell(s), Cell(z)] for a, s, z in queries.actors(f)],
            _("No searches in this period."),
        )
    return tables


def build_charts(tables: dict[str, Table]) -> list[tuple[str, str, Markup, Table]]:
    """The three charts, each with the table holding its numbers."""
    days = tables["per_day"].rows
    hours = tables["per_hour"].rows
    search_word = _("searches")
    per_day = bar_chart(
        [
            Point(r[0].shown[5:], float(r[1].value), f"{r[0].shown}: {r[1].value} {search_word}")
            for r in days
        ],
        title=_("Searches per day"),
        desc=_("Bars: settled searches on each day of the period."),
        css="per-day",
    )
    per_hour = bar_chart(
        [
            Point(r[0].shown[:2], float(r[1].value), f"{r[0].shown}: {r[1].value} {search_word}")
            for r in hours
        ],
        title=_("Searches per hour of the day"),
        desc=_("Bars: settled searches in each local hour, summed over the period."),
        css="per-hour",
    )
    zero = line_chart(
        [
            Point(r[0].shown[5:], float(r[3].value) * 100, f"{r[0].shown}: {r[3].shown}")
            for r in days
        ],
        title=_("Share of searches with no result"),
        desc=_("Line: percentage of settled searches that found nothing, per day."),
        css="zero-share",
        fmt="{:.0f} %",
    )
    return [
        ("per-day", _("Searches per day"), per_day, tables["per_day"]),
        ("per-hour", _("Searches per hour of the day"), per_hour, tables["per_hour"]),
        ("zero-share", _("Share of searches with no result"), zero, tables["per_day"]),
    ]


def _filters_or_error() -> tuple[Filters, str | None]:
    today = local_today()
    try:
        return queries.parse_filters(request.args, today), None
    except FilterError as exc:
        messages = {
            "from": _(
                "Check the period: dates look like 2026-12-01, the start is not after the "
                "end, and a period is at most 366 days."
            ),
            "to": _("Check the end of the period: a date such as 2026-12-01."),
            "lang": _("Choose a language from the list."),
            "channel": _("Choose a channel from the list."),
        }
        return queries.parse_filters({}, today), messages.get(exc.param, messages["from"])


@bp.route("/-/analytics")
@role_required(*ROLES)
def dashboard() -> ResponseReturnValue:
    """The dashboard: charts with their tables, top lists, articles, filters, exports."""
    refresh()
    f, error = _filters_or_error()
    admin = "admin" in current_user.role_names
    counts = queries.article_counts(f)
    tables = build_tables(f, admin, counts)
    total = queries.totals(f)
    return (
        render_template(
            "analytics/dashboard.html",
            f=f,
            error=error,
            total=total,
            mean_position=queries.mean_position(f, counts),
            charts=build_charts(tables),
            tables=[t for name, t in tables.items() if name not in ("per_day", "per_hour")],
            percent=_percent,
            number=_number,
            timezone=queries.timezone_name(),
            langs=queries.LANGS,
            channels=queries.CHANNELS,
            page_rows=PAGE_ROWS,
        ),
        400 if error else 200,
    )


@bp.route("/-/analytics/<name>.csv")
@role_required(*ROLES)
def export(name: str) -> ResponseReturnValue:
    """One dashboard table as CSV (audited)."""
    refresh()
    f, error = _filters_or_error()
    if error:
        return error, 400, {"Content-Type": "text/plain; charset=utf-8"}
    admin = "admin" in current_user.role_names
    tables = build_tables(f, admin)
    table = tables.get(name)
    if table is None:
        return (
            _("No such table: choose one of the export links on the dashboard."),
            404,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    record(
        current_user.name,
        "export",
        f"analytics/{name}",
        " ".join(f"{k}={v}" for k, v in f.as_args().items()),
    )
    filename = f"analytics-{name}-{f.start.isoformat()}-{f.end.isoformat()}.csv"
    return Response(
        "\ufeff" + table.csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/api/analytics/searches")
@role_required(*ROLES)
def api_searches() -> ResponseReturnValue:
    """Settled searches of a period: totals, top lists, per day (the API contract)."""
    try:
        f = queries.parse_filters(request.args, local_today(), langs=queries.LANGS)
    except FilterError as exc:
        body, status = error_response(400, str(exc), "invalid_parameter")
        body["error"]["param"] = exc.param
        return body, status
    refresh()
    summary: dict[str, Any] = queries.searches_summary(f)
    return summary
