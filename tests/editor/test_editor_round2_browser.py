"""Issue 15 in chromium: the sign-in language switch, the editor at office widths, at 200 %
zoom and on a phone, and the operator-script helper (kk and ru).

200 % zoom of a 1280×800 window is emulated as what the page then gets: a 640×400 CSS px
viewport at device pixel ratio 2 (Playwright cannot press Ctrl++).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD
from tests.editor.test_editor_browser import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

#: (name, width, height, device pixel ratio)
LAYOUTS = [
    ("1280 px", 1280, 800, 1),
    ("1440 px", 1440, 900, 1),
    ("200 % zoom", 640, 400, 2),
    ("390 px phone", 390, 844, 3),
]

#: Everything in <main> that a person types into or presses, checked against its column.
OVERFLOW_JS = """
() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const wide = [...document.querySelectorAll('body *')].filter(
      (el) => el.getBoundingClientRect().right > root.clientWidth + 1
        && !el.closest('table.grid, pre, .table-wrap'));
    problems.push('too wide: ' + wide.slice(-4).map(
      (el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id}`).join(', '));
  }
  const boxes = 'fieldset, .edit-fields, .edit-body, .edit-preview, .toolbar, form, section';
  for (const el of document.querySelectorAll('main input, main select, main textarea')) {
    if (el.type === 'hidden' || el.closest('table, details:not([open])')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width) continue;
    for (const box of [el.parentElement.closest(boxes), el.closest('.edit-layout > *')]) {
      if (!box) continue;
      const b = box.getBoundingClientRect();
      if (r.right > b.right + 1 || r.left < b.left - 1) {
        problems.push(`${el.name || el.id} [${Math.round(r.left)}, ${Math.round(r.right)}] `
                      + `outside its ${box.className || box.tagName} `
                      + `[${Math.round(b.left)}, ${Math.round(b.right)}]`);
      }
    }
    if (r.right > root.clientWidth + 1) problems.push(`${el.name || el.id} off screen`);
  }
  const fields = document.querySelector('.edit-fields');
  const text = document.querySelector('.edit-body');
  if (fields && text) {
    const f = fields.getBoundingClientRect(), t = text.getBoundingClientRect();
    const sideBySide = t.left >= f.left + 10;
    if (sideBySide && f.right > t.left + 1) problems.push('the fields run under the text column');
  }
  return problems;
}
"""


def _sign_in(page: Any, user: str) -> None:
    page.fill("#name", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/-/login" not in url)


@pytest.mark.parametrize(
    ("locale", "button", "sign_in_word", "search_word"),
    [("kk", "Қазақша", "Кіру", "Іздеу"), ("ru", "Русский", "Вход", "Поиск")],
)
def test_language_switch_on_the_sign_in_page(
    server: str,  # noqa: F811
    browser: Any,
    locale: str,
    button: str,
    sign_in_word: str,
    search_word: str,
) -> None:
    # The browser asks for the other language: the switch must win.
    other = "ru-RU" if locale == "kk" else "kk-KZ"
    context = browser.new_context(base_url=server, locale=other)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/-/edit/")  # bounced to the sign-in page with next=/-/edit/
        page.wait_for_url("**/-/login**")
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == locale
        assert sign_in_word in page.inner_text("h1")
        _sign_in(page, "editor")
        assert page.locator("html").get_attribute("lang") == locale
        assert "405" not in page.title() and search_word in page.inner_text("header")
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_editor_pages_fit_office_widths_zoom_and_phone(
    demo_app: Flask,
    server: str,  # noqa: F811
    browser: Any,
    locale: str,
) -> None:
    store = demo_app.extensions["kb"].store
    article = store.list(lang=locale)[0]
    pages = [
        f"/-/edit/{locale}/{article.slug}/edit",
        f"/-/edit/{locale}/{article.slug}",
        f"/-/edit/{locale}/{article.slug}/history",
        "/-/edit/",
        "/-/edit/import",
    ]
    context = browser.new_context(base_url=server, locale=f"{locale}-KZ")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/-/login")
        _sign_in(page, "editor")
        page.close()
        for name, width, height, ratio in LAYOUTS:
            sized = browser.new_page(
                base_url=server,
                viewport={"width": width, "height": height},
                device_scale_factor=ratio,
                storage_state=context.storage_state(),
                locale=f"{locale}-KZ",
            )
            try:
                for url in pages:
                    sized.goto(url)
                    assert sized.locator("html").get_attribute("lang") == locale
                    problems = sized.evaluate(OVERFLOW_JS)
                    assert not problems, f"{name}, {url}: {problems}"
                sized.goto(pages[0])
                # Every labelled field of the form can be seen whole and typed into.
                for field in ("#f-id", "#f-title", "#f-answer", "#f-keywords"):
                    box = sized.locator(field).bounding_box()
                    label = sized.locator(f"label[for={field[1:]}]").bounding_box()
                    assert box and label and box["width"] >= 150, (name, field, box)
                    assert box["x"] + box["width"] <= width + 1, (name, field)
            finally:
                sized.close()
    finally:
        context.close()


@pytest.mark.parametrize(
    ("locale", "title", "placeholder", "typed"),
    [
        (
            "kk",
            "Оператордың сөзі",
            "Оператор абонентке айтатын мәтін.",
            "Күте тұрыңыз, тексеремін.",
        ),
        ("ru", "Скрипт оператора", "Текст, который оператор произносит", "Оставайтесь на линии."),
    ],
)
def test_insert_script_replaces_its_placeholder_and_keeps_the_cursor_inside(
    demo_app: Flask,
    server: str,  # noqa: F811
    browser: Any,
    locale: str,
    title: str,
    placeholder: str,
    typed: str,
) -> None:
    store = demo_app.extensions["kb"].store
    article = store.list(lang=locale)[0]
    context = browser.new_context(base_url=server, locale=f"{locale}-KZ")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/-/login")
        _sign_in(page, "editor")
        page.goto(f"/-/edit/{locale}/{article.slug}/edit")
        body = page.locator("#f-body")
        body.focus()
        page.keyboard.press("Control+End")
        page.click("[data-insert-script]")
        page.keyboard.type(typed)
        value = body.input_value()
        assert f'!!! script "{title}"\n    {typed}\n' in value
        assert placeholder not in value
        # The cursor is still inside the block: the next line typed belongs to the script.
        page.keyboard.press("Enter")
        page.keyboard.type("    Рақмет.")
        assert f"    {typed}\n    Рақмет.\n" in body.input_value()
        page.wait_for_function(
            "t => [...document.querySelectorAll('#preview .admonition.script')]"
            ".some((el) => el.textContent.includes(t))",
            arg=typed,
        )
        # Text selected before pressing the button becomes the script.
        body.evaluate(
            "(el) => { el.value += '\\nАбонентке айтыңыз.'; "
            "el.selectionStart = el.value.length - 'Абонентке айтыңыз.'.length; "
            "el.selectionEnd = el.value.length; }"
        )
        page.click("[data-insert-script]")
        assert f'!!! script "{title}"\n    Абонентке айтыңыз.\n' in body.input_value()
    finally:
        context.close()
