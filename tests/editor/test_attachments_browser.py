"""Attachments in chromium (kk and ru): a disguised HTML and an oversized file are refused
in the editor's language, an image is uploaded, previewed, published and shown to an
operator, who could not fetch it while it was a draft."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.attachment_files import DISGUISED_HTML
from tests.attachment_files import noisy_png
from tests.attachment_files import png
from tests.conftest import PASSWORD
from tests.editor.test_editor_browser import server  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

LOCALES = {"kk": "kk-KZ", "ru": "ru-RU"}
#: (disguised HTML refused, oversized refused, attached) in each language
WORDS = {
    "kk": ("веб-бет", "шегінен көп", "Тіркелді"),
    "ru": ("веб-страница", "больше предела", "Прикреплено"),
}
IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"


def _signed_in(browser: Any, base_url: str, lang: str, user: str) -> tuple[Any, Any]:
    context = browser.new_context(base_url=base_url, locale=LOCALES[lang])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/-/login")
    page.fill("#name", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/-/login" not in url)
    return context, page


def _attach(page: Any, name: str, data: bytes, mime: str) -> str:
    """Choose a file, press Attach, and return the status line once it changes."""
    page.evaluate("document.getElementById('attach-status').textContent = ''")
    page.set_input_files("#attach-file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.click("[data-attach]")
    page.wait_for_function("() => document.getElementById('attach-status').textContent !== ''")
    return str(page.inner_text("#attach-status"))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_attachment_refused_uploaded_published_and_shown_to_an_operator(
    demo_app: Flask,
    server: str,  # noqa: F811 - the fixture imported above
    browser: Any,
    lang: str,
) -> None:
    store = demo_app.extensions["kb"].store
    slug = store.list(lang=lang)[0].slug
    disguised_word, too_large_word, attached_word = WORDS[lang]
    editor_context, editor = _signed_in(browser, server, lang, "editor")
    operator_context, operator = _signed_in(browser, server, lang, "operator")
    reviewer_context, reviewer = _signed_in(browser, server, lang, "reviewer")
    try:
        editor.goto(f"/-/edit/{lang}/{slug}/edit")
        editor.wait_for_selector("#preview h1")
        body_before = editor.input_value("#f-body")

        refused = _attach(editor, "photo.png", DISGUISED_HTML, "image/png")
        assert disguised_word in refused and "«photo.png»" in refused
        assert editor.get_attribute("#attach-status", "role") == "alert"
        big = _attach(editor, "big.png", noisy_png(900, 900), "image/png")
        assert too_large_word in big and "2048" in big
        assert editor.input_value("#f-body") == body_before  # nothing inserted
        assert store.attachments(lang, slug) == []

        ok = _attach(editor, "схема.png", png(64, 32), "image/png")
        assert attached_word in ok
        names = store.attachments(lang, slug)
        assert len(names) == 1
        url = f"/-/files/{lang}/{slug}/{names[0]}"
        assert f"![схема.png]({url})" in editor.input_value("#f-body")
        preview_image = editor.wait_for_selector(f'#preview img[src="{url}"]')
        editor.wait_for_function(IMAGE_LOADED, arg=preview_image)

        # a draft's image is not served to operators
        assert operator.request.get(url).status == 404

        editor.click('button[name="then"][value="submit"]')
        editor.wait_for_url(f"**/-/edit/{lang}/{slug}")
        reviewer.goto(f"/-/edit/{lang}/{slug}")
        reviewer.click('form[action$="/approve"] button[type=submit]')
        reviewer.wait_for_selector('form[action$="/publish"]')
        reviewer.click('form[action$="/publish"] button[type=submit]')
        reviewer.wait_for_load_state()
        assert store.read_attachment(lang, slug, names[0], "published") is not None

        operator.goto(f"/{lang}/{slug}")
        shown = operator.wait_for_selector(f'img[src="{url}"]')
        operator.wait_for_function(IMAGE_LOADED, arg=shown)
        served = operator.request.get(url)
        assert served.status == 200 and served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
    finally:
        for context in (editor_context, operator_context, reviewer_context):
            context.close()
