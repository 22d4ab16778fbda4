"""Side-by-side kk/ru in the editor: one list line per translation group with both
languages' status, and the translation in a read-only pane beside the text.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from articles.model import Status
from editor.listing import ArticleRow
from editor.listing import Filters
from editor.listing import apply_filters
from editor.listing import group_rows


def _pair(store: Any) -> str:
    """The slug of the first article written in both Kazakh and Russian."""
    kk = {a.slug for a in store.list(lang="kk")}
    return sorted(a.slug for a in store.list(lang="ru") if a.slug in kk)[0]


def _row(lang: str, slug: str, group: str, status: Status = Status.DRAFT) -> ArticleRow:
    return ArticleRow(
        lang, slug, f"{lang} {slug}", "documents", status, False, False, None, None, None, group
    )


def test_group_rows_keep_every_version_of_a_matching_group() -> None:
    rows = [
        _row("kk", "passport", "passport"),
        _row("ru", "passport", "passport", Status.PUBLISHED),
        _row("ru", "iin", "iin", Status.PUBLISHED),
        _row("en", "passport", "passport"),
    ]
    drafts = apply_filters(rows, Filters(status="draft"))
    (line,) = group_rows(rows, drafts)
    assert line.id == "passport" and sorted(line.rows) == ["en", "kk", "ru"]
    assert line.matched == {"kk", "en"} and line.first.lang == "kk"
    assert [r.lang for r in line.ordered] == ["kk", "ru", "en"]
    assert [r.lang for r in line.extra] == ["en"] and line.missing == []
    lines = group_rows(rows, rows)
    assert [g.id for g in lines] == ["passport", "iin"]
    assert lines[1].missing == ["kk"] and lines[1].first.lang == "ru"


@pytest.mark.parametrize(
    ("locale", "kk_label", "missing"),
    [("kk", "Қазақша", "нұсқасы әлі жоқ"), ("ru", "Қазақша", "версии пока нет")],
)
def test_the_list_shows_both_languages_in_one_line(
    demo_app: Flask, demo_login: Any, locale: str, kk_label: str, missing: str
) -> None:
    from tests.editor.conftest import new_article_form

    editor = demo_login("editor")
    store = demo_app.extensions["kb"].store
    slug = _pair(store)
    kk, ru = store.get("kk", slug), store.get("ru", slug)
    assert kk.id == ru.id
    # An answer written only in Russian so far: its line offers the Kazakh translation.
    response = editor.post("/-/edit/new", new_article_form("ru", "only-russian", id="only-russian"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = editor.get("/-/edit/", headers={"Accept-Language": locale}).get_data(as_text=True)
    line = page.split(f'<tr data-group="{kk.id}">')[1].split("</tr>")[0]
    assert f"/-/edit/kk/{slug}" in line and f"/-/edit/ru/{slug}" in line
    assert 'data-lang="kk"' in line and 'data-lang="ru"' in line
    assert line.count("status-published") == 2
    assert f">{kk_label}</th>" in page
    lone = page.split('<tr data-group="only-russian">')[1].split("</tr>")[0]
    kk_cell = lone.split('data-lang="kk"')[1].split("</td>")[0]
    assert missing in kk_cell and "/-/edit/new?lang=kk&amp;from=ru/only-russian" in kk_cell
    assert "status-draft" in lone.split('data-lang="ru"')[1].split("</td>")[0]


@pytest.mark.parametrize(("lang", "other"), [("kk", "ru"), ("ru", "kk")])
def test_the_translation_opens_beside_the_text(
    demo_ro_app: Flask, demo_ro_login: Any, lang: str, other: str
) -> None:
    store = demo_ro_app.extensions["kb"].store
    slug = _pair(store)
    translation = store.get(other, slug)
    editor = demo_ro_login("editor")
    closed = editor.get(f"/-/edit/{lang}/{slug}/edit").get_data(as_text=True)
    assert f'id="beside-{other}"' in closed
    pane = closed.split(f'id="beside-{other}"')[1].split("</aside>")[0]
    assert "hidden" in pane.split(">")[0] and 'class="edit-layout"' in closed
    opened = editor.get(f"/-/edit/{lang}/{slug}/edit?beside={other}").get_data(as_text=True)
    pane = opened.split(f'id="beside-{other}"')[1].split("</aside>")[0]
    assert "hidden" not in pane.split(">")[0]
    assert 'class="edit-layout beside"' in opened
    assert translation.meta.title in pane and translation.meta.answer.split()[0] in pane
    assert f'<div lang="{other}">' in pane
    assert "<textarea" not in pane and "<input" not in pane  # read only
    assert 'aria-expanded="true"' in opened
    # An unknown language is ignored rather than an error.
    odd = editor.get(f"/-/edit/{lang}/{slug}/edit?beside=de")
    assert odd.status_code == 200 and 'class="edit-layout"' in odd.get_data(as_text=True)
