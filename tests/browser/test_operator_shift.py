"""The operator's screen, round 2, in a real browser (issue 14), in both languages:
the caller's language, acronyms, long pastes, weak matches, cards at 1366×768 and 200 %
zoom, favicon and patterns, and the home for the shift.

The live server is shared by the session: what a test changes for a user (caller's
language, interface language, flags) it puts back.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SignIn = Callable[[Any, str], None]


def _type_and_wait(page: Any, text: str) -> Any:
    """Type key by key and wait for the results of the whole text."""
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially(text, delay=10)
    page.wait_for_function(
        "q => { const w = document.querySelector('.results-wrap');"
        " return w && w.dataset.query === q; }",
        arg=text,
    )
    return page.locator("li.result")


def _post(page: Any, url: str, body: dict[str, str]) -> int:
    """POST JSON from the page (its session and CSRF token); returns the status."""
    return int(
        page.evaluate(
            """([url, body]) => fetch(url, {method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-Requested-With': 'fetch',
                'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
                body: JSON.stringify(body)}).then(r => r.status)""",
            [url, body],
        )
    )


@contextmanager
def interface(page: Any, locale: str) -> Iterator[None]:
    """Use the interface in ``locale`` (remembered for the user), then back to Russian."""
    page.goto("/")
    page.locator(f"header form.lang button[value={locale}]").click()
    page.wait_for_load_state()
    try:
        yield
    finally:
        page.goto("/")
        page.locator("header form.lang button[value=ru]").click()
        page.wait_for_load_state()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ецп", "/ru/eds-get-renew"),  # Е for Э, lower case: a Russian acronym
        ("ECP", "/ru/eds-get-renew"),  # Latin letters
        ("ХКО", "/kk/"),  # ХҚКО with Қ left out: Kazakh
        ("ЖСН", "/kk/iin"),  # a Kazakh acronym: the Kazakh version first
        ("несудимасти", "/ru/criminal-record-certificate"),  # a Russian typo
    ],
)
def test_acronyms_and_the_querys_own_language(
    page: Any, sign_in: SignIn, query: str, expected: str
) -> None:
    sign_in(page, "operator")
    results = _type_and_wait(page, query)
    assert results.count() > 0, f"{query!r} found nothing"
    assert results.first.get_attribute("data-url").split("?")[0].startswith(expected)


def test_the_callers_language_is_set_once_and_kept(page: Any, sign_in: SignIn) -> None:
    sign_in(page, "operator")
    try:
        assert (
            _type_and_wait(page, "паспорт")
            .first.get_attribute("data-url")
            .startswith("/ru/passport")
        )
        page.keyboard.press("Alt+l")  # automatic → RU
        page.keyboard.press("Alt+l")  # RU → KK
        page.wait_for_function("() => document.querySelector('#prefer').value === 'kk'")
        page.wait_for_function(
            "() => document.querySelector('li.result').dataset.url.startsWith('/kk/passport')"
        )
        page.keyboard.press("Enter")  # opens kk/passport
        page.wait_for_url("**/kk/passport?*")
        page.keyboard.press("/")
        page.wait_for_url(lambda url: "/?q=" in url)
        assert page.locator("#prefer").input_value() == "kk"  # kept after Enter and /
        first = page.locator("li.result").first
        assert first.get_attribute("data-url").startswith("/kk/passport")
        page.keyboard.press("Alt+t")  # the other language's version, one key
        page.wait_for_url("**/ru/passport?*")
        page.context.clear_cookies()
        sign_in(page, "operator")  # a new session remembers it
        assert page.locator("#prefer").input_value() == "kk"
    finally:
        assert _post(page, "/-/shift/caller-lang", {"lang": ""}) == 200


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_long_paste_and_weak_matches(
    page: Any, sign_in: SignIn, live_server: Any, locale: str
) -> None:
    sign_in(page, "operator")
    with interface(page, locale):
        paste = "Здравствуйте, у меня закончился срок паспорта, где оформить новый? " * 18
        page.evaluate("text => navigator.clipboard.writeText(text)", paste)
        page.locator("#q").focus()
        page.keyboard.press("Control+v")
        note = page.locator("#paste-note")
        note.wait_for(state="visible")
        expected = "Во вставленном тексте" if locale == "ru" else "Қойылған мәтінде"
        assert expected in note.inner_text() and str(len(paste)) in note.inner_text()
        page.wait_for_selector("li.result")
        assert page.locator("li.result").first.get_attribute("data-url").startswith("/ru/passport")
        # The API answers JSON 400 past 1,000 characters, never the server's HTML 414.
        response = page.request.get(f"{live_server.url}/api/search", params={"q": "ж" * 1001})
        assert response.status == 400 and response.json()["error"]["param"] == "q"
        question = "Қытайға виза қанша тұрады" if locale == "kk" else "qwxzy ничего такого нет"
        results = _type_and_wait(page, question)
        if results.count():
            notice = page.locator(".weak-notice")
            assert notice.is_visible()
            word = "слабые" if locale == "ru" else "әлсіз"
            assert word in notice.inner_text()


@pytest.mark.parametrize(("query", "lang"), [("регистрация", "ru"), ("тіркеу", "kk")])
def test_cards_at_1366x768_and_the_answer_at_200_percent(
    browser: Any, live_server: Any, sign_in: SignIn, query: str, lang: str
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        sign_in(page, "operator")
        results = _type_and_wait(page, query)
        assert results.count() >= 5
        visible = page.evaluate(
            "() => [...document.querySelectorAll('li.result')]"
            ".filter(li => li.getBoundingClientRect().bottom <= window.innerHeight).length"
        )
        assert visible >= 5, f"{visible} results on the first screen"
        first = results.first
        assert first.locator("details.card-feedback").count() == 1
        assert first.locator("button[value=answered]").is_hidden()  # one compact control
        assert first.locator(".card-answer").is_visible()
        assert first.locator(".badge.verified").is_visible()
    finally:
        context.close()
    # 200 % zoom of 1366×768 is a 683×384 CSS-pixel viewport at device scale 2.
    zoomed = browser.new_context(
        base_url=live_server.url, viewport={"width": 683, "height": 384}, device_scale_factor=2
    )
    try:
        page = zoomed.new_page()
        sign_in(page, "operator")
        page.goto(f"/{lang}/passport")
        box = page.locator(".answer-card").bounding_box()
        assert box is not None and box["y"] < 384, box
        assert page.locator("#answer-text").bounding_box()["y"] < 384
    finally:
        zoomed.close()


def test_no_favicon_404_and_valid_patterns(page: Any, sign_in: SignIn) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, "admin")
    for url in ("/", "/-/edit/new", "/-/admin/users", "/-/courses/new"):
        page.goto(url)
        bad = page.evaluate(
            "() => [...document.querySelectorAll('input[pattern]')].map(i => i.pattern)"
            ".filter(p => { try { new RegExp(p, 'v'); return false; } catch (e) { return true; } })"
        )
        assert bad == [], f"{url}: {bad}"
    assert not [u for u in missing if "favicon" in u]
    assert not [e for e in errors if "pattern" in e]


def test_home_for_the_shift(page: Any, sign_in: SignIn) -> None:
    # An editor pins one article and flags another as important.
    sign_in(page, "editor")
    page.goto("/ru/egov-account")
    page.locator("#pin").click()
    page.wait_for_load_state()
    page.goto("/ru/tax-debt")
    page.fill("#flag-note", "с 1 января")
    page.locator("#flag").click()
    page.wait_for_load_state()
    try:
        page.context.clear_cookies()
        sign_in(page, "operator")
        with interface(page, "kk"):
            home = page.locator("#shift-home")
            assert "Өткен ауысымнан бері не өзгерді" in home.inner_text()
            assert home.locator(".pinned a[href='/kk/egov-account']").count() == 1
            # Favourite by one key on an article; recently viewed follows.
            page.goto("/kk/marriage-registration")
            page.keyboard.press("Alt+f")
            page.wait_for_function(
                "() => document.querySelector('#favourite').getAttribute('aria-pressed') === 'true'"
            )
            page.goto("/")
            assert home.locator(".favourites a[href='/kk/marriage-registration']").count() == 1
            assert home.locator(".recent a[href='/kk/marriage-registration']").count() == 1
            # Typing hides the home, Esc brings it back; ↓ from the empty box enters it.
            _type_and_wait(page, "төлқұжат")
            assert home.is_hidden()
            page.keyboard.press("Escape")
            page.wait_for_function("() => !document.querySelector('#shift-home').hidden")
            page.keyboard.press("ArrowDown")
            assert page.evaluate("document.activeElement.closest('#shift-home') !== null")
            # The important article must be confirmed; a changed one marked read.
            important = home.locator(".shift-item.important", has_text="с 1 января")
            important.locator("button.confirm").click()
            page.wait_for_load_state()
            assert home.locator(".shift-item.important").count() == 0
            # What changed since the previous sign-in (empty when nothing was published
            # since: read marks are covered by tests/kb/test_shift.py).
            unread = home.locator(".changes button.mark-read")
            if unread.count():
                before = home.locator(".changes .badge.ok").count()
                unread.first.click()
                page.wait_for_load_state()
                assert home.locator(".changes .badge.ok").count() == before + 1
            page.goto("/kk/marriage-registration")
            page.keyboard.press("Alt+f")  # and out of the favourites again
            page.wait_for_function(
                "() => document.querySelector('#favourite')"
                ".getAttribute('aria-pressed') === 'false'"
            )
        page.context.clear_cookies()
        sign_in(page, "editor")
        page.goto("/-/shift/flags")
        assert "operator" in page.locator("td.confirmed").first.inner_text().lower()
    finally:
        page.context.clear_cookies()
        sign_in(page, "editor")
        page.goto("/ru/tax-debt")
        if page.locator("#unflag").count():
            page.locator("#unflag").click()
            page.wait_for_load_state()
        page.goto("/ru/egov-account")
        page.locator("#pin").click()
        page.wait_for_load_state()
