"""The edit page in chromium: live preview while typing, script helper, Ctrl+S saves."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(demo_app: Flask) -> Iterator[str]:
    """The demo copy served by werkzeug on a free loopback port, in a thread."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's chromium through Playwright (skipped when absent, unless CI requires it)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("KB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_live_preview_script_helper_and_ctrl_s(demo_app: Flask, server: str, chromium: Any) -> None:
    store = demo_app.extensions["kb"].store
    article = store.list(lang="kk")[0]
    context = chromium.new_context(base_url=server, locale="kk-KZ")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/-/login")
        page.fill("#name", "editor")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/-/login" not in url)
        page.goto(f"/-/edit/kk/{article.slug}/edit")
        assert page.locator("html").get_attribute("lang") == "kk"
        page.wait_for_selector("#preview h1")
        body = page.locator("#f-body")
        body.focus()
        page.keyboard.press("Control+End")
        page.keyboard.type("\n\nЖаңа сөйлем алдын ала қарауда.\n")
        page.wait_for_function(
            "document.getElementById('preview').textContent.includes('Жаңа сөйлем')"
        )
        before = page.locator("#preview .admonition.script").count()
        page.click("[data-insert-script]")
        page.wait_for_function(
            f"document.querySelectorAll('#preview .admonition.script').length > {before}"
        )
        assert "Оператордың сөзі" in page.inner_text("#preview")
        assert page.evaluate("document.querySelectorAll('#preview script').length") == 0
        page.keyboard.press("Control+s")
        page.wait_for_url(f"**/-/edit/kk/{article.slug}/edit")
        page.wait_for_selector(".flash")
        saved = store.get("kk", article.slug)
        assert "Жаңа сөйлем алдын ала қарауда." in saved.body
        assert '!!! script "Оператордың сөзі"' in saved.body
    finally:
        context.close()
