"""Search analytics: bursts settle into one search, the API counts what was sent, periods
are local (Asia/Almaty) days, roles are checked, exports are safe and audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from kb.analytics.models import ActorDaily
from kb.analytics.models import ArticleDaily
from kb.analytics.models import SearchHourly
from kb.analytics.models import SearchOpen
from kb.analytics.models import SearchQueryDaily
from kb.analytics.queries import Filters
from kb.analytics.queries import totals
from kb.analytics.recording import log_open
from kb.analytics.rollup import BURST
from kb.analytics.rollup import SETTLED
from kb.analytics.rollup import LoggedSearch
from kb.analytics.rollup import roll_up
from kb.analytics.rollup import settle
from kb.gaps import flush_search_log
from kb.gaps import log_search
from kb.models import ApiToken
from kb.models import AuditEvent
from kb.models import Feedback
from kb.models import SearchLog
from kb.models import User
from kb.models import db
from tests.browser.instance import close_app
from tests.browser.instance import demo_app
from tests.conftest import AuthActions

#: 2026-11-10 18:30 UTC is 23:30 in Almaty (UTC+5): still the 10th there.
EVENING = dt.datetime(2026, 11, 10, 18, 30)
#: 2026-11-10 19:30 UTC is 00:30 on the 11th in Almaty (but still the 10th in UTC).
AFTER_MIDNIGHT = dt.datetime(2026, 11, 10, 19, 30)


@pytest.fixture(scope="module")
def demo_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A copy of the demo instance for this module."""
    app = demo_app(tmp_path_factory, "analytics")
    yield app
    close_app(app)


@pytest.fixture
def demo(demo_module: Flask) -> Flask:
    """The module's application with empty logs and roll-ups."""
    with demo_module.app_context():
        flush_search_log()
        for model in (
            SearchLog,
            SearchOpen,
            SearchHourly,
            SearchQueryDaily,
            ArticleDaily,
            ActorDaily,
            Feedback,
            AuditEvent,
        ):
            db.session.execute(delete(model))
        db.session.commit()
    return demo_module


def _signed_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(role).status_code == 302
    return client


def _log(
    when: dt.datetime,
    query: str,
    hits: int = 3,
    actor: str = "operator",
    lang: str = "ru",
    top: tuple[str, ...] = ("ru/passport",),
    channel: str = "screen",
) -> None:
    log_search(actor, query, hits, 2.0, channel=channel, lang=lang, top_ids=top, when=when)


def _api(client: FlaskClient, **args: str) -> dict:
    response = client.get("/api/analytics/searches", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# -- settling bursts -------------------------------------------------------------------------


def test_settle_keeps_the_last_of_a_burst_and_unrelated_neighbours() -> None:
    t = dt.datetime(2026, 11, 10, 8, 0)
    rows = [
        LoggedSearch(1, t, "op", "screen", "пас"),
        LoggedSearch(2, t + dt.timedelta(seconds=1), "op", "screen", "пасп"),
        LoggedSearch(3, t + dt.timedelta(seconds=2), "op", "screen", "паспорт"),
        LoggedSearch(4, t + dt.timedelta(seconds=3), "op", "screen", "налог"),  # a new topic
        LoggedSearch(5, t + dt.timedelta(seconds=1), "other", "screen", "пас"),  # another user
        LoggedSearch(6, t + dt.timedelta(seconds=30), "op", "screen", "налог на имущество"),
    ]
    assert settle(rows) == {1: False, 2: False, 3: True, 4: True, 5: True, 6: True}


def test_a_burst_of_prefixes_counts_once(demo: Flask) -> None:
    start = EVENING - dt.timedelta(hours=3)
    with demo.app_context():
        for n, prefix in enumerate(["пас", "пасп", "паспо", "паспорт"]):
            _log(start + dt.timedelta(seconds=n), prefix, hits=0 if n < 2 else 4)
        _log(start + dt.timedelta(minutes=5), "салық", lang="kk", top=("kk/tax-debt",))
        flush_search_log()
        report = roll_up()
        assert report.searches == 5 and report.settled == 2
        states = dict(db.session.execute(select(SearchLog.query, SearchLog.state)).all())
        assert states == {
            "пас": BURST,
            "пасп": BURST,
            "паспо": BURST,
            "паспорт": SETTLED,
            "салық": SETTLED,
        }
        day = Filters(dt.date(2026, 11, 10), dt.date(2026, 11, 10))
        assert totals(day).searches == 2
        assert totals(day).zero_results == 0  # the zero-hit prefixes do not count
        # Rolling up again counts nothing twice.
        assert roll_up().searches == 0
        assert totals(day).searches == 2


def test_an_open_settles_the_prefix_it_came_from(demo: Flask) -> None:
    t = EVENING - dt.timedelta(hours=2)
    with demo.app_context():
        _log(t, "паспо", hits=2)
        log_open("operator", "ru/passport", "паспо", 1, "screen", when=t + dt.timedelta(seconds=1))
        _log(t + dt.timedelta(seconds=2), "паспорт", hits=4)  # typed on in a new tab
        flush_search_log()
        roll_up()
        day = Filters(dt.date(2026, 11, 10), dt.date(2026, 11, 10))
        figures = totals(day)
        assert figures.searches == 2
        assert figures.opened == 1
        assert figures.click_through == pytest.approx(0.5)
        opens = db.session.execute(
            select(ArticleDaily.opens, ArticleDaily.position_sum).where(
                ArticleDaily.article == "ru/passport"
            )
        ).one()
        assert tuple(opens) == (1, 1)


# -- the API contract ------------------------------------------------------------------------


def test_api_totals_equal_what_the_test_sent(demo: Flask) -> None:
    base = dt.datetime(2026, 11, 12, 4, 0)  # 09:00 in Almaty
    sent = [
        ("паспорт", 4, "ru", ("ru/passport",)),
        ("паспорт", 4, "ru", ("ru/passport",)),
        ("пособие на ребенка", 0, "ru", ()),
        ("төлқұжат", 2, "kk", ("kk/passport",)),
        ("жоқ нәрсе", 0, "kk", ()),
        ("жоқ нәрсе", 0, "kk", ()),
    ]
    with demo.app_context():
        for n, (query, hits, lang, top) in enumerate(sent):
            # One search every two minutes: no bursts, each one counts.
            _log(base + dt.timedelta(minutes=2 * n), query, hits, lang=lang, top=top)
        _log(base + dt.timedelta(days=1), "паспорт", 4)  # the next day: outside the period
        flush_search_log()
    body = _api(_signed_in(demo, "editor"), **{"from": "2026-11-12", "to": "2026-11-12"})
    assert set(body) == {
        "from",
        "to",
        "searches",
        "zero_results",
        "top_queries",
        "top_zero_queries",
        "per_day",
    }
    assert (body["from"], body["to"]) == ("2026-11-12", "2026-11-12")
    assert body["searches"] == len(sent)
    assert body["zero_results"] == 3
    assert body["top_queries"][:2] == [  # ties in count: alphabetical
        {"query": "жоқ нәрсе", "count": 2, "hits": 0},
        {"query": "паспорт", "count": 2, "hits": 4},
    ]
    assert body["top_zero_queries"][0] == {"query": "жоқ нәрсе", "count": 2}
    assert {"query": "пособие на ребенка", "count": 1} in body["top_zero_queries"]
    assert body["per_day"] == [{"date": "2026-11-12", "searches": 6, "zero_results": 3}]
    kazakh = _api(
        _signed_in(demo, "reviewer"), **{"from": "2026-11-12", "to": "2026-11-12", "lang": "kk"}
    )
    assert (kazakh["searches"], kazakh["zero_results"]) == (3, 2)
    assert [q["query"] for q in kazakh["top_queries"]] == ["жоқ нәрсе", "төлқұжат"]
    russian = _api(
        _signed_in(demo, "admin"), **{"from": "2026-11-12", "to": "2026-11-13", "lang": "ru"}
    )
    assert russian["searches"] == 4
    assert [d["searches"] for d in russian["per_day"]] == [3, 1]


def test_periods_are_almaty_days_not_utc_days(demo: Flask) -> None:
    with demo.app_context():
        _log(EVENING, "паспорт", 4)  # 23:30 on the 10th in Almaty
        _log(EVENING + dt.timedelta(minutes=1), "жоқ", 0, lang="kk", top=())
        _log(AFTER_MIDNIGHT, "төлқұжат жоғалды", 0, lang="kk", top=())  # 00:30 on the 11th
        _log(AFTER_MIDNIGHT + dt.timedelta(minutes=2), "паспорт", 4)
        _log(AFTER_MIDNIGHT + dt.timedelta(minutes=4), "төлқұжат жоғалды", 0, lang="kk", top=())
        flush_search_log()
    client = _signed_in(demo, "editor")
    tenth = _api(client, **{"from": "2026-11-10", "to": "2026-11-10"})
    eleventh = _api(client, **{"from": "2026-11-11", "to": "2026-11-11"})
    # In UTC all five were on the 10th; in Almaty two were on the 10th, three on the 11th.
    assert (tenth["searches"], tenth["zero_results"]) == (2, 1)
    assert (eleventh["searches"], eleventh["zero_results"]) == (3, 2)
    assert tenth["top_zero_queries"] == [{"query": "жоқ", "count": 1}]
    assert eleventh["top_zero_queries"] == [{"query": "төлқұжат жоғалды", "count": 2}]
    assert eleventh["top_queries"][0]["query"] == "төлқұжат жоғалды"
    both = _api(client, **{"from": "2026-11-10", "to": "2026-11-11"})
    assert [(d["date"], d["searches"], d["zero_results"]) for d in both["per_day"]] == [
        ("2026-11-10", 2, 1),
        ("2026-11-11", 3, 2),
    ]
    with demo.app_context():
        hours = dict(
            db.session.execute(
                select(SearchHourly.hour, func.sum(SearchHourly.searches)).group_by(
                    SearchHourly.hour
                )
            ).all()
        )
    assert hours == {23: 2, 0: 3}  # local hours


def test_api_rejects_bad_periods_naming_the_parameter(demo: Flask) -> None:
    client = _signed_in(demo, "editor")
    for args, param in (
        ({"from": "12.11.2026"}, "from"),
        ({"from": "2026-11-12", "to": "2026-11-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-11-01"}, "from"),
        ({"lang": "de"}, "lang"),
        ({"channel": "fax"}, "channel"),
    ):
        response = client.get("/api/analytics/searches", query_string=args)
        assert response.status_code == 400, args
        assert response.get_json()["error"]["param"] == param


def test_api_accepts_a_token_of_an_editor(demo: Flask) -> None:
    with demo.app_context():
        _log(EVENING, "паспорт", 4)
        flush_search_log()
        editor = db.session.scalar(select(User).where(User.name == "editor"))
        row, clear = ApiToken.issue(editor, "bar")
        db.session.add(row)
        db.session.commit()
    response = demo.test_client().get(
        "/api/analytics/searches?from=2026-11-10&to=2026-11-10",
        headers={"Authorization": f"Bearer {clear}"},
    )
    assert response.status_code == 200
    assert response.get_json()["searches"] == 1


def test_analytics_is_in_the_openapi_document(demo: Flask) -> None:
    doc = _signed_in(demo, "operator").get("/api/openapi.json").get_json()
    operation = doc["paths"]["/api/analytics/searches"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "lang"}
    assert "AnalyticsSearches" in doc["components"]["schemas"]


# -- roles, privacy, exports -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/-/analytics", "/-/analytics/top_queries.csv", "/api/analytics/searches"]
)
def test_operators_and_trainers_get_403(demo: Flask, path: str) -> None:
    for role in ("operator", "trainer"):
        assert _signed_in(demo, role).get(path).status_code == 403, (role, path)
    assert demo.test_client().get("/api/analytics/searches").status_code == 401


def test_user_names_only_for_administrators(demo: Flask) -> None:
    with demo.app_context():
        _log(EVENING, "паспорт", 4, actor="operator")
        flush_search_log()
    period = "?from=2026-11-10&to=2026-11-10"
    for role in ("editor", "reviewer"):
        page = _signed_in(demo, role).get("/-/analytics" + period)
        assert page.status_code == 200
        assert 'id="table-operators"' not in page.get_data(as_text=True)
        assert _signed_in(demo, role).get("/-/analytics/operators.csv" + period).status_code == 404
    page = _signed_in(demo, "admin").get("/-/analytics" + period).get_data(as_text=True)
    assert 'id="table-operators"' in page
    exported = _signed_in(demo, "admin").get("/-/analytics/operators.csv" + period)
    assert "operator,1,0" in exported.get_data(as_text=True)


def test_csv_export_is_audited_and_neutralises_formulas(demo: Flask) -> None:
    with demo.app_context():
        _log(EVENING, '=HYPERLINK("http://x")', 0, top=())
        _log(EVENING + dt.timedelta(minutes=1), "@паспорт", 0, top=())
        flush_search_log()
    client = _signed_in(demo, "editor")
    response = client.get("/-/analytics/zero_queries.csv?from=2026-11-10&to=2026-11-10")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["query", "zero_results", "gaps"]
    queries = {r[0] for r in rows[1:]}
    # normalise_query keeps words only, so the typed text never starts a formula here;
    # the cell function is checked on raw text too.
    assert all(not q.startswith(("=", "+", "-", "@")) for q in queries)
    assert "hyperlink http x" in queries
    from kb.csv_export import safe_cell

    assert safe_cell("=1+1") == "'=1+1" and safe_cell("\tx") == "'\tx" and safe_cell(3) == "3"
    with demo.app_context():
        audit = db.session.execute(
            select(AuditEvent.actor, AuditEvent.target, AuditEvent.detail).where(
                AuditEvent.action == "export"
            )
        ).all()
    assert audit == [("editor", "analytics/zero_queries", "from=2026-11-10 to=2026-11-10")]


# -- what the screen and the API log ---------------------------------------------------------


def test_screen_and_api_searches_and_opens_are_logged_with_their_details(demo: Flask) -> None:
    client = _signed_in(demo, "operator")
    page = client.get("/?q=паспорт&lang=ru").get_data(as_text=True)
    assert "q=%D0%BF%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82&amp;pos=1" in page  # result links
    assert client.get("/api/search?q=төлқұжат&lang=kk").status_code == 200
    assert client.get("/api/search?q=төлқұжат&live=1").status_code == 200  # not logged
    assert client.get("/ru/passport?q=паспорт&pos=2").status_code == 200
    assert client.get("/api/articles/kk/passport?q=төлқұжат&pos=1").status_code == 200
    assert client.get("/ru/passport").status_code == 200  # not from a search: no open
    assert client.get("/kk/passport?q=паспорт").status_code == 200  # the kk↔ru switch: none
    with demo.app_context():
        flush_search_log()
        rows = db.session.execute(
            select(SearchLog.channel, SearchLog.lang, SearchLog.query, SearchLog.top_ids).order_by(
                SearchLog.id
            )
        ).all()
        opens = db.session.execute(
            select(
                SearchOpen.channel, SearchOpen.article, SearchOpen.query, SearchOpen.position
            ).order_by(SearchOpen.id)
        ).all()
    assert [(r.channel, r.lang, r.query) for r in rows] == [
        ("screen", "ru", "паспорт"),
        ("api", "kk", "төлқұжат"),
    ]
    assert rows[0].top_ids.split()[0] == "ru/passport"
    assert rows[1].top_ids.split()[0] == "kk/passport"
    assert [tuple(o) for o in opens] == [
        ("screen", "ru/passport", "паспорт", 2),
        ("api", "kk/passport", "төлқұжат", 1),
    ]


def test_raw_rows_expire_but_roll_ups_stay(demo: Flask) -> None:
    demo.config["SEARCH_LOG_DAYS"] = 30
    try:
        with demo.app_context():
            old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=40)
            _log(old, "паспорт", 4)
            log_open("operator", "ru/passport", "паспорт", 1, "screen", when=old)
            _log(old + dt.timedelta(days=35), "налог", 2)
            flush_search_log()
            report = roll_up()
            assert report.purged == 2  # the old search and the old open
            assert [q for (q,) in db.session.execute(select(SearchLog.query))] == ["налог"]
            period = Filters(old.date() - dt.timedelta(days=1), old.date() + dt.timedelta(days=1))
            assert totals(period).searches == 1 and totals(period).opened == 1
    finally:
        demo.config["SEARCH_LOG_DAYS"] = 180


def test_dashboard_shows_figures_charts_and_tables_in_kazakh_and_russian(demo: Flask) -> None:
    with demo.app_context():
        _log(EVENING, "паспорт", 4)
        _log(AFTER_MIDNIGHT, "жоқ нәрсе", 0, lang="kk", top=())
        db.session.add(
            Feedback(actor="operator", kind="answered", article="ru/passport", when=EVENING)
        )
        db.session.commit()
        flush_search_log()
    client = _signed_in(demo, "editor")
    period = "?from=2026-11-10&to=2026-11-11"
    for locale, heading, word in (
        ("kk", "Іздеу талдауы", "Іздеулер"),
        ("ru", "Аналитика поиска", "Поиски"),
    ):
        with client.session_transaction() as session:
            session["locale"] = locale  # what the language buttons store
        html = client.get("/-/analytics" + period).get_data(as_text=True)
        assert heading in html and word in html
        assert html.count('<svg class="chart') == 3
        assert 'id="total-searches">2<' in html
        assert "жоқ нәрсе" in html and "/ru/passport" in html
        assert "Searches per day" not in html  # no English left on a kk/ru page
    bad = client.get("/-/analytics?from=yesterday")
    assert bad.status_code == 400 and "2026-12-01" in bad.get_data(as_text=True)


def test_the_gap_queue_leaves_out_burst_prefixes(demo: Flask) -> None:
    from kb.gaps import gap_queue

    t = EVENING - dt.timedelta(hours=1)
    with demo.app_context():
        _log(t, "жо", 0, lang="kk", top=())
        _log(t + dt.timedelta(seconds=1), "жоқ нәрсе", 0, lang="kk", top=())
        flush_search_log()
        before = {g.key for g in gap_queue(now=EVENING)}
        roll_up()
        after = {g.key for g in gap_queue(now=EVENING)}
    assert before == {"жо", "жоқ нәрсе"}
    assert after == {"жоқ нәрсе"}


def test_workers_rolling_up_at_once_count_each_search_once(demo: Flask) -> None:
    import threading

    base = dt.datetime(2026, 11, 14, 5, 0)
    with demo.app_context():
        for n in range(300):  # 150 users, two unrelated searches each, a minute apart
            query = "паспорт" if n % 2 else "салық берешегі"
            _log(
                base + dt.timedelta(minutes=n // 150, seconds=n % 150), query, actor=f"op{n % 150}"
            )
        flush_search_log()

    def work() -> None:
        with demo.app_context():
            roll_up()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with demo.app_context():
        roll_up()  # whatever a thread gave up on (a locked database) is rolled up now
        day = Filters(dt.date(2026, 11, 14), dt.date(2026, 11, 14))
        assert totals(day).searches == 300
        assert (
            db.session.scalar(
                select(func.count()).select_from(SearchLog).where(SearchLog.state == 0)
            )
            == 0
        )
