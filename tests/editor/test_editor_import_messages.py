"""Import page and messages (issue 15, item 9): a dry run keeps its file for the real import,
skip reasons are in the interface language, validation names the field as the form does."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from tests.editor.conftest import new_article_form

CSV = (
    "id,lang,title,body,category\n"
    "kept-test,ru,Статья после пробного запуска,Текст про ЦОН,documents\n"
    "kept-test,kk,Сынақтан кейінгі мақала,ХҚКО туралы мәтін,documents\n"
    "no-title,ru,,текст без заголовка,documents\n"
    ",kk,Атаусыз,мәтін,documents\n"
)

SKIPS = {
    "kk": ["жолында тақырып жоқ", "id ұяшығы бос"],
    "ru": ["нет заголовка", "Ячейка id пуста"],
}


def _upload(session: Any, lang: str, **options: Any) -> Any:
    data = {"fmt": "csv", **options}
    if "file" not in options:
        data["file"] = (io.BytesIO(CSV.encode()), "table.csv")
    return session.post(
        "/-/edit/import",
        data,
        content_type="multipart/form-data",
        headers={"Accept-Language": lang},
    )


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_dry_run_then_import_without_picking_the_file_again(
    demo_app: Flask, demo_login: Any, lang: str
) -> None:
    store = demo_app.extensions["kb"].store
    editor = demo_login("editor")
    dry = _upload(editor, lang, dry_run="1")
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200
    staged = re.search(r'name="staged" value="([0-9a-f]{32})"', page)
    assert staged and "table.csv" in page
    assert not re.search(r'name="dry_run" value="1" checked', page)  # the next press imports
    assert not any(a.id == "kept-test" for a in store.list())
    # Skip reasons in the interface language, with the line; no English sentence.
    for words in SKIPS[lang]:
        assert words in page, words
    assert re.search(r"table\.csv, (жол|строка) 4", page)
    assert "has no title" not in page and "id cell is empty" not in page
    # Another user cannot use this user's kept file.
    other = demo_login("reviewer")
    stolen = _upload(other, lang, file=(io.BytesIO(b""), ""), staged=staged.group(1))
    assert stolen.status_code == 400
    real = _upload(editor, lang, file=(io.BytesIO(b""), ""), staged=staged.group(1))
    assert real.status_code == 200, real.get_data(as_text=True)[-2000:]
    assert {a.lang for a in store.list() if a.id == "kept-test"} == {"kk", "ru"}
    # The kept file is gone after the import.
    again = _upload(editor, lang, file=(io.BytesIO(b""), ""), staged=staged.group(1))
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("lang", "label"), [("kk", "Қайта тексеру мерзімі"), ("ru", "Проверить до")]
)
def test_validation_names_the_field_as_the_form_labels_it(
    users_app: Flask, login: Any, lang: str, label: str
) -> None:
    editor = login("editor")
    response = editor.post(
        "/-/edit/new",
        {**new_article_form(lang, "bad-date"), "review_by": "2027-13-45"},
        headers={"Accept-Language": lang},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    box = page[page.index('id="form-error"') :]
    box = box[: box.index("</div>")]
    assert f'data-field="review_by">{label}</span>' in box
    visible = re.sub(r"<details>.*?</details>", "", box, flags=re.S)
    assert "review_by" not in re.sub(r'data-field="[^"]*"', "", visible)
    assert "Field '" not in visible  # the English detail is not shown in kk/ru
