"""PostgreSQL restarting: searches keep answering (their log and audit rows wait and are
written later), writes get a clear "try again" page in the user's language, never a 500.

The module starts its own throwaway cluster (tests/pgserver.py) because it stops it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from articles.model import Actor
from kb.models import ApiToken
from kb.models import AuditEvent
from kb.models import Feedback
from kb.models import SearchLog
from kb.models import User
from kb.models import db
from tests.conftest import ROLE_USERS
from tests.conftest import AuthActions
from tests.conftest import add_user
from tests.conftest import fresh_database
from tests.conftest import make_app
from tests.editor.conftest import Session
from tests.editor.conftest import new_article_form

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "articles"))
from articles_support import make_text  # noqa: E402

AUTHOR = Actor("Айгүл Серікқызы", "aigul@example.kz")
REVIEWER = Actor("Борис Петров", "boris@example.kz")


@pytest.fixture(scope="module")
def own_pg() -> Iterator[Any]:
    """A cluster of this module's own (it is stopped and started again here)."""
    from tests import pgserver

    if pgserver.find_bin_dir() is None:
        import os

        message = pgserver.MISSING_MESSAGE.format(bin_dir=pgserver.DEFAULT_BIN_DIR)
        if os.environ.get("KB_REQUIRE_CLUSTER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = pgserver.start()
    yield server
    server.stop()


@pytest.fixture
def outage_app(tmp_path: Path, own_pg: Any) -> Iterator[Flask]:
    """An application on a fresh database of ``own_pg`` with one published article in each
    language."""
    app = make_app(tmp_path / "instance", DATABASE_URL=fresh_database(own_pg))
    for name, roles in ROLE_USERS.items():
        add_user(app, name, roles)
    kb = app.extensions["kb"]
    for lang, slug, body in (
        ("ru", "pension", "Справка о пенсионных отчислениях выдаётся в ЦОНе."),
        ("kk", "pension", "Зейнетақы аударымдары туралы анықтама ХҚКО-да беріледі."),
    ):
        kb.store.save(lang, slug, make_text(lang, id="pension", body=body), actor=AUTHOR)
        kb.store.submit(lang, slug, actor=AUTHOR)
        kb.store.approve(lang, slug, actor=REVIEWER)
        kb.publish(lang, slug, actor=REVIEWER)
    yield app
    if not own_pg.pid:
        own_pg.start()
    kb.close()
    with app.app_context():
        db.engine.dispose()


def _count(app: Flask, column: Any, *where: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(column)).where(*where)) or 0)


def test_searches_answer_while_postgresql_restarts_and_their_rows_are_written_later(
    outage_app: Flask, own_pg: Any
) -> None:
    app = outage_app
    operator: FlaskClient = app.test_client()
    AuthActions(operator).login("operator")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "operator"))
        row, token = ApiToken.issue(user, "crm")
        db.session.add(row)
        db.session.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/search?q=пенсионных", headers=headers).status_code == 200
    assert operator.get("/?q=пенсионных").status_code == 200
    editor = Session(app, "editor")
    editor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "kk"
    from kb import gaps

    with app.test_request_context():
        gaps.flush_search_log()
    logged = _count(app, SearchLog.id)
    audited = _count(app, AuditEvent.id, AuditEvent.action == "search")
    assert logged >= 2

    own_pg.stop_server()
    try:
        for query, words in (("пенсионных", "пенсионных"), ("зейнетақы", "Зейнетақы")):
            page = operator.get(f"/?q={query}")
            assert page.status_code == 200
            assert words in page.get_data(as_text=True)
        # a search answered only by weak matches: its gap-queue row waits too
        weak = operator.get("/?q=справка ипотека квартира")
        assert weak.status_code == 200
        assert 'class="weak-notice"' in weak.get_data(as_text=True)
        from kb import auth as auth_mod

        auth_mod.TOKEN_CACHE_SECONDS, saved = 0.0, auth_mod.TOKEN_CACHE_SECONDS
        try:
            found = api.get("/api/search?q=пенсионных&final=1", headers=headers)
        finally:
            auth_mod.TOKEN_CACHE_SECONDS = saved
        assert found.status_code == 200 and found.json["results"]
        health = app.test_client().get("/-/healthz")
        # still serving searches: the balancer must keep the node (but it says why)
        assert health.status_code == 200 and health.json["status"] == "degraded"
        assert health.json["checks"]["database"].startswith("error")
        refused = editor.post("/-/edit/new", new_article_form("kk", "visa"))
        assert refused.status_code == 503
        assert "Дерекқор қазір жауап бермейді" in refused.get_data(as_text=True)
        # refused means not done: the article did not reach the content repository
        assert not app.extensions["kb"].store.exists("kk", "visa")
    finally:
        own_pg.start()

    assert operator.get("/?q=пенсионных").status_code == 200
    with app.test_request_context():
        gaps.flush_search_log()
    # the searches made during the outage were kept and written after it
    assert _count(app, SearchLog.id) >= logged + 4
    assert _count(app, AuditEvent.id, AuditEvent.action == "search") >= audited + 4
    assert _count(app, Feedback.id, Feedback.query == "справка ипотека квартира") == 1


@pytest.mark.parametrize(
    ("lang", "query", "words", "interface", "moment"),
    [
        ("ru", "пенсионных", "пенсионных", "ru", "before the view"),
        ("kk", "зейнетақы", "Зейнетақы", "kk", "before the view"),
        ("ru", "пенсионных", "пенсионных", "ru", "as the page renders"),
        ("kk", "зейнетақы", "Зейнетақы", "kk", "as the page renders"),
    ],
)
def test_a_search_whose_database_stops_in_the_middle_of_the_request_still_answers(
    outage_app: Flask, own_pg: Any, lang: str, query: str, words: str, interface: str, moment: str
) -> None:
    app = outage_app
    stop_now = {"on": False}

    def postgresql_stops_now(when: str) -> None:
        if stop_now["on"] and when == moment:
            stop_now["on"] = False
            own_pg.stop_server()

    # PostgreSQL stops in the middle of one request, after the signed-in user was loaded
    # from it: before the view reads the caller's language, or once the template holds
    # the user (Flask-Login's context processor ran), before the header's unread count
    @app.before_request
    def _before_the_view() -> None:
        postgresql_stops_now("before the view")

    @app.context_processor
    def _as_the_page_renders() -> dict[str, object]:
        postgresql_stops_now("as the page renders")
        return {}

    operator: FlaskClient = app.test_client()
    operator.environ_base["HTTP_ACCEPT_LANGUAGE"] = interface
    AuthActions(operator).login("operator")
    assert operator.get(f"/?q={query}&lang={lang}").status_code == 200
    stop_now["on"] = True
    try:
        page = operator.get(f"/?q={query}&lang={lang}")
        assert not own_pg.pid, "PostgreSQL was stopped during the request"
        assert page.status_code == 200, page.get_data(as_text=True)[:500]
        text = page.get_data(as_text=True)
        assert words in text
        assert '<span class="who">Operator</span>' in text  # the header still names the user
    finally:
        own_pg.start()
    assert operator.get(f"/?q={query}&lang={lang}").status_code == 200


@pytest.mark.parametrize(
    ("interface", "message"),
    [
        ("kk", "Дерекқор қазір жауап бермейді"),
        ("ru", "База данных сейчас не отвечает"),
    ],
)
def test_a_database_error_escaping_the_application_is_a_localized_try_again(
    outage_app: Flask, own_pg: Any, interface: str, message: str
) -> None:
    app = outage_app
    with_teardown = {"on": False}

    @app.teardown_request
    def _reads_the_database_as_the_request_ends(_exc: BaseException | None) -> None:
        # e.g. a teardown that writes a row: raised here, the error leaves Flask
        if with_teardown["on"]:
            db.session.execute(db.text("SELECT 1"))

    operator: FlaskClient = app.test_client()
    operator.environ_base["HTTP_ACCEPT_LANGUAGE"] = interface
    AuthActions(operator).login("operator")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "operator"))
        _row, token = ApiToken.issue(user, "crm")
        db.session.add(_row)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": interface}
    assert app.test_client().get("/api/search?q=пенсионных", headers=headers).status_code == 200
    own_pg.stop_server()
    with_teardown["on"] = True
    try:
        page = operator.get("/?q=пенсионных")
        assert page.status_code == 503
        assert page.mimetype == "text/html"
        assert message in page.get_data(as_text=True)
        assert f'<html lang="{interface}">' in page.get_data(as_text=True)
        answer = app.test_client().get("/api/search?q=пенсионных", headers=headers)
        assert answer.status_code == 503
        assert answer.json["error"]["code"] == "database_unavailable"
        assert message in answer.json["error"]["message"]
    finally:
        with_teardown["on"] = False
        own_pg.start()
    assert operator.get("/?q=пенсионных").status_code == 200
