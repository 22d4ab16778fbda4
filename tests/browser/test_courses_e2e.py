"""End to end in chromium: a trainer builds and publishes a course, an operator takes it,
and the trainer sees the result (live ``kb serve`` and chromium from ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytestmark = pytest.mark.browser


@contextmanager
def signed_in(
    browser: Any, live_server: Any, sign_in: Callable[[Any, str], None], role: str
) -> Iterator[Any]:
    """A page in its own context (own cookies) with the English interface, signed in."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in(page, role)
        yield page
    finally:
        context.close()


def test_trainer_builds_operator_takes_trainer_sees_result(
    browser: Any, live_server: Any, sign_in: Callable[[Any, str], None]
) -> None:
    from playwright.sync_api import expect

    with signed_in(browser, live_server, sign_in, "trainer") as page:
        _build_and_publish(page, expect)
    with signed_in(browser, live_server, sign_in, "operator") as page:
        _take(page, expect)
    with signed_in(browser, live_server, sign_in, "trainer") as page:
        page.goto("/-/courses/e2e-passport/results")
        row = page.locator("#by-operator tbody tr", has_text="operator")
        expect(row).to_contain_text("1 / 1")
        expect(row).to_contain_text("100%")
        expect(page.locator("#by-question")).to_contain_text("ru-fee")


def _build_and_publish(page: Any, expect: Any) -> None:
    page.goto("/-/courses/")
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Title in Kazakh").fill("Төлқұжат: жылдам курс")
    page.get_by_label("Title in Russian").fill("Паспорт: быстрый курс")
    page.get_by_label("Course id (latin letters, digits, hyphens)").fill("e2e-passport")
    page.get_by_role("button", name="Create course").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("e2e-passport")

    add_module = page.locator("form", has=page.locator("input[name=new_module]"))
    add_module.get_by_label("Module id (latin letters, digits, hyphens)").fill("basics")
    add_module.get_by_label("Title in Kazakh").fill("Негіздер")
    add_module.get_by_label("Title in Russian").fill("Основы")
    add_module.get_by_role("button", name="Add module").click()
    module = page.locator("#m-basics")
    expect(module).to_be_visible()

    module.get_by_label("Published article").fill("ru/passport")
    module.get_by_role("button", name="Add article").click()
    module = page.locator("#m-basics")
    expect(module.locator("ol.items")).to_contain_text("ru/passport")

    question = page.locator("#m-basics form", has=page.locator("input[name=qid]"))
    question.get_by_label("Question id").fill("ru-fee")
    question.get_by_label("Article that answers it").fill("ru/passport")
    question.get_by_label("Question", exact=True).fill("Госпошлина за паспорт?")
    question.get_by_label("Options, one a line (multiple choice)").fill("4 МРП\n0,2 МРП")
    question.get_by_label("Right answers, one a line").fill("4 МРП")
    question.get_by_label("Explanation shown after answering").fill("Паспорт — 4 МРП.")
    question.get_by_role("button", name="Add question").click()
    expect(page.locator("#m-basics")).to_contain_text("Госпошлина за паспорт?")

    page.get_by_role("button", name="Publish course").click()
    expect(page.locator(".flash")).to_contain_text("Course published.")


def _take(page: Any, expect: Any) -> None:
    page.goto("/-/courses/")
    # The English interface shows the course's first language (Kazakh) title.
    page.get_by_role("link", name="Төлқұжат: жылдам курс").click()
    page.get_by_role("link", name="RU").click()
    page.get_by_role("link", name="Основы").click()
    expect(page.locator(".article-text")).to_contain_text("ЦОН")
    page.get_by_label("4 МРП").check()
    page.get_by_role("button", name="Check answers").click()
    expect(page.locator(".flash")).to_contain_text("1 of 1 answers are right.")
    expect(page.locator("#q-ru-fee")).to_contain_text("Right")
    expect(page.locator("#q-ru-fee .explanation")).to_have_text("Паспорт — 4 МРП.")
