"""Issue 18 items 8 and 9: names and passwords are checked once, where users are made."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kb.accounts import AccountError
from kb.cli import main
from kb.models import User
from kb.models import db
from tests.conftest import AuthActions


def _create(client: FlaskClient, auth: AuthActions, **fields: str) -> str:
    token = auth.csrf_token("/-/admin/users")
    data = {"csrf_token": token, "roles": ["editor"], **fields}
    page = client.post("/-/admin/users/new", data=data, follow_redirects=True)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _exists(app: Flask, name: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(User).where(User.name == name)) is not None


@pytest.mark.parametrize("full_name", ["Гүлнар <admin>", "Айгерім\nАхметова", "x\x00y"])
def test_full_name_with_markup_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, full_name: str
) -> None:
    auth.login("admin")
    page = _create(
        client, auth, name="gulnar", full_name=full_name, password="correct horse battery"
    )
    assert not _exists(app, "gulnar")
    assert "не может содержать" in page  # the reason, in the user's language (ru default)


def test_full_name_cannot_be_changed_to_markup(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("admin")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.name == "editor"))
    token = auth.csrf_token(f"/-/admin/users/{user_id}")
    client.post(
        f"/-/admin/users/{user_id}",
        data={"csrf_token": token, "full_name": "Ed <x>", "roles": ["editor"], "active": "y"},
    )
    with app.app_context():
        assert db.session.get(User, user_id).full_name == "Editor"


def test_the_model_refuses_bad_names_whatever_the_path(app: Flask) -> None:
    with app.app_context():
        for name in ("a<b", "../x", "a b", "x"):
            with pytest.raises(AccountError):
                User(name=name)
        with pytest.raises(AccountError):
            User(name="fine", full_name="<script>")


@pytest.mark.parametrize("name", ["a<b", "../x", "имя"])
def test_cli_refuses_bad_user_names(home: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("KB_PASSWORD", "correct horse battery")
    result = CliRunner().invoke(main, ["user", "add", name, "--role", "operator"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "user name" in result.output and "2-64" in result.output


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "повторяет"),
        ("1234567890", "распространённый"),
        (" " * 10, "только из пробелов"),
        ("qwertyuiop", "ряд клавиш"),
        ("password123", "распространённый"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    app: Flask, client: FlaskClient, auth: AuthActions, password: str, reason: str
) -> None:
    auth.login("admin")
    page = _create(client, auth, name="nurlan", password=password)
    assert not _exists(app, "nurlan")
    assert reason in page


def test_a_passphrase_is_accepted(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.login("admin")
    _create(client, auth, name="nurlan", password="жасыл алма терезе 47")
    assert _exists(app, "nurlan")


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "1234567890", "          "])
def test_cli_refuses_weak_passwords(
    home: Path, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("KB_PASSWORD", password)
    result = CliRunner().invoke(main, ["user", "add", "nurlan", "--role", "operator"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "password" in result.output
