"""The application factory honours the test configuration and the instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import create_app
from kb.config import ConfigError


def test_test_config_is_honoured(tmp_path: Path) -> None:
    app = create_app(
        {"KB_HOME": str(tmp_path), "SECRET_KEY": "x" * 32, "TESTING": True, "PORT": 5123}
    )
    assert app.testing
    assert app.config["PORT"] == 5123
    assert app.instance_path == str(tmp_path.resolve())


def test_derived_paths_live_in_the_instance(tmp_path: Path) -> None:
    app = create_app({"KB_HOME": str(tmp_path), "SECRET_KEY": "x" * 32})
    assert app.config["CONTENT_DIR"] == str(tmp_path.resolve() / "content")
    assert app.config["INDEX_DIR"] == str(tmp_path.resolve() / "index")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(
        tmp_path.resolve() / "kb.sqlite3"
    )


def test_not_testing_by_default(tmp_path: Path) -> None:
    assert not create_app({"KB_HOME": str(tmp_path), "SECRET_KEY": "x" * 32}).testing


def test_instance_file_then_environment_then_test_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text(
        'SECRET_KEY = "from-file-0123456789"\nPORT = 6001\nWORKERS = 3\n', encoding="utf-8"
    )
    monkeypatch.setenv("KB_PORT", "6002")
    app = create_app({"KB_HOME": str(tmp_path), "WORKERS": 4})
    assert app.config["SECRET_KEY"] == "from-file-0123456789"
    assert app.config["PORT"] == 6002
    assert app.config["WORKERS"] == 4


def test_missing_secret_key_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="kb init"):
        create_app({"KB_HOME": str(tmp_path)})


def test_secure_cookie_settings(tmp_path: Path) -> None:
    app = create_app({"KB_HOME": str(tmp_path), "SECRET_KEY": "x" * 32, "COOKIE_SECURE": True})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is True
