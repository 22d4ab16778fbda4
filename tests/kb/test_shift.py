"""The operator's home for the shift and the screen's new inputs, through the Flask client:
caller's language, long pastes, weak matches in the gap queue, pins, favourites, recently
viewed, what changed with read marks, important flags and confirmations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.browser.instance import close_app
from tests.browser.instance import demo_app
from tests.conftest import AuthActions


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A private copy of the demo instance per test (these tests write)."""
    app = demo_app(tmp_path_factory, "shift")
    yield app
    close_app(app)


def signed_in(app: Flask, name: str) -> FlaskClient:
    """A client signed in as ``name`` (the demo instance's users of tests.conftest)."""
    client = app.test_client()
    assert AuthActions(client).login(name).status_code == 302
    return client


def token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of a page."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found
    return found.group(1)


def result_urls(page: str) -> list[str]:
    """The ``data-url`` of each result, in order."""
    return re.findall(r'<li class="result[^"]*"[^>]*data-url="([^"?]+)', page)


def test_the_callers_language_is_remembered_for_the_user(demo: Flask) -> None:
    client = signed_in(demo, "operator")
    assert (
        result_urls(client.get("/-/results?q=паспорт").get_data(as_text=True))[0] == "/ru/passport"
    )
    answer = client.post(
        "/-/shift/caller-lang",
        json={"lang": "kk"},
        headers={"X-CSRFToken": token(client), "X-Requested-With": "fetch"},
    )
    assert answer.status_code == 200 and answer.get_json() == {"caller_lang": "kk"}
    # Remembered across sessions: a new sign-in, no parameter.
    again = signed_in(demo, "operator")
    page = again.get("/?q=паспорт").get_data(as_text=True)
    assert result_urls(page)[0] == "/kk/passport"
    assert re.search(r'<option value="kk" selected>', page)
    # The other version is one key away (Alt+T reads data-other-url).
    assert 'data-other-url="/ru/passport?q=' in page
    bad = again.post(
        "/-/shift/caller-lang",
        json={"lang": "de"},
        headers={"X-CSRFToken": token(again), "X-Requested-With": "fetch"},
    )
    assert bad.status_code == 400
    assert "kk, ru" in bad.get_json()["error"]["message"]


def test_long_text_gets_a_clear_message_or_results(demo: Flask) -> None:
    client = signed_in(demo, "operator")
    long_text = "паспорт " * 130  # 1,040 characters
    api = client.get("/api/search", query_string={"q": long_text})
    assert api.status_code == 400 and api.is_json
    assert api.get_json()["error"]["param"] == "q"
    page = client.get("/", query_string={"q": long_text}, headers={"Accept-Language": "ru"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Текст слишком длинный" in text and "characters long" not in text
    # 990 characters of a pasted message: searched by their informative words.
    paste = (
        "Здравствуйте, у меня закончился срок паспорта, а через месяц поездка за границу, "
        "подскажите где оформить новый паспорт и сколько стоит госпошлина. "
    ) * 6
    ok = client.get("/api/search", query_string={"q": paste[:990]})
    assert ok.status_code == 200
    assert ok.get_json()["results"][0]["url"] == "/ru/passport"


def test_a_weak_final_search_reaches_the_gap_queue(demo: Flask) -> None:
    client = signed_in(demo, "operator")
    page = client.get("/?q=qwxzy ничего такого нет").get_data(as_text=True)
    assert 'class="weak-notice"' in page and "Только слабые совпадения" in page
    api = client.get("/api/search", query_string={"q": "ипотека для молодой семьи"}).get_json()
    assert api["weak"] is True or api["results"] == []
    editor = signed_in(demo, "editor")
    queue = editor.get("/-/gaps").get_data(as_text=True)
    row = queue[queue.index("qwxzy ничего такого нет") :]
    row = row[: row.index("</tr>")]
    assert re.findall(r"<td>(\d+)</td>", row)[:3] == ["0", "0", "1"]  # reports, no result, weak
    # An answered question is not a gap.
    client.get("/?q=паспорт")
    assert "?q=паспорт" not in editor.get("/-/gaps").get_data(as_text=True)


def test_pins_favourites_and_recently_viewed(demo: Flask) -> None:
    operator = signed_in(demo, "operator")
    assert (
        operator.post(
            "/-/shift/pin", data={"csrf_token": token(operator), "article_id": "passport"}
        ).status_code
        == 403
    )
    editor = signed_in(demo, "editor")
    assert (
        editor.post(
            "/-/shift/pin", data={"csrf_token": token(editor), "article_id": "eds-get-renew"}
        ).status_code
        == 302
    )
    operator.post("/-/shift/favourite", data={"csrf_token": token(operator), "article_id": "iin"})
    operator.get("/kk/marriage-registration")
    home = operator.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    pinned = home[home.index('id="pinned-title"') : home.index('id="favourites-title"')]
    assert 'href="/ru/eds-get-renew"' in pinned
    favourites = home[home.index('id="favourites-title"') : home.index('id="recent-title"')]
    assert 'href="/ru/iin"' in favourites
    recent = home[home.index('id="recent-title"') :]
    assert 'href="/ru/marriage-registration"' in recent  # shown in the screen's language
    article = operator.get("/ru/iin").get_data(as_text=True)
    assert 'aria-pressed="true"' in article
    bad = operator.post(
        "/-/shift/favourite", data={"csrf_token": token(operator), "article_id": "nope"}
    )
    assert bad.status_code == 400


def test_what_changed_read_marks_and_important_confirmations(demo: Flask) -> None:
    operator = signed_in(demo, "operator")
    home = operator.get("/").get_data(as_text=True)
    changes = home[home.index('id="changes-title"') : home.index('id="pinned-title"')]
    # The demo was published just now: every article changed since the last shift.
    assert changes.count('class="shift-item') >= 10
    match = re.search(
        r'name="path" value="([^"]+)">\s*<input type="hidden" name="version" value="([^"]+)"',
        changes,
    )
    assert match
    path, version = match.groups()
    operator.post(
        "/-/shift/read", data={"csrf_token": token(operator), "path": path, "version": version}
    )
    home = operator.get("/").get_data(as_text=True)
    assert re.search(rf'class="shift-item read"[^>]*>\s*<a href="/{path}"', home)

    editor = signed_in(demo, "editor")
    editor.post(
        "/-/shift/flag",
        data={"csrf_token": token(editor), "article_id": "tax-debt", "note": "с 1 января"},
    )
    home = operator.get("/").get_data(as_text=True)
    assert "с 1 января" in home
    flag_id = re.search(r'name="flag_id" value="(\d+)"', home)
    assert flag_id
    flags = editor.get("/-/shift/flags").get_data(as_text=True)
    assert "Operator" in flags[flags.index('class="missing"') :]
    operator.post(
        "/-/shift/confirm", data={"csrf_token": token(operator), "flag_id": flag_id.group(1)}
    )
    flags = editor.get("/-/shift/flags").get_data(as_text=True)
    confirmed = flags[flags.index('class="confirmed"') : flags.index('class="missing"')]
    assert "Operator" in confirmed
    assert 'name="flag_id"' not in operator.get("/ru/tax-debt").get_data(as_text=True)
    assert operator.get("/-/shift/flags").status_code == 403


def test_the_favicon_is_declared_and_served(demo: Flask) -> None:
    client = signed_in(demo, "operator")
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.ico"' in page
    with client.get("/static/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
