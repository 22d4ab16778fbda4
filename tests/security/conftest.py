"""Fixtures of the security tests: an instance initialised by ``kb init`` for CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An instance folder set as KB_HOME, initialised with `kb init`."""
    home = tmp_path / "instance"
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    monkeypatch.delenv("KB_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    return home
