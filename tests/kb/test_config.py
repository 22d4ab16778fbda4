"""Settings validation: every bad value is refused with a message that names the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import SETTINGS
from kb.config import ConfigError
from kb.config import resolve

GOOD = {"SECRET_KEY": "s" * 32}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEFAULT_LOCALE": "de"}, "kk, ru, en"),
        ({"LOGIN_MAX_FAILURES": 0}, "at least 1"),
        ({"PORT": 70000}, "1 to 65535"),
        ({"SEARCH_TIME_LIMIT_MS": 5}, "10 to 60000"),
        ({"MAX_ARTICLE_BYTES": 10}, "1024"),
        ({"DATABASE_URL": "kb.sqlite3"}, "sqlite:///"),
        ({"PORT": "eighty"}, "whole number"),
        ({"COOKIE_SECURE": "maybe"}, "true or false"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, override: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve(tmp_path, {**GOOD, **override}, environ={})


def test_environment_values_are_typed(tmp_path: Path) -> None:
    values = resolve(tmp_path, GOOD, environ={"KB_PORT": "8080", "KB_COOKIE_SECURE": "true"})
    assert values["PORT"] == 8080
    assert values["COOKIE_SECURE"] is True


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KB_WORKERS"):
        resolve(tmp_path, GOOD, environ={"KB_WORKERS": "many"})


def test_unknown_setting_in_instance_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('SECRET_KEY = "0123456789abcdef0"\nPROT = 1\n')
    with pytest.raises(ConfigError, match="unknown setting 'PROT'"):
        resolve(tmp_path, None, environ={})


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("SECRET_KEY = \n")
    with pytest.raises(ConfigError, match="config.toml is not valid TOML"):
        resolve(tmp_path, None, environ={})


def test_every_setting_has_help_and_a_typed_default() -> None:
    for setting in SETTINGS:
        assert len(setting.help) > 20, setting.name
        assert isinstance(setting.default, str | int | bool), setting.name
