"""Clean diffs and resolvable conflicts (issue 15, items 4 and 5), through HTTP and real git.

- a one-line change through the form is a one-line ``git diff`` of the content repository;
- two editors changing different fields are merged automatically;
- two editors changing the same field get the conflict screen (who, when, both versions
  field by field), nothing is saved, and only a deliberate "keep mine" overwrites.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from flask import Flask

from articles.model import Actor
from editor.forms import article_text
from editor.forms import form_from_article
from tests.editor.conftest import Session


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


def _form_fields(page: str) -> dict[str, Any]:
    """The values the edit page puts in its form (inputs, textareas, ticked agencies)."""
    fields: dict[str, Any] = {}
    for name, value in re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page):
        if name not in ("agencies", "csrf_token", "seen_revision"):
            fields[name] = _unescape(value)
    for name, value in re.findall(
        r'<textarea[^>]*name="([a-z_]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = _unescape(value)
    fields["agencies"] = re.findall(r'name="agencies" value="([^"]+)" checked', page)
    category = re.search(r'name="category">.*?<option value="([a-z_-]+)" selected', page, re.S)
    fields["category"] = category.group(1) if category else "other"
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _git_numstat(app: Flask, path: str) -> tuple[int, int]:
    """``(added, removed)`` lines of ``path`` in the last commit of the draft line (real git)."""
    repo = app.extensions["kb"].store.repo.path
    out = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "diff",
            "--numstat",
            "refs/heads/main~1",
            "refs/heads/main",
            "--",
            path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def _article_with(store: Any, lang: str, field: str) -> Any:
    for article in store.list(lang=lang):
        if field == "fee" and "fee" in article.meta.facts:
            return article
        if field == "keywords" and len(article.meta.keywords) > 2:
            return article
    raise AssertionError(f"no demo {lang} article with {field}")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_one_line_change_through_the_form_is_a_one_line_git_diff(
    demo_app: Flask, demo_login: Any, lang: str
) -> None:
    store = demo_app.extensions["kb"].store
    article = _article_with(store, lang, "fee")
    editor: Session = demo_login("editor")
    page = editor.get(f"/-/edit/{lang}/{article.slug}/edit").get_data(as_text=True)
    fields = _form_fields(page)
    fields["fee"] = fields["fee"] + " (2027)"
    response = editor.post(f"/-/edit/{lang}/{article.slug}/edit", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert store.get(lang, article.slug).meta.facts["fee"].endswith("(2027)")
    assert _git_numstat(demo_app, f"{lang}/{article.slug}.md") == (1, 1)
    # Saving the unchanged form again changes nothing at all.
    page = editor.get(f"/-/edit/{lang}/{article.slug}/edit").get_data(as_text=True)
    before = store.get(lang, article.slug).blob
    assert editor.post(f"/-/edit/{lang}/{article.slug}/edit", _form_fields(page)).status_code == 302
    assert store.get(lang, article.slug).blob == before
    # The diff page names the field as the form labels it, not raw YAML.
    diff = editor.get(
        f"/-/edit/{lang}/{article.slug}/diff?a=published&b=draft",
        headers={"Accept-Language": lang},
    ).get_data(as_text=True)
    label = {"kk": "Төлемі", "ru": "Плата"}[lang]
    assert 'data-field="facts.fee"' in diff and label in diff
    assert "<ins> (2027)</ins>" in diff


def _other_saves(store: Any, lang: str, slug: str, change: Any) -> None:
    """Someone else ("Айгерім") saves a change of the current version through the form code."""
    current = store.get(lang, slug)
    form = change(form_from_article(current))
    base = store.repo.blob_at(current.revision, f"{lang}/{slug}.md")[1].decode()
    store.save(
        lang,
        slug,
        article_text(form, base),
        actor=Actor("Айгерім", "aigerim@example.kz"),
        expected_revision=current.revision,
    )


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_edits_of_different_fields_are_merged(demo_app: Flask, demo_login: Any, lang: str) -> None:
    from dataclasses import replace

    store = demo_app.extensions["kb"].store
    article = _article_with(store, lang, "fee")
    editor: Session = demo_login("editor")
    page = editor.get(f"/-/edit/{lang}/{article.slug}/edit").get_data(as_text=True)
    mine = _form_fields(page)
    _other_saves(store, lang, article.slug, lambda f: replace(f, title=f.title + " (жаңа)"))
    mine["fee"] = "0,5 АЕК"
    mine["body"] = mine["body"] + "\nМенің сөйлемім.\n"
    response = editor.post(
        f"/-/edit/{lang}/{article.slug}/edit", mine, headers={"Accept-Language": lang}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    saved = store.get(lang, article.slug)
    assert saved.meta.title.endswith("(жаңа)")  # theirs kept
    assert saved.meta.facts["fee"] == "0,5 АЕК"  # mine added
    assert "Менің сөйлемім." in saved.body
    landing = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Айгерім" in landing  # "merged with the changes Айгерім saved meanwhile"


@pytest.mark.parametrize(
    ("lang", "who_label"), [("kk", "Ағымдағы нұсқа"), ("ru", "Текущая версия")]
)
def test_same_field_is_a_conflict_and_nothing_is_lost(
    demo_app: Flask, demo_login: Any, lang: str, who_label: str
) -> None:
    from dataclasses import replace

    store = demo_app.extensions["kb"].store
    article = _article_with(store, lang, "fee")
    editor: Session = demo_login("editor")
    page = editor.get(f"/-/edit/{lang}/{article.slug}/edit").get_data(as_text=True)
    mine = _form_fields(page)
    _other_saves(store, lang, article.slug, lambda f: replace(f, fee="ТЕКСТ-АЙГЕРІМ"))
    theirs = store.get(lang, article.slug)
    mine["fee"] = "ТЕКСТ-МЕНІКІ"
    mine["answer"] = mine["answer"] + " Қосымша."
    url = f"/-/edit/{lang}/{article.slug}/edit"
    response = editor.post(url, mine, headers={"Accept-Language": lang})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert store.get(lang, article.slug).blob == theirs.blob  # nothing saved
    assert "ТЕКСТ-АЙГЕРІМ" in page and "ТЕКСТ-МЕНІКІ" in page
    assert re.search(r'<tr class="clash" data-field="facts.fee">', page)
    assert "Айгерім" in page and who_label in page
    assert re.search(r"<time datetime=\"[^\"]+\+00:00\">\d{4}-\d\d-\d\d \d\d:\d\d</time>", page)
    # The same save again is refused again.
    assert editor.post(url, mine).status_code == 409
    # "Keep theirs" keeps their fee and adds my other change.
    seen = _hidden(page, "seen_revision")
    kept = editor.post(url, {**mine, "resolve": "theirs", "seen_revision": seen})
    assert kept.status_code == 302
    saved = store.get(lang, article.slug)
    assert saved.meta.facts["fee"] == "ТЕКСТ-АЙГЕРІМ" and saved.meta.answer.endswith("Қосымша.")


def test_keep_mine_is_deliberate_and_for_the_version_shown(
    demo_app: Flask, demo_login: Any
) -> None:
    from dataclasses import replace

    store = demo_app.extensions["kb"].store
    article = _article_with(store, "ru", "fee")
    editor: Session = demo_login("editor")
    url = f"/-/edit/ru/{article.slug}/edit"
    mine = _form_fields(editor.get(url).get_data(as_text=True))
    _other_saves(store, "ru", article.slug, lambda f: replace(f, fee="первый"))
    mine["fee"] = "мой"
    page = editor.post(url, mine).get_data(as_text=True)
    seen = _hidden(page, "seen_revision")
    # A third save after the screen was shown: "keep mine" for the old screen is refused.
    _other_saves(store, "ru", article.slug, lambda f: replace(f, fee="второй"))
    stale = editor.post(url, {**mine, "resolve": "mine", "seen_revision": seen})
    assert stale.status_code == 409
    assert store.get("ru", article.slug).meta.facts["fee"] == "второй"
    fresh = _hidden(stale.get_data(as_text=True), "seen_revision")
    done = editor.post(url, {**mine, "resolve": "mine", "seen_revision": fresh})
    assert done.status_code == 302
    assert store.get("ru", article.slug).meta.facts["fee"] == "мой"


@pytest.mark.parametrize(
    ("lang", "changed", "published_by"),
    [("kk", "Өзгертілді", "Жариялаған"), ("ru", "Изменено", "Опубликовал")],
)
def test_history_in_the_interface_language_with_publisher_and_author(
    demo_app: Flask, demo_login: Any, lang: str, changed: str, published_by: str
) -> None:
    store = demo_app.extensions["kb"].store
    article = _article_with(store, lang, "fee")
    editor: Session = demo_login("editor")
    editor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    url = f"/-/edit/{lang}/{article.slug}/edit"
    fields = _form_fields(editor.get(url).get_data(as_text=True))
    fields["fee"] = "0,5 АЕК — 2027"
    assert editor.post(url, fields).status_code == 302
    entry = next(r for r in store.history(lang, article.slug) if r.changed_text)
    assert entry.subject.startswith(changed)  # the commit message is in the editor's language
    page = editor.get(f"/-/edit/{lang}/{article.slug}/history").get_data(as_text=True)
    assert changed in page and published_by in page
    assert "Publish " not in page and "Save " not in page
