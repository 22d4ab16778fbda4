"""The article list's "select all" in chromium (editor/static/bulk.js), in kk and ru.

Ticking it ticks every article box of the page; unticking one box unticks it (half
ticked), and the bulk action then takes the ticked boxes only.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD
from tests.editor.test_editor_browser import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

LABELS = {
    "kk": "Осы беттегі сүзгіге сай барлық мақала",
    "ru": "Все подходящие статьи на этой странице",
}
BOXES = "input[type=checkbox][name=item][form=bulk]"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_select_all_ticks_the_boxes_and_one_untick_releases_it(
    demo_app: Flask,
    server: str,  # noqa: F811
    browser: Any,
    lang: str,
) -> None:
    context = browser.new_context(base_url=server, locale=f"{lang}-KZ")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/-/login")
        page.fill("#name", "editor")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/-/login" not in url)
        page.goto("/-/edit/")
        boxes = page.locator(BOXES)
        count = boxes.count()
        assert count >= 4
        select_all = page.get_by_label(LABELS[lang])
        assert f"({count})" in page.inner_text("label.select-all")

        select_all.check()
        assert page.evaluate(f"[...document.querySelectorAll('{BOXES}')].every(b => b.checked)")
        first = boxes.nth(0)
        first_item = first.get_attribute("value")
        first.uncheck()
        assert not select_all.is_checked()
        assert page.evaluate("document.querySelector('[data-select-all]').indeterminate")
        first.check()  # the last box ticked again: "all" again
        assert select_all.is_checked()
        assert not page.evaluate("document.querySelector('[data-select-all]').indeterminate")
        first.uncheck()

        # Submit what is ticked: every article of the page but the first.
        page.select_option("select[name=action]", "submit")
        page.click("form#bulk button[type=submit]")
        page.wait_for_selector(".bulk-results")
        rows = page.locator(".bulk-results tbody tr")
        assert rows.count() == count - 1
        articles = {rows.nth(i).get_attribute("data-article") for i in range(count - 1)}
        assert first_item not in articles

        # Unticking "all" unticks every box.
        page.goto("/-/edit/")
        page.get_by_label(LABELS[lang]).check()
        page.get_by_label(LABELS[lang]).uncheck()
        assert page.evaluate(f"[...document.querySelectorAll('{BOXES}')].every(b => !b.checked)")

        # Filtered by language: "all" ticks the matching versions only.
        page.goto(f"/-/edit/?lang={lang}")
        page.get_by_label(LABELS[lang]).check()
        ticked = page.evaluate(
            f"[...document.querySelectorAll('{BOXES}')].filter(b => b.checked).map(b => b.value)"
        )
        assert ticked and all(value.startswith(f"{lang}/") for value in ticked)
        assert page.locator(BOXES).count() > len(ticked)  # the other language's boxes stay
    finally:
        context.close()
