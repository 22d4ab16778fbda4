"""The course workspace's article picker: the project's own search, Kazakh and Russian,
published articles only, trainers only, clear errors in the user's language.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.browser.instance import demo_template
from tests.conftest import AuthActions
from tests.conftest import make_app

COURSE = "identity-documents"


@pytest.fixture(scope="module")
def capp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    home = tmp_path_factory.mktemp("picker-demo") / "instance"
    shutil.copytree(demo_template(tmp_path_factory), home, symlinks=True)
    app = make_app(home)
    yield app
    app.extensions["kb"].store.close()
    app.extensions["kb"].index.close()


def _client(capp: Flask, name: str, language: str = "en") -> FlaskClient:
    client = capp.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert AuthActions(client).login(name).status_code == 302
    return client


def _keys(client: FlaskClient, **args: str) -> list[str]:
    response = client.get("/-/courses/pick", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["key"] for r in response.get_json()["results"]]


def test_russian_and_kazakh_words_find_published_articles(capp: Flask) -> None:
    client = _client(capp, "trainer")
    assert _keys(client, q="паспорта", lang="ru")[0] == "ru/passport"  # a word form
    assert _keys(client, q="төлқұжаттың", lang="kk")[0] == "kk/passport"
    assert _keys(client, q="gfcgjhn", lang="ru")[0] == "ru/passport"  # the wrong layout
    both = _keys(client, q="ЭЦП")
    assert {k.split("/")[0] for k in both} == {"kk", "ru"}
    assert all(k.startswith("kk/") for k in _keys(client, q="ЭЦҚ", lang="kk"))
    result = client.get("/-/courses/pick?q=паспорт&lang=ru").get_json()["results"][0]
    assert set(result) == {"key", "lang", "title"} and result["title"]
    assert _keys(client, q="") == []


def test_only_published_articles_are_offered(capp: Flask) -> None:
    service = capp.extensions["kb"]
    published = {f"{a.lang}/{a.slug}" for a in service.store.list(line="published")}
    client = _client(capp, "trainer")
    for query in ("паспорт", "удостоверение", "ЖСН", "куәлік"):
        assert set(_keys(client, q=query)) <= published


def test_operators_may_not_use_the_picker(capp: Flask) -> None:
    client = _client(capp, "operator")
    assert client.get("/-/courses/pick?q=паспорт").status_code == 403


@pytest.mark.parametrize(
    ("language", "args", "expected"),
    [
        ("ru", {"q": "паспорт", "lang": "de"}, "Неизвестный язык"),
        ("kk", {"q": "паспорт", "lang": "de"}, "Белгісіз тіл"),
        ("ru", {"q": "п" * 300}, "не больше 200"),
        ("kk", {"q": "п" * 300}, "200"),
    ],
)
def test_bad_requests_are_explained_in_the_users_language(
    capp: Flask, language: str, args: dict[str, str], expected: str
) -> None:
    client = _client(capp, "trainer", language)
    response = client.get("/-/courses/pick", query_string=args)
    assert response.status_code == 400
    assert expected in response.get_json()["error"]["message"]


def test_workspace_offers_the_picker_and_refuses_unpicked_words(capp: Flask) -> None:
    client = _client(capp, "trainer", "ru")
    page = client.get(f"/-/courses/{COURSE}/edit").get_data(as_text=True)
    assert 'data-pick-url="/-/courses/pick"' in page and "picker.js" in page
    assert 'list="published-articles"' not in page  # the old list of every key is gone
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    revision = capp.extensions["kb"].course(COURSE).revision
    response = client.post(
        f"/-/courses/{COURSE}/edit",
        data={
            "csrf_token": token.group(1),
            "action": "add_article",
            "module": "documents",
            "revision": revision,
            "article": "замена паспорта",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "«замена паспорта» не опубликованная статья" in html
