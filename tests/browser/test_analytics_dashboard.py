"""The search analytics dashboard in a real browser: charts drawn, in Kazakh and Russian."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SignIn = Callable[[Any, str], None]


def _seed(live_server: LiveServer) -> None:
    """Write settled searches of yesterday and today straight into the live database."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=5)
    rows = [
        (now - dt.timedelta(days=1, minutes=n), "operator", q, h, "screen", lang, top)
        for n, (q, h, lang, top) in enumerate(
            [
                ("паспорт", 4, "ru", "ru/passport"),
                ("төлқұжат", 2, "kk", "kk/passport"),
                ("жоқ нәрсе", 0, "kk", ""),
            ]
        )
    ] + [
        (now - dt.timedelta(minutes=3 * n), "operator", "салық", 3, "api", "kk", "kk/tax-debt")
        for n in range(3)
    ]
    with sqlite3.connect(live_server.home / "kb.sqlite3") as db:
        db.executemany(
            'INSERT INTO search_log ("when", actor, query, hits, took_ms, channel, lang, '
            "top_ids, state) VALUES (?, ?, ?, ?, 1.0, ?, ?, ?, 0)",
            [(w.isoformat(sep=" "), a, q, h, c, lang, top) for w, a, q, h, c, lang, top in rows],
        )


@pytest.mark.parametrize(
    ("locale", "heading", "legend"),
    [("kk", "Іздеу талдауы", "Күніне іздеулер"), ("ru", "Аналитика поиска", "Поиски по дням")],
)
def test_dashboard_draws_its_charts_in_kazakh_and_russian(
    page: Any,
    sign_in: SignIn,
    live_server: LiveServer,
    locale: str,
    heading: str,
    legend: str,
    tmp_path: Any,
) -> None:
    if locale == "kk":
        _seed(live_server)
    sign_in(page, "editor")
    page.goto("/")
    page.click(f"form.lang button[value={locale}]")
    page.goto("/-/analytics")
    assert page.locator("h1").inner_text().strip() == heading
    assert page.locator("#chart-per-day-title").inner_text().strip() == legend
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    for css in ("per-day", "per-hour", "zero-share"):
        box = page.locator(f"#chart-{css} svg").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 80, css
    # Bars are drawn with a height where searches were made; the line has its points.
    heights = page.eval_on_selector_all(
        "#chart-per-day rect.bar", "els => els.map(e => e.getBBox().height)"
    )
    assert sum(1 for h in heights if h > 0) >= 1
    assert page.locator("#chart-zero-share circle.dot").count() == len(heights)
    assert int(page.locator("#total-searches").inner_text()) >= 4
    # The numbers are also a table for screen readers.
    assert page.locator("#chart-per-day table caption").inner_text() != ""
    shot = tmp_path / f"analytics-{locale}.png"
    page.locator("#chart-per-day").screenshot(path=str(shot))
    assert shot.stat().st_size > 2000  # a drawn chart, not an empty box
    assert "салық" in page.locator("#table-top_queries").inner_text()


def test_operators_are_refused_the_dashboard(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "operator")
    response = page.goto("/-/analytics")
    assert response is not None and response.status == 403
