"""The shared database on a real PostgreSQL 15 (tests/pgserver.py): migrations, and what
several nodes must share — token revocation, sign-in throttling, search log, feedback,
course progress. Two applications on one database stand for two web nodes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import inspect
from sqlalchemy import select

from kb import auth as auth_mod
from kb.models import ApiToken
from kb.models import User
from kb.models import db
from tests.browser.instance import demo_template
from tests.conftest import PASSWORD
from tests.conftest import ROLE_USERS
from tests.conftest import AuthActions
from tests.conftest import add_user
from tests.conftest import fresh_database
from tests.conftest import make_app


@pytest.fixture
def nodes(tmp_path: Path, pg_server: Any) -> Iterator[tuple[Flask, Flask]]:
    """Two applications ("nodes") with their own instance folders and one PostgreSQL."""
    url = fresh_database(pg_server)
    first = make_app(tmp_path / "a", DATABASE_URL=url)
    second = make_app(tmp_path / "b", DATABASE_URL=url)
    for name, roles in ROLE_USERS.items():
        add_user(first, name, roles)
    yield first, second
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_the_url_names_the_psycopg_driver(tmp_path: Path) -> None:
    app = make_app(tmp_path / "i", DATABASE_URL="sqlite:///" + str(tmp_path / "x.db"))
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    from kb.config import resolve

    values = resolve(tmp_path, {"SECRET_KEY": "k" * 20, "DATABASE_URL": "postgresql://u@h/d"})
    assert values["DATABASE_URL"] == "postgresql+psycopg://u@h/d"


def test_migrations_go_down_and_up_again_on_postgresql(tmp_path: Path, pg_server: Any) -> None:
    url = fresh_database(pg_server)
    app = make_app(tmp_path / "i", DATABASE_URL=url)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "api_tokens", "login_attempts", "search_log", "feedback"} <= tables
        assert "course_progress" in tables
        downgrade(directory=directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=directory)
        assert set(inspect(db.engine).get_table_names()) == tables
        db.engine.dispose()


def test_a_token_revoked_on_one_node_is_refused_on_the_other(
    nodes: tuple[Flask, Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = nodes
    with first.app_context():
        user = db.session.scalar(select(User).where(User.name == "operator"))
        row, clear = ApiToken.issue(user, "crm")
        db.session.add(row)
        db.session.commit()
        token_id = row.id
    headers = {"Authorization": f"Bearer {clear}"}
    assert second.test_client().get("/", headers=headers).status_code == 200
    # revoke through the first node's admin page
    client = first.test_client()
    actions = AuthActions(client)
    actions.login("admin")
    csrf = actions.csrf_token("/-/admin/users")
    client.post(f"/-/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    # the second node remembers a checked token for TOKEN_CACHE_SECONDS (5 s); past that
    # it asks the shared database again
    monkeypatch.setattr(auth_mod, "TOKEN_CACHE_SECONDS", 0.0)
    assert second.test_client().get("/", headers=headers).status_code == 302


def test_sign_in_throttling_counts_failures_on_every_node(nodes: tuple[Flask, Flask]) -> None:
    first, second = nodes
    for attempt in range(5):
        node = first if attempt % 2 else second
        assert AuthActions(node.test_client()).login("editor", "wrong wrong").status_code == 401
    for node in (first, second):
        response = AuthActions(node.test_client()).login("editor", PASSWORD)
        assert response.status_code == 429
        assert "Слишком много неудачных попыток входа" in response.get_data(as_text=True)


def test_search_log_and_feedback_of_both_nodes_reach_one_gap_queue(
    nodes: tuple[Flask, Flask],
) -> None:
    from kb import gaps

    first, second = nodes
    with first.test_request_context():
        gaps.log_search("operator", "утерян паспорт", 0, 3.0)
        gaps.flush_search_log()
        gaps.record_feedback("operator", "gap", query="жоғалған төлқұжат", comment="жоқ")
    with second.test_request_context():
        gaps.log_search("operator2", "Утерян  паспорт", 0, 2.0)
        queue = {group.key: group for group in gaps.gap_queue()}
    assert "утерян паспорт" in queue and queue["утерян паспорт"].count == 2
    assert "жоғалған төлқұжат" in queue


def test_course_progress_is_shared(tmp_path: Path, pg_server: Any, tmp_path_factory: Any) -> None:
    from kb.training import models as course_models

    url = fresh_database(pg_server)
    homes = []
    for name in ("a", "b"):
        home = tmp_path / name
        shutil.copytree(demo_template(tmp_path_factory), home, symlinks=True)
        (home / "kb.sqlite3").unlink()
        homes.append(home)
    first = make_app(homes[0], DATABASE_URL=url)
    second = make_app(homes[1], DATABASE_URL=url)
    add_user(first, "operator", ["operator"])
    try:
        with first.app_context():
            course = first.extensions["kb"].courses("published")[0]
            user = db.session.scalar(select(User).where(User.name == "operator"))
            module = course.modules[0].id
            course_models.mark_read(user, course, module)
        with second.app_context():
            course = second.extensions["kb"].courses("published")[0]
            user = db.session.scalar(select(User).where(User.name == "operator"))
            assert module in course_models.progress(user, course).read
            results = course_models.operator_results(course)
            assert [r.user for r in results] == ["operator"]
    finally:
        for app in (first, second):
            app.extensions["kb"].close()
            with app.app_context():
                db.engine.dispose()
