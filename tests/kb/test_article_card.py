"""One rendering (issue 15, item 3): the editor's preview, course modules and the printed
handout show an article's facts exactly as the operator's article page does, with the
translated labels («Основные факты»), and never print the keywords as text."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from editor.forms import form_from_article
from tests.browser.instance import demo_template
from tests.conftest import AuthActions
from tests.conftest import make_app

COURSE = "identity-documents"
HEADINGS = {"kk": "Негізгі деректер", "ru": "Основные факты"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    home = tmp_path_factory.mktemp("card") / "instance"
    shutil.copytree(demo_template(tmp_path_factory), home, symlinks=True)
    flask_app = make_app(Path(home))
    yield flask_app
    flask_app.extensions["kb"].store.close()


def _client(app: Flask, user: str, lang: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert AuthActions(client).login(user).status_code == 302
    return client


def _facts(html: str, title: str | None = None) -> str:
    """The "Key facts" block (of the article titled ``title``), ids blanked."""
    if title is not None:
        html = html[html.index(title) :]
    match = re.search(r'<section class="facts".*?</section>', html, re.S)
    assert match, "no facts block"
    return re.sub(r'(id|aria-labelledby)="[^"]*"', r'\1=""', match.group(0))


def _course_article(app: Flask, lang: str) -> tuple[Any, Any]:
    service = app.extensions["kb"]
    (course,) = [c for c in service.courses(line="published") if c.id == COURSE]
    for module in course.modules:
        for ref in module.articles():
            if ref.lang != lang:
                continue
            article = service.store.get(ref.lang, ref.slug, line="published", revision=ref.revision)
            if article.meta.facts and article.meta.keywords:
                return module, article
    raise AssertionError(f"no {lang} article with facts in {COURSE}")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_preview_modules_and_handout_render_facts_as_the_operator_page(
    app: Flask, lang: str
) -> None:
    module, article = _course_article(app, lang)
    operator = _client(app, "operator", lang)
    page = operator.get(f"/{lang}/{article.slug}").get_data(as_text=True)
    expected = _facts(page)
    assert HEADINGS[lang] in expected
    assert "<dt>deadline</dt>" not in expected

    editor = _client(app, "editor", lang)
    home = editor.get("/-/edit/").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', home)
    assert token
    form = form_from_article(article).__dict__
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fields["agencies"] = list(form["agencies"])
    preview = editor.post(
        "/-/edit/preview", data={**fields, "csrf_token": token.group(1)}
    ).get_json()
    assert preview["error"] is None
    shown: dict[str, str] = {"preview": preview["html"]}
    trainer = _client(app, "trainer", lang)
    shown["module"] = trainer.get(f"/-/courses/{COURSE}/m/{module.id}?lang={lang}").get_data(
        as_text=True
    )
    shown["handout"] = trainer.get(f"/-/courses/{COURSE}/handout?lang={lang}").get_data(
        as_text=True
    )
    shown["editor page"] = editor.get(f"/-/edit/{lang}/{article.slug}").get_data(as_text=True)
    keywords = ", ".join(article.meta.keywords)
    for where, html in shown.items():
        assert _facts(html, article.title if where != "preview" else None) == expected, where
        assert keywords not in html, f"{where} prints the keywords as text"
        for raw in ("deadline", "fee", "documents", "where"):
            assert f"<dt>{raw}</dt>" not in html, f"{where} shows the raw key {raw}"
