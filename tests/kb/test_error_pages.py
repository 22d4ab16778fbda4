"""Error pages and JSON errors speak the reader's language: kk and ru, never English.

The 409 of a write based on a stale revision is produced for real: a trainer's course
change posted with the revision the page was opened at, after another change moved the
course (kb/errors.py maps the store's :class:`~articles.errors.RevisionConflict`).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask import abort
from flask.testing import FlaskClient

from tests.conftest import AuthActions

#: Words of the translated 409 sentence, per language.
CHANGED = {
    "kk": "басқа біреу өзгертті, сондықтан ештеңе сақталмады",
    "ru": "изменил кто-то другой после того, как вы его открыли, поэтому ничего не сохранено",
}
#: The store's English sentence, which used to be shown as it was.
ENGLISH_CONFLICT = "was changed by someone else"
#: The fallback for a status without a sentence of its own.
UNSERVED = {
    "kk": "Бұл сұрауды орындау мүмкін болмады (HTTP 410)",
    "ru": "Этот запрос не удалось выполнить (HTTP 410)",
}


def _token(client: FlaskClient) -> str:
    page = client.get("/-/courses/").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)


def _alert(page: str) -> str:
    """The text of the error page's message."""
    match = re.search(r'<p class="flash error" role="alert">(.*?)</p>', page, re.S)
    assert match, page[:1500]
    return html.unescape(match.group(1)).strip()


def _latin_words(text: str, *allowed: str) -> list[str]:
    """Words in Latin letters (3+), but the allowed ones (a file path, HTTP)."""
    for word in allowed:
        text = text.replace(word, "")
    return re.findall(r"[A-Za-z]{3,}", text)


def _stale_course_change(app: Flask, client: FlaskClient, auth: AuthActions, lang: str) -> Any:
    """Create a course, change it, then post a change based on the first revision."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert auth.login("trainer").status_code == 302
    token = _token(client)
    created = client.post(
        "/-/courses/new",
        data={
            "csrf_token": token,
            "id": "stale",
            "title_kk": "Төлқұжат курсы",
            "title_ru": "Курс о паспорте",
            "languages": ["kk", "ru"],
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:1500]
    first = app.extensions["kb"].course("stale").revision
    step = {
        "csrf_token": token,
        "action": "add_module",
        "mtitle_kk": "Бөлім",
        "mtitle_ru": "Раздел",
    }
    moved = client.post(
        "/-/courses/stale/edit", data={**step, "revision": first, "new_module": "one"}
    )
    assert moved.status_code == 302, moved.get_data(as_text=True)[:1500]
    return lambda **kwargs: client.post(
        "/-/courses/stale/edit",
        data={**step, "revision": first, "new_module": "two"},
        **kwargs,
    )


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_conflict_page_is_in_the_readers_language(
    app: Flask, client: FlaskClient, auth: AuthActions, lang: str
) -> None:
    stale = _stale_course_change(app, client, auth, lang)
    response = stale()
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    message = _alert(page)
    assert CHANGED[lang] in message
    assert "courses/stale.yaml" in message  # which file moved
    assert ENGLISH_CONFLICT not in page and "compare your text" not in page
    assert _latin_words(message, "courses/stale.yaml") == []
    # nothing of the refused change was saved
    modules = [m.id for m in app.extensions["kb"].course("stale").modules]
    assert modules == ["one"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_conflict_json_is_in_the_readers_language(
    app: Flask, client: FlaskClient, auth: AuthActions, lang: str
) -> None:
    stale = _stale_course_change(app, client, auth, lang)
    response = stale(headers={"Accept": "application/json"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["status"] == 409 and error["code"] == "conflict"
    assert CHANGED[lang] in error["message"]
    assert _latin_words(error["message"], "courses/stale.yaml") == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_other_error_pages_have_no_english(
    app: Flask, client: FlaskClient, auth: AuthActions, lang: str
) -> None:
    # a status the handler has no sentence for: werkzeug's English description stays out
    app.add_url_rule("/-/gone-for-test", "gone_for_test", lambda: abort(410))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert auth.login("editor").status_code == 302
    gone = client.get("/-/gone-for-test")
    assert gone.status_code == 410
    message = _alert(gone.get_data(as_text=True))
    assert UNSERVED[lang] in message
    assert _latin_words(message, "HTTP") == []
    assert "no longer available" not in gone.get_data(as_text=True)
    for url, status in (("/-/edit/ru/no-such-article", 404), ("/-/no-such-page", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert _latin_words(_alert(response.get_data(as_text=True))) == [], url
    # a form without its CSRF token
    refused = client.post("/-/edit/new", data={"slug": "x"})
    assert refused.status_code == 400
    assert _latin_words(_alert(refused.get_data(as_text=True))) == []
