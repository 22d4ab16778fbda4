"""The semantic stage on the operator's screen, in a real browser, with ``KB_SEMANTIC=on``.

A small instance is built here from the demo's own articles: the Kazakh version of
``consultation-rating`` without its Russian translation (a Kazakh-only article) and two
Russian articles. Its vectors are computed with the real bundled model (``kb index
embed``), then ``kb serve`` (gunicorn) runs with the stage on. A Russian question that
shares no word with the Kazakh article finds nothing of it while typed; once settled (the
pause), the screen's results are replaced by the settled ones: the Kazakh article first,
marked "answer in Kazakh" in the interface's language (kk and ru).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kb as kb_package
from tests.browser.conftest import ROOT
from tests.browser.conftest import LiveServer
from tests.browser.conftest import _free_port
from tests.browser.conftest import _kb_command
from tests.browser.conftest import _wait_until_up
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO = Path(kb_package.__file__).parent / "demo" / "content"
#: Russian; no word of it is in the Kazakh article (the typed, lexical search misses it).
RU_QUESTION = "можно ли поставить отметку качеству разговора с сотрудником"
KK_URL = "/kk/consultation-rating"
#: The mark of a Kazakh answer to a question in another language, per interface language.
LABELS = {"ru": "Ответ на казахском языке", "kk": "Жауап қазақ тілінде"}
#: Milliseconds the settled answer may take (the pause is 1.2 s; then one embedding).
SETTLED_TIMEOUT_MS = 30_000


def _tree(root: Path) -> Path:
    (root / "kk").mkdir(parents=True)
    (root / "ru").mkdir()
    shutil.copy(DEMO / "kk" / "consultation-rating.md", root / "kk")
    for slug in ("passport", "tax-debt"):
        shutil.copy(DEMO / "ru" / f"{slug}.md", root / "ru")
    return root


@pytest.fixture(scope="module")
def semantic_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``kb serve`` with ``KB_SEMANTIC=on`` over the small tree, its vectors computed."""
    from kb.services import KnowledgeBase

    base = tmp_path_factory.mktemp("semantic-live")
    home = base / "instance"
    env = {**os.environ, "KB_HOME": str(home), "KB_PASSWORD": PASSWORD, "KB_SEMANTIC": "on"}
    kb = _kb_command()
    subprocess.run([*kb, "init"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run(
        [*kb, "user", "add", "operator", "--role", "operator"],
        env=env,
        check=True,
        capture_output=True,
    )
    knowledge = KnowledgeBase(content_dir=home / "content", index_dir=home / "index")
    assert knowledge.load_tree(_tree(base / "tree")) == 3
    knowledge.close()
    embedded = subprocess.run(
        [*kb, "index", "embed"], env=env, check=True, capture_output=True, text=True, cwd=ROOT
    )
    assert (home / "vectors" / "CURRENT").exists(), embedded.stdout + embedded.stderr
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [*kb, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        _wait_until_up(url, process)
        yield LiveServer(url=url, home=home, password=PASSWORD, users={"operator": "operator"})
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def screen(browser: Any, semantic_server: LiveServer) -> Iterator[Any]:
    """A signed-in operator's page on the semantic server."""
    context = browser.new_context(base_url=semantic_server.url, locale="ru-RU")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/-/login")
        page.fill("#name", "operator")
        page.fill("#password", semantic_server.password)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/-/login" not in url)
        yield page
    finally:
        context.close()


def _result_urls(page: Any) -> list[str]:
    return [
        url.split("?")[0]
        for url in page.eval_on_selector_all(
            "li.result", "items => items.map(li => li.dataset.url)"
        )
    ]


@pytest.mark.parametrize("locale", ["ru", "kk"])
def test_settled_answer_replaces_the_typed_one(screen: Any, locale: str) -> None:
    page = screen
    page.locator(f"header form.lang button[value={locale}]").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == locale
    box = page.locator("#q")
    box.fill("")
    # Keys typed one by one, as an operator types: each keystroke is a lexical search.
    box.press_sequentially(RU_QUESTION, delay=15)
    page.wait_for_function(
        "q => { const w = document.querySelector('.results-wrap');"
        " return w && w.dataset.query === q; }",
        arg=RU_QUESTION,
    )
    assert KK_URL not in _result_urls(page), "typing is lexical: the words do not find it"
    # The pause makes the search settled: the stage runs and its answer replaces the list.
    page.wait_for_selector(
        f'li.result[data-url^="{KK_URL}"]', state="attached", timeout=SETTLED_TIMEOUT_MS
    )
    first = page.locator("li.result").first
    assert first.get_attribute("data-url").split("?")[0] == KK_URL
    badge = first.locator('[data-answer-in="kk"]')
    assert badge.inner_text().strip() == LABELS[locale]
    assert page.locator("#q").input_value() == RU_QUESTION, "what was typed stays"
