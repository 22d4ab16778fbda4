"""Attachments through the web: upload from the editor, preview, publication, serving."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.attachment_files import DISGUISED_HTML
from tests.attachment_files import PDF
from tests.attachment_files import SVG
from tests.attachment_files import noisy_png
from tests.attachment_files import png
from tests.editor.conftest import new_article_form

#: The attachment limit of the test instance (the default setting).
DEFAULT_MAX = 2 * 1024 * 1024
#: Words of the success and refusal messages, per language (no English in kk/ru).
ATTACHED = {"kk": "Тіркелді", "ru": "Прикреплено"}
NOT_AN_IMAGE = {"kk": "веб-бет", "ru": "веб-страница"}
TOO_LARGE = {"kk": "шегінен көп", "ru": "больше предела"}
NO_SVG = {"kk": "SVG сызбалары қабылданбайды", "ru": "Рисунки SVG не принимаются"}


def _store(app: Flask) -> Any:
    return app.extensions["kb"].store


def multipart(name: str, data: bytes, boundary: str = "kb1414-test-boundary") -> tuple[bytes, str]:
    """A multipart body holding one file field ``file`` (built by hand: werkzeug's test
    builder leaves its temporary file open for large uploads)."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


def _upload(session: Any, lang: str, slug: str, name: str, data: bytes) -> Any:
    """Upload as the editor page's script does: the CSRF token in ``X-CSRFToken``."""
    body, content_type = multipart(name, data)
    return session.client.post(
        f"/-/edit/{lang}/{slug}/attachments",
        data=body,
        content_type=content_type,
        headers={"Accept-Language": lang, "X-CSRFToken": session.token},
    )


def _new_article(editor: Any, lang: str, slug: str) -> None:
    response = editor.post("/-/edit/new", new_article_form(lang, slug))
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]


def _publish_with(app: Flask, editor: Any, reviewer: Any, lang: str, slug: str, body: str) -> None:
    """Put ``body`` in the draft through the edit form, then submit, approve and publish."""
    revision = _store(app).get(lang, slug).revision
    form = new_article_form(lang, slug, body=body, expected_revision=revision, then="submit")
    response = editor.post(f"/-/edit/{lang}/{slug}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert reviewer.post(f"/-/edit/{lang}/{slug}/approve").status_code == 302
    assert reviewer.post(f"/-/edit/{lang}/{slug}/publish").status_code == 302


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_upload_inserts_a_reference_and_commits_beside_the_article(
    users_app: Flask, login: Any, lang: str
) -> None:
    editor = login("editor")
    _new_article(editor, lang, "scheme")
    response = _upload(editor, lang, "scheme", "схема.png", png())
    assert response.status_code == 200, response.get_data(as_text=True)
    reply = response.get_json()
    assert reply["ok"] and reply["image"]
    assert reply["url"] == f"/-/files/{lang}/scheme/{reply['name']}"
    assert reply["markdown"] == f"![схема.png]({reply['url']})"
    assert ATTACHED[lang] in reply["message"]
    assert _store(users_app).attachments(lang, "scheme") == [reply["name"]]
    # the edit page offers the upload; a new article's page says to save first
    page = editor.get(f"/-/edit/{lang}/scheme/edit").get_data(as_text=True)
    assert f'data-attach-url="/-/edit/{lang}/scheme/attachments"' in page
    assert "data-attach-url" not in editor.get("/-/edit/new").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_disguised_html_oversized_and_svg_are_refused_in_the_users_language(
    users_app: Flask, login: Any, lang: str
) -> None:
    editor = login("editor")
    _new_article(editor, lang, "refusals")
    before = _store(users_app).published_head(), _store(users_app).get(lang, "refusals").revision

    disguised = _upload(editor, lang, "refusals", "photo.png", DISGUISED_HTML)
    assert disguised.status_code == 400
    assert disguised.get_json()["code"] == "html"
    assert NOT_AN_IMAGE[lang] in disguised.get_json()["error"]
    assert "«photo.png»" in disguised.get_json()["error"]

    big = noisy_png(900, 900)
    assert len(big) > DEFAULT_MAX
    oversized = _upload(editor, lang, "refusals", "big.png", big)
    assert oversized.status_code == 413
    assert TOO_LARGE[lang] in oversized.get_json()["error"]
    assert "2048" in oversized.get_json()["error"]  # the limit, in KB

    drawing = _upload(editor, lang, "refusals", "scheme.svg", SVG)
    assert drawing.status_code == 400 and NO_SVG[lang] in drawing.get_json()["error"]

    after = _store(users_app).published_head(), _store(users_app).get(lang, "refusals").revision
    assert after == before  # nothing was written
    assert _store(users_app).attachments(lang, "refusals") == []


def test_upload_needs_a_writer_a_file_and_an_existing_draft(login: Any) -> None:
    editor = login("editor")
    assert _upload(login("operator"), "ru", "x", "a.png", png()).status_code == 403
    missing = _upload(editor, "ru", "no-such", "a.png", png())
    assert missing.status_code == 400 and "сохраните статью" in missing.get_json()["error"]
    _new_article(editor, "ru", "nofile")
    empty = editor.post("/-/edit/ru/nofile/attachments", {}, headers={"Accept-Language": "ru"})
    assert empty.status_code == 400 and "Выберите файл" in empty.get_json()["error"]


def test_upload_without_the_csrf_token_is_refused(users_app: Flask, login: Any) -> None:
    editor = login("editor")
    _new_article(editor, "ru", "csrf")
    body, content_type = multipart("a.png", png())
    response = editor.client.post(
        "/-/edit/ru/csrf/attachments", data=body, content_type=content_type
    )
    assert response.status_code == 400
    assert _store(users_app).attachments("ru", "csrf") == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_draft_attachment_is_served_to_operators_only_once_published(
    users_app: Flask, login: Any, lang: str
) -> None:
    editor, reviewer, operator = login("editor"), login("reviewer"), login("operator")
    _new_article(editor, lang, "served")
    image = _upload(editor, lang, "served", "scheme.png", png()).get_json()
    document = _upload(editor, lang, "served", "бланк.pdf", PDF).get_json()
    assert not document["image"] and document["markdown"].startswith("[бланк.pdf](")

    # before publication: the editor previews it, the operator gets nothing
    assert editor.get(image["url"]).status_code == 200
    assert operator.get(image["url"]).status_code == 404
    preview = editor.post(
        "/-/edit/preview",
        new_article_form(lang, "served", body=image["markdown"] + "\n"),
    ).get_json()
    assert f'src="{image["url"]}"' in preview["html"]

    _publish_with(
        users_app, editor, reviewer, lang, "served",
        f"Үлгі / образец:\n\n{image['markdown']}\n\n{document['markdown']}\n",
    )  # fmt: skip
    shown = operator.get(image["url"])
    assert shown.status_code == 200 and shown.data == png()
    assert shown.headers["Content-Type"] == "image/png"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert shown.headers["Cache-Control"] == "no-store"
    pdf = operator.get(document["url"])
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{document["name"]}"'
    page = operator.get(f"/{lang}/served").get_data(as_text=True)
    assert f'src="{image["url"]}"' in page and f'href="{document["url"]}"' in page

    # signed out: nothing is served
    assert users_app.test_client().get(image["url"]).status_code in (302, 401)


def test_unknown_and_malformed_names_are_not_found(login: Any) -> None:
    reviewer = login("reviewer")
    for url in (
        "/-/files/ru/served/../../ru/served.md",
        "/-/files/ru/served/x.png",
        "/-/files/ru/Bad_Slug/scheme-0123456789.png",
        "/-/files/xx/served/scheme-0123456789.png",
        "/-/files/ru/served/scheme-0123456789.exe",
    ):
        assert reviewer.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("lang", "words"), [("kk", "суреті мақалаға қосылмады"), ("ru", "не вошло в статью")]
)
def test_import_report_explains_a_left_out_image(users_app: Flask, lang: str, words: str) -> None:
    from editor.import_text import explain_import

    message = "image 'scheme.png' was left out of the article: The file is 3000000 bytes, ..."
    with users_app.test_request_context("/", headers={"Accept-Language": lang}):
        text, known = explain_import(message)
    assert known and words in text and "scheme.png" in text
