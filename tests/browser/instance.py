"""Demo instances for tests of the operator's screen, built once per test session.

Loading the bundled demo content takes seconds (every article goes through the real
workflow), so one instance is built per session and each test module gets a copy:
copying a git repository, a Whoosh index and an SQLite file takes milliseconds.

Used by ``tests/kb/test_reader.py``, ``test_api.py``, ``test_gaps.py`` (Flask test
client) and by ``tests/browser/conftest.py`` (live server).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

import kb
from tests.conftest import ROLE_USERS
from tests.conftest import add_user
from tests.conftest import make_app

DEMO_CONTENT = Path(kb.__file__).parent / "demo" / "content"
_TEMPLATE_DIR = "operator-demo-template"


def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's demo instance (built on first use): demo content, one user per role.

    :param tmp_path_factory: pytest's factory (the template lives in the session's base
        temporary folder, so it is built once however many modules ask).
    :returns: the instance folder; copy it before writing to it.
    """
    home = tmp_path_factory.getbasetemp() / _TEMPLATE_DIR
    if (home / ".ready").exists():
        return home
    if home.exists():
        shutil.rmtree(home)
    app = make_app(home)
    for name, roles in ROLE_USERS.items():
        add_user(app, name, roles)
    knowledge = app.extensions["kb"]
    knowledge.load_tree(DEMO_CONTENT)
    knowledge.store.close()
    knowledge.index.close()
    (home / ".ready").write_text("ok", encoding="utf-8")
    return home


def demo_app(tmp_path_factory: pytest.TempPathFactory, name: str) -> Flask:
    """A fresh application on a private copy of the demo instance.

    :param tmp_path_factory: pytest's factory.
    :param name: a folder name for the copy (e.g. the test module's name).
    :returns: the application (CSRF on, users as in ``tests.conftest.ROLE_USERS``).
    """
    template = demo_template(tmp_path_factory)
    home = tmp_path_factory.mktemp(name) / "instance"
    shutil.copytree(template, home, symlinks=True)
    return make_app(home)


def close_app(app: Flask) -> None:
    """Close the index searchers and the content store of ``app`` (no open files left)."""
    knowledge = app.extensions["kb"]
    knowledge.index.close()
    knowledge.store.close()
