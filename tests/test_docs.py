"""The README stays true to the code: every setting and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click

from kb.cli import main
from kb.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands() -> None:
    assert "make run" in README and "make test" in README


def test_settings_table_matches_the_settings() -> None:
    table = README.split("<!-- settings-table")[1].split("<!-- /settings-table -->")[0]
    rows = re.findall(r"^\| `KB_(\w+)` \| `([^`]*)` \| (.+?) \|$", table, flags=re.M)
    documented = {name: (default, help_text) for name, default, help_text in rows}
    expected = {s.name: (str(s.default), s.help) for s in SETTINGS}
    assert documented == expected, "regenerate the README table from kb/config.py SETTINGS"


def _commands(group: click.Group, prefix: str = "kb") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names.extend(_commands(command, path))
        else:
            names.append(path)
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [c for c in _commands(main) if f"`{c}" not in README]
    assert not missing, f"document in README: {missing}"


def test_ci_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
