"""Fixtures for the editor: signed-in clients per role and a demo instance built once."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import kb
from tests.conftest import PASSWORD
from tests.conftest import ROLE_USERS
from tests.conftest import make_app

DEMO = Path(kb.__file__).parent / "demo" / "content"


class Session:
    """A test client signed in as one user, posting forms with the CSRF token."""

    def __init__(self, app: Flask, name: str) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        # English pages unless a test asks for kk/ru (the default locale is Russian).
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        page = self.client.get("/-/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token
        response = self.client.post(
            "/-/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert response.status_code == 302, f"sign-in of {name} failed"
        home = self.client.get("/").get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', home)
        assert match
        self.token = match.group(1)

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET ``url``."""
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST a form to ``url`` with the CSRF token added."""
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def new_article_form(lang: str, slug: str, **fields: Any) -> dict[str, Any]:
    """The fields of the new-article form for a small valid article."""
    titles = {"kk": "Жеке куәлікті ауыстыру", "ru": "Замена удостоверения личности"}
    bodies = {
        "kk": "Жеке куәлікті ХҚКО-да ауыстырады.\n",
        "ru": "Удостоверение меняют в ЦОНе.\n",
    }
    form = {
        "lang": lang,
        "slug": slug,
        "id": slug,
        "title": titles.get(lang, "Title"),
        "category": "documents",
        "keywords": "куәлік, удостоверение",
        "answer": "",
        "body": bodies.get(lang, "Body.\n"),
        "expected_revision": "",
        "then": "view",
    }
    form.update(fields)
    return form


#: Users of every role, plus a second reviewer (to approve what a reviewer wrote).
USERS = {**ROLE_USERS, "reviewer2": ["reviewer"]}


#: Translation pairs of the demo loaded into the test instance (all of it takes ~10 s).
DEMO_PAIRS = 6


def _demo_subset(target: Path) -> Path:
    """Copy the demo's bodies, synonyms and the first kk/ru article pairs to ``target``."""
    shutil.copytree(DEMO / "bodies", target / "bodies")
    shutil.copy(DEMO / "synonyms.txt", target / "synonyms.txt")
    pairs = sorted(p.name for p in (DEMO / "kk").glob("*.md") if (DEMO / "ru" / p.name).exists())
    for lang in ("kk", "ru"):
        (target / lang).mkdir(parents=True)
        for name in pairs[:DEMO_PAIRS]:
            shutil.copy(DEMO / lang / name, target / lang / name)
    return target


def _build_home(home: Path, *, demo: bool) -> Path:
    """Create a migrated instance with the users (and the published demo content)."""
    from werkzeug.security import generate_password_hash

    from kb.models import User
    from kb.models import db

    app = make_app(home)
    # A cheap hash: sign-in is exercised by tests/kb; here it would dominate the runtime.
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        for name, roles in USERS.items():
            user = User(name=name, full_name=name.title(), email=f"{name}@example.kz")
            user.password_hash = cheap
            user.set_roles(roles)
            db.session.add(user)
        db.session.commit()
    service = app.extensions["kb"]
    if demo:
        service.load_tree(_demo_subset(home.parent / "demo-subset"))
    else:
        service.store.published_head()  # creates the content repository
    service.store.close()
    return home


def _copy_app(template: Path, tmp_path: Path) -> Iterator[Flask]:
    from kb import create_app

    home = tmp_path / "instance"
    shutil.copytree(template, home, symlinks=True)
    app = create_app(
        {"KB_HOME": str(home), "SECRET_KEY": "test-secret-key-0123456789", "TESTING": True}
    )
    yield app
    service = app.extensions["kb"]
    if service._store is not None:  # noqa: SLF001 - close only what was opened
        service.store.close()


@pytest.fixture(scope="session")
def empty_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance with users and an empty content repository, built once per session."""
    return _build_home(tmp_path_factory.mktemp("editor-empty") / "instance", demo=False)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance holding the published demo content, built once per session."""
    return _build_home(tmp_path_factory.mktemp("editor-demo") / "instance", demo=True)


@pytest.fixture
def users_app(empty_home: Path, tmp_path: Path) -> Iterator[Flask]:
    """A private copy of the empty instance."""
    yield from _copy_app(empty_home, tmp_path)


@pytest.fixture
def login(users_app: Flask) -> Any:
    """``login(name)`` → a signed-in :class:`Session` on the empty instance."""
    return lambda name: Session(users_app, name)


@pytest.fixture
def demo_app(demo_home: Path, tmp_path: Path) -> Iterator[Flask]:
    """A private copy of the demo instance (tests may change it)."""
    yield from _copy_app(demo_home, tmp_path)


@pytest.fixture(scope="session")
def demo_ro_app(demo_home: Path) -> Iterator[Flask]:
    """The demo instance itself, shared by tests that only read (saves a copy each)."""
    from kb import create_app

    app = create_app(
        {"KB_HOME": str(demo_home), "SECRET_KEY": "test-secret-key-0123456789", "TESTING": True}
    )
    yield app
    service = app.extensions["kb"]
    if service._store is not None:  # noqa: SLF001
        service.store.close()


@pytest.fixture
def demo_ro_login(demo_ro_app: Flask) -> Any:
    """``demo_ro_login(name)`` → a signed-in :class:`Session` on the shared demo (read only)."""
    return lambda name: Session(demo_ro_app, name)


@pytest.fixture
def demo_login(demo_app: Flask) -> Any:
    """``demo_login(name)`` → a signed-in :class:`Session` on the demo copy."""
    return lambda name: Session(demo_app, name)
