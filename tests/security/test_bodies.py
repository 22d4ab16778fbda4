"""Issue 18 item 3: sizes checked before rendering, tables capped, control characters
refused with a message (editor form and CSV import)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.model import Actor
from tests.conftest import AuthActions
from tests.editor.conftest import new_article_form
from tests.security.hostile import huge_table


def _editor(client: FlaskClient, auth: AuthActions) -> str:
    auth.login("editor")
    home = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', home)
    assert match
    return match.group(1)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Паспорт\x00"), ("body", "Мәтін\x00мәтін\n"), ("answer", "Иә\x01"),
     ("body", "Мәтін\x1b[31m\n")],
)  # fmt: skip
def test_control_characters_are_refused_in_the_form(
    app: Flask, client: FlaskClient, auth: AuthActions, field: str, value: str
) -> None:
    token = _editor(client, auth)
    form = new_article_form("kk", "nul", **{field: value})
    response = client.post("/-/edit/new", data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert "управляющий символ" in response.get_data(as_text=True)
    assert not list(app.extensions["kb"].store.list(line="draft"))


def test_huge_table_is_refused_on_save_and_not_rendered_in_preview(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    token = _editor(client, auth)
    form = new_article_form("ru", "table", body=huge_table(600, 20))  # 90 KB, 600 rows
    response = client.post("/-/edit/new", data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert "слишком большой или сложный" in response.get_data(as_text=True)
    for body in (huge_table(600, 20), huge_table(4000, 50)):  # 4,000 x 50: 8.4 s before
        form["body"] = body
        preview = client.post("/-/edit/preview", data={**form, "csrf_token": token}).get_json()
        assert "<table" not in preview["html"] and preview["error"]


def test_a_reasonable_table_still_renders(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    token = _editor(client, auth)
    form = new_article_form("ru", "table", body=huge_table(100, 8))
    preview = client.post("/-/edit/preview", data={**form, "csrf_token": token}).get_json()
    assert preview["html"].count("<tr>") == 101 and preview["error"] is None


def test_huge_body_preview_is_bounded(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    token = _editor(client, auth)
    form = new_article_form("ru", "big", body="Pasport CON. " * 900_000)  # 11.7 MB
    preview = client.post("/-/edit/preview", data={**form, "csrf_token": token}).get_json()
    assert len(preview["html"]) < 200_000
    assert preview["error"]


def test_csv_rows_with_nul_are_skipped_with_the_line(app: Flask, tmp_path: Path) -> None:
    table = tmp_path / "articles.csv"
    table.write_text(
        "id,lang,title,body\n"
        "good,ru,Замена паспорта,Паспорт меняют в ЦОНе.\n"
        "bad,kk,Төлқұжат\x00,Мәтін\n"
        "bad2,ru,Пособие,Текст\x00с нулём\n",
        encoding="utf-8",
    )
    with app.app_context():
        report = app.extensions["kb"].import_content(
            "csv", table, actor=Actor("Admin", "admin@kb.local")
        )
    assert [e.title for e in report.created] == ["Замена паспорта"]
    reasons = sorted(str(problem) for problem in report.skipped)
    assert len(reasons) == 2 and all("control character U+0000" in r for r in reasons)
    assert any("line 3" in r for r in reasons) and any("line 4" in r for r in reasons)
