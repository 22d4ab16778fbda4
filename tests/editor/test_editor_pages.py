"""Editor pages on the demo content: list filters, bodies, synonyms, import, edit form."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import Flask

from articles.model import Actor
from editor.forms import article_text
from editor.forms import form_from_article
from tests.editor.conftest import DEMO


def _kb(app: Flask) -> Any:
    return app.extensions["kb"]


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


def test_list_filters(demo_ro_app: Flask, demo_ro_login: Any) -> None:
    editor = demo_ro_login("editor")
    store = _kb(demo_ro_app).store
    # One line per translation group: the kk and ru versions of an answer share it.
    total = len({a.id for a in store.list()})
    every = editor.get("/-/edit/").get_data(as_text=True)
    assert f"{total} of {total} articles" in every
    assert every.count("<tr data-group=") == total
    kk = editor.get("/-/edit/?lang=kk").get_data(as_text=True)
    kk_count = len({a.id for a in store.list() if a.lang == "kk"})
    assert f"{kk_count} of {total} articles" in kk
    lines = kk.split("<tr data-group=")[1:]
    assert lines and all('<div lang="kk" class="matched">' in line for line in lines)
    assert all('<div lang="ru" class="matched">' not in line for line in lines)
    one = store.list(lang="ru")[0]
    found = editor.get("/-/edit/", query_string={"q": one.meta.title[:12].upper()})
    assert f"/-/edit/ru/{one.slug}" in found.get_data(as_text=True)
    none = editor.get("/-/edit/?status=in_review").get_data(as_text=True)
    assert "No article matches these filters." in none
    # An article due for review shows in the "due" filter.
    due_page = editor.get("/-/edit/?due=1").get_data(as_text=True)
    due = store.due_for_review(dt.date.today())
    assert f"{len({a.id for a in due})} of {total} articles" in due_page


def test_outdated_translation_is_listed_and_can_be_confirmed(
    demo_app: Flask, demo_login: Any
) -> None:
    store = _kb(demo_app).store
    groups: dict[str, set[str]] = {}
    for article in store.list():
        groups.setdefault(article.id, set()).add(article.lang)
    art_id = next(i for i, langs in sorted(groups.items()) if {"kk", "ru"} <= langs)
    ru = next(a for a in store.list(lang="ru") if a.id == art_id)
    kk = next(a for a in store.list(lang="kk") if a.id == art_id)
    editor, reviewer = demo_login("editor"), demo_login("reviewer")
    page = editor.get(f"/-/edit/ru/{ru.slug}/edit").get_data(as_text=True)
    assert _hidden(page, "expected_revision") == ru.revision
    form = {
        k: v for k, v in form_from_article(ru).__dict__.items() if k not in ("agencies", "extra")
    }
    form["body"] = ru.body + "\nНовое правило с 2027 года.\n"
    response = editor.post(
        f"/-/edit/ru/{ru.slug}/edit",
        {**form, "agencies": list(ru.meta.agencies), "then": "submit"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert store.get("ru", ru.slug).meta == ru.meta  # the form kept every field
    reviewer.post(f"/-/edit/ru/{ru.slug}/approve")
    reviewer.post(f"/-/edit/ru/{ru.slug}/publish")
    listing = editor.get("/-/edit/?outdated=1").get_data(as_text=True)
    groups_total = len({a.id for a in store.list()})
    assert f"/-/edit/kk/{kk.slug}" in listing and f"1 of {groups_total} articles" in listing
    assert editor.post(f"/-/edit/kk/{kk.slug}/translation-ok").status_code == 302
    assert store.outdated_translations() == []


def test_edit_form_round_trips_every_demo_article() -> None:
    from articles.frontmatter import parse
    from articles.model import Article

    files = sorted(DEMO.glob("*/*.md"))
    assert len(files) >= 40
    for path in files:
        lang, slug = path.parent.name, path.stem
        meta, body = parse(path.read_bytes(), lang=lang, slug=slug)
        article = Article(meta=meta, body=body, slug=slug, revision="0" * 40)
        text = article_text(form_from_article(article))
        assert parse(text, lang=lang, slug=slug) == (meta, body), path


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_edit_page_offers_script_and_references(
    demo_ro_app: Flask, demo_ro_login: Any, lang: str
) -> None:
    editor = demo_ro_login("editor")
    article = _kb(demo_ro_app).store.list(lang=lang)[0]
    page = editor.get(f"/-/edit/{lang}/{article.slug}/edit").get_data(as_text=True)
    assert "data-insert-script" in page and "Оператордың сөзі" in page
    assert 'id="ref-body"' in page and "gov4c" in page
    assert "editor.js" in page and "Ctrl+S" in page
    assert _hidden(page, "expected_revision") == article.revision
    found = editor.get(
        "/-/edit/lookup", query_string={"q": article.meta.title[:6], "lang": lang}
    ).get_json()
    assert article.slug in [r["slug"] for r in found["results"]]
    with editor.get("/-/edit/static/editor.js") as script:
        assert script.status_code == 200 and b"csrf-token" in script.data


def test_new_translation_starts_from_the_other_language(
    demo_ro_app: Flask, demo_ro_login: Any
) -> None:
    ru = _kb(demo_ro_app).store.list(lang="ru")[0]
    page = (
        demo_ro_login("editor").get(f"/-/edit/new?lang=kk&from=ru/{ru.slug}").get_data(as_text=True)
    )
    assert f'name="id" value="{ru.id}"' in page
    assert '<option value="kk" selected>' in page
    assert "The ru version, for reference" in page and ru.meta.title in page


def test_bodies_create_publish_and_conflict(demo_app: Flask, demo_login: Any) -> None:
    editor, reviewer = demo_login("editor"), demo_login("reviewer")
    form = {
        "id": "test-agency",
        "name_kk": "Сынақ агенттігі",
        "name_ru": "Тестовое агентство",
        "handles_kk": "Сынақ қызметтері",
        "handles_ru": "Тестовые услуги",
        "phone": "8 (7172) 00-00-00",
        "site": "https://example.kz",
        "services": "test-service, other-service",
    }
    bad = editor.post("/-/edit/bodies/new", {**form, "site": "javascript:alert(1)"})
    assert bad.status_code == 400 and "site" in bad.get_data(as_text=True)
    assert editor.post("/-/edit/bodies/new", form).status_code == 302
    store = _kb(demo_app).store
    assert store.body("test-agency").services == ("test-service", "other-service")
    assert "test-agency" not in _kb(demo_app).bodies()
    assert editor.post("/-/edit/bodies/test-agency/publish").status_code == 403
    assert reviewer.post("/-/edit/bodies/test-agency/publish").status_code == 302
    assert _kb(demo_app).bodies()["test-agency"].name["kk"] == "Сынақ агенттігі"
    hits = _kb(demo_app).search("Тестовое агентство", lang="ru").hits
    assert "test-agency" in [h.id for h in hits]

    page = editor.get("/-/edit/bodies/test-agency/edit").get_data(as_text=True)
    stale = _hidden(page, "expected_revision")
    text, revision = store.read_file("bodies/test-agency.yaml")
    store.save_file(
        "bodies/test-agency.yaml",
        text.replace("8 (7172) 00-00-00", "1414"),
        actor=Actor("Other", "other@example.kz"),
        expected_revision=revision,
    )
    mine = {**form, "name_ru": "Моё название", "expected_revision": stale}
    conflict = editor.post("/-/edit/bodies/test-agency/edit", mine)
    page = conflict.get_data(as_text=True)
    assert conflict.status_code == 409 and "1414" in page and "Моё название" in page
    again = editor.post(
        "/-/edit/bodies/test-agency/edit",
        {**mine, "expected_revision": _hidden(page, "expected_revision")},
    )
    assert again.status_code == 302
    assert store.body("test-agency").name["ru"] == "Моё название"
    listing = editor.get("/-/edit/bodies").get_data(as_text=True)
    assert "test-agency" in listing and "draft ahead of published" in listing


def test_synonyms_validate_save_publish_and_search(demo_app: Flask, demo_login: Any) -> None:
    editor, reviewer = demo_login("editor"), demo_login("reviewer")
    page = editor.get("/-/edit/synonyms").get_data(as_text=True)
    revision = _hidden(page, "expected_revision")
    current, _rev = _kb(demo_app).store.read_file("synonyms.txt")
    broken = editor.post(
        "/-/edit/synonyms",
        {"text": current + "\nтолько одно слово\n", "expected_revision": revision},
    )
    text = broken.get_data(as_text=True)
    assert broken.status_code == 400 and "только одно слово" in text
    line = current.count("\n") + 2
    assert f"Line {line} is not a valid group." in text
    new = current + "\nзумзум = удостоверение личности = жеке куәлік\n"
    saved = editor.post("/-/edit/synonyms", {"text": new, "expected_revision": revision})
    assert saved.status_code == 302
    before = _kb(demo_app).search("зумзум", lang="ru").hits
    assert before == ()
    assert editor.post("/-/edit/synonyms/publish").status_code == 403
    assert reviewer.post("/-/edit/synonyms/publish").status_code == 302
    for lang in ("ru", "kk"):
        assert _kb(demo_app).search("зумзум", lang=lang).hits, lang
    stale = editor.post("/-/edit/synonyms", {"text": current, "expected_revision": revision})
    assert stale.status_code == 409 and "зумзум" in stale.get_data(as_text=True)


CSV = (
    "id,lang,title,body,category\n"
    "import-test,ru,Импортированная статья,Текст статьи про ЦОН,documents\n"
    "import-test,kk,Импортталған мақала,ХҚКО туралы мәтін,documents\n"
    ",ru,,нет заголовка,documents\n"
)


def test_import_csv_dry_run_then_real(demo_app: Flask, demo_login: Any) -> None:
    editor = demo_login("editor")
    store = _kb(demo_app).store

    def upload(**options: str) -> Any:
        data = {"fmt": "csv", "file": (io.BytesIO(CSV.encode()), "articles.csv"), **options}
        return editor.post("/-/edit/import", data, content_type="multipart/form-data")

    dry = upload(dry_run="1")
    page = dry.get_data(as_text=True)
    assert dry.status_code == 200 and "dry run: nothing written" in page
    assert "Импортированная статья" in page and "Импортталған мақала" in page
    assert "import-test" not in {a.id for a in store.list()}
    real = upload()
    page = real.get_data(as_text=True)
    assert real.status_code == 200 and "Skipped" in page and "articles.csv" in page
    assert "kb-import-" not in page  # temporary paths are not shown
    imported = {(a.lang, a.slug) for a in store.list() if a.id == "import-test"}
    assert {lang for lang, _slug in imported} == {"kk", "ru"}
    for lang, slug in imported:
        assert f"/-/edit/{lang}/{slug}" in page
        assert not store.exists(lang, slug, line="published")  # editors import drafts
    wrong = editor.post(
        "/-/edit/import",
        {"fmt": "csv", "file": (io.BytesIO(b"x"), "notes.docx")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "does not match the format" in wrong.get_data(as_text=True)


def test_import_markdown_zip(demo_app: Flask, demo_login: Any) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("pack/kk/zip-test.md", "# Мұрағаттан мақала\n\nМәтін.\n")
        zf.writestr("pack/ru/zip-test.md", "# Статья из архива\n\nТекст.\n")
    buffer.seek(0)
    response = demo_login("editor").post(
        "/-/edit/import",
        {"fmt": "markdown", "file": (buffer, "pack.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    store = _kb(demo_app).store
    titles = {a.meta.title for a in store.list() if a.slug.startswith("zip-test")}
    assert titles == {"Мұрағаттан мақала", "Статья из архива"}
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape.md", "# x\n")
    evil.seek(0)
    refused = demo_login("editor").post(
        "/-/edit/import",
        {"fmt": "markdown", "file": (evil, "evil.zip")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "leaves its folder" in refused.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "words"), [("kk", "Тарих"), ("ru", "История")])
def test_pages_render_in_kazakh_and_russian(
    demo_ro_app: Flask, demo_ro_login: Any, locale: str, words: str
) -> None:
    reviewer = demo_ro_login("reviewer")
    article = _kb(demo_ro_app).store.list(lang=locale)[0]
    body_id = _kb(demo_ro_app).store.bodies()[0].id
    base = f"/-/edit/{locale}/{article.slug}"
    urls = [
        "/-/edit/",
        "/-/edit/new",
        base,
        f"{base}/edit",
        f"{base}/history",
        f"{base}/diff",
        "/-/edit/review",
        "/-/edit/bodies",
        f"/-/edit/bodies/{body_id}",
        f"/-/edit/bodies/{body_id}/edit",
        "/-/edit/bodies/new",
        "/-/edit/synonyms",
        "/-/edit/import",
    ]
    for url in urls:
        response = reviewer.get(url, headers={"Accept-Language": locale})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert f'<html lang="{locale}">' in page, url
    history = reviewer.get(f"{base}/history", headers={"Accept-Language": locale})
    assert words in history.get_data(as_text=True)
    overview = reviewer.get(base, headers={"Accept-Language": locale}).get_data(as_text=True)
    assert article.meta.title in overview
