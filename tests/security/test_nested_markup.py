"""Issue 18 item 1: nested markup is rejected before parsing, the rest of the batch kept,
in the CLI and on the web import page."""

from __future__ import annotations

import io
import re
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.docx import DocxImporter
from importers.html import HtmlImporter
from kb.cli import main
from tests.conftest import AuthActions
from tests.security.hostile import good_page
from tests.security.hostile import nested_divs
from tests.security.hostile import nested_lists
from tests.security.hostile import nested_tables_docx


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "divs.html").write_text(nested_divs(), encoding="utf-8")
    (folder / "lists.html").write_text(nested_lists(600), encoding="utf-8")
    (folder / "good.html").write_text(good_page(), encoding="utf-8")
    return folder


def test_html_batch_keeps_the_good_page(tmp_path: Path) -> None:
    items = list(HtmlImporter().read(_folder(tmp_path)))
    good = [i for i in items if isinstance(i, ImportedArticle)]
    rejected = [i for i in items if isinstance(i, ImportProblem)]
    assert [a.title for a in good] == ["Замена паспорта"]
    assert sorted(Path(p.origin.path).name for p in rejected) == ["divs.html", "lists.html"]
    assert all("rejected: elements are nested more than 100 levels" in p.message for p in rejected)


def test_a_page_just_under_the_limit_converts(tmp_path: Path) -> None:
    page = tmp_path / "deep.html"
    page.write_text(nested_lists(45), encoding="utf-8")
    items = list(HtmlImporter().read(page))
    assert isinstance(items[0], ImportedArticle)


def test_docx_with_nested_tables_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    nested_tables_docx(folder / "tables.docx")
    items = list(DocxImporter().read(folder))
    assert len(items) == 1 and isinstance(items[0], ImportProblem)
    assert "tables are nested more than 5 deep" in items[0].message


def test_cli_reports_the_rejected_files_and_imports_the_rest(home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", "html", str(_folder(tmp_path)), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "1 created" in result.output and "2 skipped" in result.output
    assert result.output.count("rejected: elements are nested") == 2


def test_web_import_rejects_the_file_with_a_reason(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.login("editor")
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    response = client.post(
        "/-/edit/import",
        data={
            "csrf_token": token.group(1),
            "fmt": "html",
            "file": (io.BytesIO(nested_lists(4000).encode()), "lists.html"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "rejected: elements are nested more than 100 levels" in response.get_data(as_text=True)
