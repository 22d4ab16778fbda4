"""Feedback and zero-hit searches reach the editors' knowledge-gap queue."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from kb.gaps import flush_search_log
from kb.gaps import normalise_query
from kb.models import SearchLog
from kb.models import db
from tests.browser.instance import close_app
from tests.browser.instance import demo_app
from tests.conftest import AuthActions


@pytest.fixture(scope="module")
def demo_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A copy of the demo instance for this module."""
    app = demo_app(tmp_path_factory, "gaps")
    yield app
    close_app(app)


@pytest.fixture
def demo(demo_module: Flask) -> Flask:
    """The module's application with an empty gap queue (feedback and search log cleared)."""
    from sqlalchemy import delete

    from kb.models import Feedback

    with demo_module.app_context():
        flush_search_log()
        db.session.execute(delete(Feedback))
        db.session.execute(delete(SearchLog))
        db.session.commit()
    return demo_module


def _client(app: Flask, role: str) -> tuple[FlaskClient, AuthActions]:
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login(role).status_code == 302
    return client, auth


@pytest.fixture
def operator(demo: Flask) -> Iterator[tuple[FlaskClient, AuthActions]]:
    yield _client(demo, "operator")


def _feedback(pair: tuple[FlaskClient, AuthActions], **body: str) -> None:
    client, auth = pair
    response = client.post(
        "/api/feedback", json=body, headers={"X-CSRFToken": auth.csrf_token("/")}
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def _queue(app: Flask, sort: str = "frequency") -> list[tuple[str, int]]:
    """(query cell text, count) of each gap row, in page order."""
    client, _auth = _client(app, "editor")
    page = client.get(f"/-/gaps?sort={sort}").get_data(as_text=True)
    rows = re.findall(
        r'<td class="gap-query"><a [^>]*>([^<]*)</a></td>\s*<td class="gap-count">(\d+)</td>', page
    )
    return [(text, int(count)) for text, count in rows]


def test_normalised_queries_group_variants() -> None:
    assert normalise_query("  Паспорт  ЁЛКА!! ") == "паспорт елка"
    assert normalise_query("Төлқұжат,   АЛУ") == "төлқұжат алу"
    assert normalise_query("?!") == ""


def test_feedback_shows_in_the_queue_sorted_by_frequency(demo: Flask, operator: tuple) -> None:
    for _ in range(3):
        _feedback(operator, kind="gap", query="Пособие на ребёнка", comment="нет суммы")
    _feedback(operator, kind="not_answered", article="kk/passport", query="шетелдік төлқұжат")
    _feedback(operator, kind="answered", article="ru/passport", query="паспорт")  # not a gap
    assert _queue(demo) == [("Пособие на ребёнка", 3), ("шетелдік төлқұжат", 1)]
    assert _queue(demo, "recent") == [("шетелдік төлқұжат", 1), ("Пособие на ребёнка", 3)]
    client, _auth = _client(demo, "reviewer")
    page = client.get("/-/gaps").get_data(as_text=True)
    assert "нет суммы" in page and 'href="/kk/passport"' in page


def test_zero_hit_searches_reach_the_queue_but_keystrokes_do_not(
    demo: Flask, operator: tuple
) -> None:
    client, _auth = operator
    client.get("/-/results?q=щзщзщ")  # a live keystroke search: not logged
    with demo.app_context():
        assert db.session.scalar(select(func.count(SearchLog.id))) == 0
    client.get("/-/results?q=щзщзщ&final=1")  # the operator paused: logged
    client.get("/?q=Щзщзщ")  # the plain form: logged, grouped with the first
    client.get("/?q=қжқжқжқ")  # a Kazakh one
    client.get("/?q=паспорт")  # found something: logged, not a gap
    with demo.app_context():
        flush_search_log()  # rows are written in batches
        rows = db.session.execute(select(SearchLog.query, SearchLog.hits)).all()
    assert len(rows) == 4 and ("паспорт", 0) not in rows
    assert dict(_queue(demo)) == {"Щзщзщ": 2, "қжқжқжқ": 1}


def test_resolving_a_group_hides_it_until_it_happens_again(demo: Flask, operator: tuple) -> None:
    client, _auth = operator
    client.get("/?q=щзщзщ")
    _feedback(operator, kind="gap", query="щзщзщ", comment="нет статьи")
    editor, auth = _client(demo, "editor")
    response = editor.post(
        "/-/gaps/resolve", data={"key": "щзщзщ", "csrf_token": auth.csrf_token("/-/gaps")}
    )
    assert response.status_code == 302
    assert _queue(demo) == []
    client.get("/?q=щзщзщ")
    assert _queue(demo) == [("щзщзщ", 1)]


def test_plain_form_feedback_without_javascript(demo: Flask, operator: tuple) -> None:
    client, auth = operator
    response = client.post(
        "/-/feedback",
        data={
            "kind": "gap",
            "article": "ru/passport",
            "query": "паспорт ребёнку",
            "comment": "срок не указан",
            "next": "/ru/passport",
            "csrf_token": auth.csrf_token("/"),
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/ru/passport"
    assert _queue(demo) == [("паспорт ребёнку", 1)]
    bad = client.post(
        "/-/feedback",
        data={"kind": "nope", "next": "//evil.example", "csrf_token": auth.csrf_token("/")},
    )
    assert bad.status_code == 303 and bad.headers["Location"] == "/"


@pytest.mark.parametrize("url", ["/-/gaps", "/-/edit/"])
def test_operators_cannot_reach_editor_pages(demo: Flask, operator: tuple, url: str) -> None:
    client, _auth = operator
    response = client.get(url)
    assert response.status_code == 403
    assert 'href="/-/gaps"' not in client.get("/").get_data(as_text=True)  # no nav link
    editor, _auth = _client(demo, "editor")
    assert editor.get(url).status_code == 200
