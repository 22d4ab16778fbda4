"""The operator's screen in a real browser: typing, keys, copy, feedback, languages, roles."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SignIn = Callable[[Any, str], None]


def _type_and_wait(page: Any, text: str) -> Any:
    """Type like an operator (key by key) and wait for the results of the whole text."""
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially(text, delay=15)
    page.wait_for_function(
        "q => { const w = document.querySelector('.results-wrap');"
        " return w && w.dataset.query === q; }",
        arg=text,
    )
    return page.locator("li.result")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("паспрот", "/ru/passport"),  # Russian with a typo
        ("удостоверение личнсти", "/ru/id-card-replacement"),  # Russian with a typo
        ("gfcgjhn", "/ru/passport"),  # паспорт typed in the Latin layout
        ("тулкужат", "/kk/passport"),  # төлқұжат without Kazakh letters
        ("салык", "/kk/tax-debt"),  # салық without Kazakh letters
    ],
)
def test_typing_puts_the_right_article_first(
    page: Any, sign_in: SignIn, query: str, expected: str
) -> None:
    sign_in(page, "operator")
    assert page.evaluate("document.activeElement.id") == "q"  # focused on load
    results = _type_and_wait(page, query)
    assert results.count() > 0, f"{query!r} found nothing"
    assert results.first.get_attribute("data-url").split("?")[0] == expected
    assert "selected" in (results.first.get_attribute("class") or "")
    assert page.locator("#result-status").inner_text().strip() != ""


def test_keyboard_moves_opens_and_comes_back(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "operator")
    results = _type_and_wait(page, "паспорт")
    second_url = results.nth(1).get_attribute("data-url")
    page.keyboard.press("ArrowDown")
    assert "selected" in (results.nth(1).get_attribute("class") or "")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{second_url}")
    assert page.locator("#answer-text").is_visible()
    page.keyboard.press("/")  # back to the search box, query kept
    page.wait_for_url(lambda url: "/?q=" in url)
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.locator("#q").input_value() == "паспорт"
    page.keyboard.press("Escape")
    assert page.locator("#q").input_value() == ""
    page.wait_for_function("document.querySelectorAll('li.result').length === 0")


def test_copy_the_selected_answer_and_the_article(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "operator")
    results = _type_and_wait(page, "паспорт")
    answer = results.first.get_attribute("data-answer")
    page.keyboard.press("Alt+c")
    page.wait_for_function("() => window.kbLastCopied !== undefined")
    assert page.evaluate("navigator.clipboard.readText()") == answer
    page.goto("/ru/passport")
    page.keyboard.press("Alt+e")
    page.wait_for_function("() => window.kbLastCopied && window.kbLastCopied.includes('ЦОН')")
    mail = page.evaluate("navigator.clipboard.readText()")
    assert mail.startswith("Паспорт гражданина Республики Казахстан\n\n")
    page.locator(".admonition.script .script-copy").click()
    page.wait_for_function("() => window.kbLastCopied.startsWith('Паспорт оформляется')")
    assert "Ответ абоненту" not in page.evaluate("navigator.clipboard.readText()")


def test_feedback_from_the_article_reaches_the_gap_queue(
    page: Any, sign_in: SignIn, live_server: LiveServer
) -> None:
    sign_in(page, "operator")
    page.goto("/kk/passport?q=шетелдік")
    page.locator(".feedback-box summary").click()
    page.fill("#gap-comment", "Жедел рәсімдеу мерзімі жоқ")
    page.locator(".feedback-box form.feedback-form button[type=submit]").click()
    page.wait_for_selector(".feedback-done")
    assert page.url.endswith("/kk/passport?q=%D1%88%D0%B5%D1%82%D0%B5%D0%BB%D0%B4%D1%96%D0%BA")
    with sqlite3.connect(live_server.home / "kb.sqlite3") as db:
        row = db.execute(
            "SELECT actor, kind, article, query, comment FROM feedback ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert row == ("operator", "gap", "kk/passport", "шетелдік", "Жедел рәсімдеу мерзімі жоқ")
    page.context.clear_cookies()
    sign_in(page, "editor")
    page.goto("/-/gaps")
    assert "Жедел рәсімдеу мерзімі жоқ" in page.locator("table.gaps").inner_text()


def test_answered_button_on_a_result(page: Any, sign_in: SignIn, live_server: LiveServer) -> None:
    sign_in(page, "operator")
    results = _type_and_wait(page, "ЖСН")
    results.first.locator("details.card-feedback summary").click()  # one control per card
    results.first.locator("button[value=answered]").click()
    page.wait_for_selector("li.result .feedback-done")
    with sqlite3.connect(live_server.home / "kb.sqlite3") as db:
        kind, query = db.execute(
            "SELECT kind, query FROM feedback ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (kind, query) == ("answered", "ЖСН")


def test_translation_switch(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "operator")
    page.goto("/ru/passport")
    page.keyboard.press("Alt+t")
    page.wait_for_url("**/kk/passport")
    assert "төлқұжат" in page.locator("#answer-text").inner_text()
    page.locator("a.switch-lang").first.click()
    page.wait_for_url("**/ru/passport")


def test_an_operator_cannot_reach_the_editor(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "operator")
    for url in ("/-/edit/", "/-/gaps"):
        response = page.goto(url)
        assert response.status == 403
        assert page.locator("p.flash.error").is_visible()
    page.goto("/")
    assert page.locator("nav a[href='/-/edit/']").count() == 0
