"""Issue 18 item 13: no URL parameter gives a 500; every CLI error is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from kb.cli import main
from tests.conftest import AuthActions


@pytest.mark.parametrize(
    "path",
    [
        "/-/admin/users/99999999999999999999999",
        "/-/admin/users/2147483648",
        "/-/admin/users/18446744073709551616/tokens",
    ],
)
def test_huge_ids_are_not_found(client: FlaskClient, auth: AuthActions, path: str) -> None:
    auth.login("admin")
    method = client.post if path.endswith("tokens") else client.get
    response = method(path, data={"csrf_token": auth.csrf_token("/-/admin/users")})
    assert response.status_code == 404


def _one_clear_line(output: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: ")


def test_long_search_query_is_one_line(home: Path) -> None:
    result = CliRunner().invoke(main, ["search", "паспорт " * 200])
    assert result.exit_code == 1
    _one_clear_line(result.output)
    assert "1000" in result.output


def test_import_with_a_bad_user_name_is_one_line(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "md"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Паспорт\n---\nМәтін\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "markdown", str(folder), "--user", "a<b"])
    assert result.exit_code == 1
    _one_clear_line(result.output.replace("Importing", ""))
    assert "a<b" in result.output


def test_unexpected_errors_are_one_line(home: Path) -> None:
    import shutil

    shutil.rmtree(home / "index", ignore_errors=True)
    (home / "index").write_text("not a folder", encoding="utf-8")  # a real broken instance
    result = CliRunner().invoke(main, ["search", "паспорт"])
    assert result.exit_code == 1
    _one_clear_line(result.output)
    assert "SearchIndexError" in result.output and "index" in result.output
