"""The ``kb`` command line, run through click's runner on a fresh instance."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kb.cli import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An instance folder set as KB_HOME, initialised with `kb init`."""
    home = tmp_path / "instance"
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    return home


def test_init_creates_the_instance(home: Path) -> None:
    config = tomllib.loads((home / "config.toml").read_text())
    assert len(config["SECRET_KEY"]) == 64
    assert (home / "config.toml").stat().st_mode & 0o077 == 0
    assert (home / "kb.sqlite3").exists()
    assert (home / "content" / ".git").is_dir()


def test_init_twice_keeps_the_secret(home: Path) -> None:
    before = (home / "config.toml").read_text()
    assert CliRunner().invoke(main, ["init"]).exit_code == 0
    assert (home / "config.toml").read_text() == before


def test_user_add_with_password_from_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_PASSWORD", "long enough password")
    result = CliRunner().invoke(
        main, ["user", "add", "aigerim", "--role", "editor", "--role", "reviewer"]
    )
    assert result.exit_code == 0, result.output
    from kb import create_app
    from kb.models import User
    from kb.models import db

    with create_app().app_context():
        user = db.session.scalar(select(User).where(User.name == "aigerim"))
        assert user.role_names == {"editor", "reviewer"}
        assert user.check_password("long enough password")
    again = CliRunner().invoke(main, ["user", "add", "aigerim", "--role", "editor"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_user_add_with_prompt_and_bad_role(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KB_PASSWORD", raising=False)
    result = CliRunner().invoke(
        main, ["user", "add", "dana", "--role", "operator"], input="pass word 123\npass word 123\n"
    )
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(main, ["user", "add", "x", "--role", "boss"])
    assert bad.exit_code == 2
    assert "operator" in bad.output


def test_short_password_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_PASSWORD", "short")
    result = CliRunner().invoke(main, ["user", "add", "nurlan", "--role", "operator"])
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output


def test_token_add_list_revoke(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_PASSWORD", "long enough password")
    CliRunner().invoke(main, ["user", "add", "crm", "--role", "operator"])
    added = CliRunner().invoke(main, ["token", "add", "crm", "--label", "softphone"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[0]
    assert token.startswith("kb_") and len(token) > 40

    from kb import create_app

    client = create_app().test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/", headers=headers).status_code == 200

    listed = CliRunner().invoke(main, ["token", "list"])
    assert "crm\tsoftphone" in listed.output and "active" in listed.output
    assert CliRunner().invoke(main, ["token", "revoke", "1"]).exit_code == 0
    assert "revoked" in CliRunner().invoke(main, ["token", "list"]).output
    assert client.get("/", headers=headers).status_code == 302
    missing = CliRunner().invoke(main, ["token", "add", "nobody"])
    assert missing.exit_code == 1 and "kb user add" in missing.output


def test_bad_configuration_is_a_clear_cli_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_PORT", "eighty")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "KB_PORT" in result.output and "whole number" in result.output
