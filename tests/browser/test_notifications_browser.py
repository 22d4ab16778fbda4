"""Notifications, the inbox and the article list's filters and bulk actions in Chromium
(issue 15), with the interface in Kazakh and in Russian.

The live server is shared by the session: each test makes its own articles (slugs with a
suffix of its own) and puts the users' interface language back to Russian.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SignIn = Callable[[Any, str], None]


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


def _new_page(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.set_default_timeout(15_000)
    return context.new_page()


def _write(page: Any, lang: str, slug: str, title: str, *, then: str = "view") -> None:
    """Create an article through the editor's form (``then``: view or submit)."""
    page.goto(f"/-/edit/new?lang={lang}")
    page.fill("#f-slug", slug)
    page.fill("#f-id", slug)
    page.fill("#f-title", title)
    page.fill("#f-body", "Мәтін / текст.\n")
    page.locator(f"button[name=then][value={then}]").click()
    page.wait_for_url(re.compile(rf"/-/edit/{lang}/{slug}$"))


def _unread(page: Any) -> int:
    badge = page.locator("header .inbox-link .unread-count")
    return int(badge.inner_text()) if badge.count() else 0


def test_inbox_in_kazakh_and_russian(
    page: Any, browser: Any, live_server: Any, sign_in: SignIn
) -> None:
    suffix = uuid.uuid4().hex[:8]
    slug = f"inbox-{suffix}"
    sign_in(page, "editor")
    reviewer = _new_page(browser, live_server)
    try:
        sign_in(reviewer, "reviewer")
        reviewer.goto("/-/inbox/")
        before = _unread(reviewer)
        with interface(page, "kk"):
            # The owner field is labelled in Kazakh and starts as the author.
            page.goto("/-/edit/new?lang=kk")
            assert page.locator("label[for=f-owner]").inner_text() == (
                "Иесі (мақаланың өзектілігіне жауапты)"
            )
            assert page.locator("#f-owner").input_value() == "editor"
            _write(page, "kk", slug, "Хабарлама сынағы", then="submit")
        # The reviewer, in Russian: the header counts one more, the inbox says it in Russian.
        reviewer.goto("/")
        assert _unread(reviewer) == before + 1
        assert reviewer.locator("header .inbox-link").inner_text().startswith("Входящие")
        reviewer.locator("header .inbox-link").click()
        item = reviewer.locator(f"li.note[data-article='kk/{slug}']")
        assert item.get_attribute("class") == "note unread"
        assert item.locator("form.open button").inner_text() == (
            "editor отправил(а) на проверку «Хабарлама сынағы»."
        )
        assert item.locator(".badge").inner_text() == "Ждёт проверки"
        # Opening it goes to the article and marks it read.
        item.locator("form.open button").click()
        reviewer.wait_for_url(re.compile(rf"/-/edit/kk/{slug}$"))
        assert _unread(reviewer) == before
        assert reviewer.locator("dd.owner").inner_text() == "editor"
        # The reviewer approves in Kazakh; the author reads it in Kazakh in their inbox.
        with interface(reviewer, "kk"):
            reviewer.goto(f"/-/edit/kk/{slug}")
            reviewer.locator("form[action$='/approve'] button[type=submit]").click()
            reviewer.wait_for_load_state()
        with interface(page, "kk"):
            page.goto("/-/inbox/")
            assert page.locator("h1").inner_text() == "Хабарламалар"
            mine = page.locator(f"li.note[data-article='kk/{slug}']")
            assert mine.locator("form.open button").inner_text() == (
                "reviewer «Хабарлама сынағы» мақаласын бекітті."
            )
            mine.locator("form.mark button").click()
            page.wait_for_url(re.compile(r"/-/inbox/$"))
            assert (
                page.locator(f"li.note[data-article='kk/{slug}']").get_attribute("class")
                == "note read"
            )
            assert (
                page.locator(f"li.note[data-article='kk/{slug}'] form.mark button").inner_text()
                == "Оқылмаған деп белгілеу"
            )
    finally:
        reviewer.context.close()


def test_filters_and_bulk_actions_in_kazakh_and_russian(
    page: Any, browser: Any, live_server: Any, sign_in: SignIn
) -> None:
    suffix = uuid.uuid4().hex[:8]
    mine = [f"bulk-a-{suffix}", f"bulk-b-{suffix}"]
    sign_in(page, "editor")
    reviewer = _new_page(browser, live_server)
    try:
        sign_in(reviewer, "reviewer")
        theirs = f"bulk-r-{suffix}"
        _write(reviewer, "ru", theirs, "Черновик рецензента")
        with interface(page, "kk"):
            for slug in mine:
                _write(page, "kk", slug, f"Топтық {slug[-12:]}")
            page.goto(f"/-/edit/?q={suffix}")
            page.get_by_label("Менің жобаларым").check()
            page.get_by_role("button", name="Сүзу").click()
            page.wait_for_load_state()
            listed = page.locator("input[name=item]").evaluate_all("els => els.map(e => e.value)")
            assert listed == [f"kk/{s}" for s in mine]  # not the reviewer's draft
            # Tick both, and the reviewer's draft by its value: submitted for review.
            for slug in mine:
                page.locator(f"input[name=item][value='kk/{slug}']").check()
            page.select_option("select[name=action]", "submit")
            page.get_by_role("button", name="Орындау").click()
            page.wait_for_url(re.compile(r"/-/edit/bulk$"))
            assert page.locator(".bulk-summary").inner_text() == (
                "2 мақаланың 2 мақаласы үшін орындалды."
            )
            assert page.locator("tr.ok").count() == 2
            # Editors are not offered approving.
            page.goto("/-/edit/")
            assert page.locator("select[name=action] option[value=approve]").count() == 0
        with interface(reviewer, "ru"):
            reviewer.goto(f"/-/edit/?q={suffix}")
            reviewer.get_by_label("Ждут моей проверки").check()
            reviewer.get_by_role("button", name="Отфильтровать").click()
            reviewer.wait_for_load_state()
            listed = reviewer.locator("input[name=item]").evaluate_all(
                "els => els.map(e => e.value)"
            )
            assert listed == [f"kk/{s}" for s in mine]
            reviewer.goto(f"/-/edit/?q={suffix}")
            for value in [f"kk/{mine[0]}", f"ru/{theirs}"]:
                reviewer.locator(f"input[name=item][value='{value}']").check()
            reviewer.select_option("select[name=action]", "approve")
            reviewer.get_by_role("button", name="Выполнить").click()
            reviewer.wait_for_url(re.compile(r"/-/edit/bulk$"))
            assert reviewer.locator(".bulk-summary").inner_text() == "Выполнено для 1 из 2 статей."
            assert reviewer.locator(f"tr.ok[data-article='kk/{mine[0]}']").count() == 1
            refused = reviewer.locator(f"tr.refused[data-article='ru/{theirs}']").inner_text()
            assert "Утвердить или отклонить можно только статью, ожидающую проверки." in refused
    finally:
        reviewer.context.close()
