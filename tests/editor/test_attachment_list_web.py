"""The edit page lists an article's attachments and deletes them (kk and ru).

Name, kind, size, upload time in local time (Asia/Almaty) and which text shows each;
deleting is a POST with the CSRF token, for writers only, one commit on the draft line
and an audit row, refused in the user's language while the draft or the published
version still shows the file.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask

from kb.localtime import format_local
from kb.localtime import zone
from tests.attachment_files import PDF
from tests.attachment_files import png
from tests.editor.conftest import new_article_form
from tests.editor.test_attachments_web import _new_article
from tests.editor.test_attachments_web import _upload

HEADINGS = {
    "kk": ("Тіркелген файлдар", "Жүктелді", "Өлшемі"),
    "ru": ("Прикреплённые файлы", "Загружен", "Размер"),
}
DELETED = {"kk": "Жойылды", "ru": "Удалено"}
IN_PUBLISHED = {
    "kk": "жарияланған нұсқасы оны көрсетеді",
    "ru": "его показывает опубликованная версия",
}
IN_DRAFT = {"kk": "жоба оған сілтейді", "ru": "на него ссылается черновик"}


def _store(app: Flask) -> Any:
    return app.extensions["kb"].store


def _as(login: Any, name: str, lang: str) -> Any:
    session = login(name)
    session.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return session


def _rows(page: str) -> dict[str, str]:
    """``{name: the row's text}`` of the attachment list."""
    rows = re.findall(r'<tr data-attachment="([^"]+)">(.*?)</tr>', page, re.S)
    return {
        name: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for name, row in rows
    }


def _flash(page: str) -> str:
    return " ".join(
        html.unescape(
            " ".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S))
        ).split()
    )


def _save_body(
    app: Flask, session: Any, lang: str, slug: str, body: str, then: str = "view"
) -> None:
    revision = _store(app).get(lang, slug).revision
    form = new_article_form(lang, slug, body=body, expected_revision=revision, then=then)
    response = session.post(f"/-/edit/{lang}/{slug}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]


def _delete(session: Any, lang: str, slug: str, name: str) -> Any:
    return session.post(f"/-/edit/{lang}/{slug}/attachments/{name}/delete", follow_redirects=True)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_edit_page_lists_name_kind_size_and_local_upload_time(
    users_app: Flask, login: Any, lang: str
) -> None:
    editor = _as(login, "editor", lang)
    _new_article(editor, lang, "listed")
    empty = editor.get(f"/-/edit/{lang}/listed/edit").get_data(as_text=True)
    assert HEADINGS[lang][0] in empty and _rows(empty) == {}
    image = _upload(editor, lang, "listed", "схема.png", png()).get_json()
    document = _upload(editor, lang, "listed", "бланк.pdf", PDF).get_json()
    _save_body(users_app, editor, lang, "listed", f"{image['markdown']}\n")

    page = editor.get(f"/-/edit/{lang}/listed/edit").get_data(as_text=True)
    for heading in HEADINGS[lang]:
        assert heading in page
    rows = _rows(page)
    assert set(rows) == {image["name"], document["name"]}
    listed = {a.name: a for a in _store(users_app).attachment_list(lang, "listed")}
    for name, kind in ((image["name"], "PNG"), (document["name"], "PDF")):
        entry = listed[name]
        local = format_local(entry.uploaded_at, tz=zone("Asia/Almaty"))
        assert kind in rows[name]
        assert f"{-(-entry.size // 1024)} КБ" in rows[name]  # whole kilobytes
        assert local in rows[name]  # shown in Almaty time, stored in UTC
        assert f'datetime="{entry.uploaded_at.isoformat()}"' in page
    # the image is shown by the draft, the document by no text yet
    assert {"kk": "жоба", "ru": "черновик"}[lang] in rows[image["name"]]
    assert f'href="{document["url"]}"' in page
    # the delete buttons are forms with the CSRF token, outside the article form
    action = f'action="/-/edit/{lang}/listed/attachments/{document["name"]}/delete"'
    assert action in page
    article_form_end = page.index("</form>", page.index('id="article-form"'))
    assert page.index(action) > article_form_end


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_delete_an_unused_attachment_commits_and_audits(
    users_app: Flask, login: Any, lang: str
) -> None:
    editor = _as(login, "editor", lang)
    _new_article(editor, lang, "tidy")
    document = _upload(editor, lang, "tidy", "бланк.pdf", PDF).get_json()
    text = _store(users_app).get(lang, "tidy").body
    opened = _store(users_app).get(lang, "tidy").revision  # an edit form open meanwhile
    published = _store(users_app).published_head()

    response = _delete(editor, lang, "tidy", document["name"])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert DELETED[lang] in _flash(page) and document["name"] in _flash(page)
    assert _rows(page) == {}
    assert _store(users_app).attachments(lang, "tidy") == []
    assert _store(users_app).published_head() == published
    repo = _store(users_app).repo
    entry = repo.log("refs/heads/main", [f"{lang}/tidy.files"], limit=1)[0]
    assert entry.message == f"Remove {document['name']} from {lang}/tidy"
    assert entry.email == "editor@example.kz"
    assert _store(users_app).get(lang, "tidy").body == text  # the text did not change
    # the form opened before the deletion still saves: no conflict over the text
    form = new_article_form(lang, "tidy", body="Жаңа / новый.\n", expected_revision=opened)
    assert editor.post(f"/-/edit/{lang}/tidy/edit", form).status_code == 302

    from kb.models import AuditEvent

    with users_app.app_context():
        rows = AuditEvent.query.filter_by(action="detach").all()
    assert [(r.actor, r.target, r.detail) for r in rows] == [
        ("editor", f"{lang}/tidy", document["name"])
    ]
    # gone already: a clear message, not a 500
    again = _delete(editor, lang, "tidy", document["name"])
    assert again.status_code == 200 and document["name"] in _flash(again.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_delete_is_refused_while_the_draft_or_the_published_version_shows_it(
    users_app: Flask, login: Any, lang: str
) -> None:
    editor, reviewer = _as(login, "editor", lang), _as(login, "reviewer", lang)
    _new_article(editor, lang, "shown")
    image = _upload(editor, lang, "shown", "схема.png", png()).get_json()
    _save_body(users_app, editor, lang, "shown", f"{image['markdown']}\n")

    refused = _delete(editor, lang, "shown", image["name"]).get_data(as_text=True)
    assert IN_DRAFT[lang] in _flash(refused)
    assert _store(users_app).attachments(lang, "shown") == [image["name"]]

    # published with the image, then the reference is taken out of the draft
    assert editor.post(f"/-/edit/{lang}/shown/submit").status_code == 302
    assert reviewer.post(f"/-/edit/{lang}/shown/approve").status_code == 302
    assert reviewer.post(f"/-/edit/{lang}/shown/publish").status_code == 302
    _save_body(users_app, editor, lang, "shown", "Мәтін / текст.\n")
    refused = _delete(editor, lang, "shown", image["name"]).get_data(as_text=True)
    assert IN_PUBLISHED[lang] in _flash(refused)
    assert "published" not in _flash(refused) and "draft" not in _flash(refused)
    assert _store(users_app).attachments(lang, "shown") == [image["name"]]
    assert operator_sees(users_app, login, image["url"])


def operator_sees(app: Flask, login: Any, url: str) -> bool:
    """Whether an operator is served ``url`` (the published line holds it)."""
    return bool(login("operator").get(url).status_code == 200)


def test_delete_needs_a_writer_and_the_csrf_token(users_app: Flask, login: Any) -> None:
    editor = _as(login, "editor", "ru")
    _new_article(editor, "ru", "guarded")
    document = _upload(editor, "ru", "guarded", "бланк.pdf", PDF).get_json()
    url = f"/-/edit/ru/guarded/attachments/{document['name']}/delete"
    assert login("operator").post(url).status_code == 403
    assert login("trainer").post(url).status_code == 403
    assert editor.client.post(url).status_code == 400  # no CSRF token
    assert _store(users_app).attachments("ru", "guarded") == [document["name"]]
    # a name that is no attachment: refused clearly, nothing written
    odd = _delete(editor, "ru", "guarded", "guarded.md")
    assert odd.status_code == 200
    assert "не прикреплён к этой статье" in _flash(odd.get_data(as_text=True))
    assert _delete(editor, "ru", "guarded", "..%2Fguarded.md").status_code == 404
    assert _store(users_app).attachments("ru", "guarded") == [document["name"]]
