"""The edit page in chromium: live preview while typing, script helper, Ctrl+S saves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


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


def test_live_preview_script_helper_and_ctrl_s(demo_app: Flask, server: str, browser: Any) -> None:
    store = demo_app.extensions["kb"].store
    article = store.list(lang="kk")[0]
    context = browser.new_context(base_url=server, locale="kk-KZ")
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
            "() => document.getElementById('preview').textContent.includes('Жаңа сөйлем')"
        )
        before = page.locator("#preview .admonition.script").count()
        page.click("[data-insert-script]")
        page.wait_for_function(
            "n => document.querySelectorAll('#preview .admonition.script').length > n",
            arg=before,
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
