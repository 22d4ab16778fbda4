"""Issue 15, training and side-by-side, in chromium over a live ``kb serve``, in Kazakh and
Russian, at 1280 px and 390 px:

- a trainer builds a course with the search picker by keyboard alone, adds a short
  question with an accepted variant and publishes it; an operator misses, retries right,
  and the trainer's results count the first attempt (attempts and best shown);
- the editor's list shows the kk and ru status of an article in one line, and the edit
  page opens the translation beside the text without losing what was typed.

Each test signs in users of its own (``kb user add``), so their interface language comes
from the browser's and nothing another test does changes what these see.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.conftest import _kb_command

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU"}

#: Per interface language: what the trainer types into the picker, the article it finds,
#: the short question, its right answer and variant, a wrong answer, and a word form of the
#: variant that the analyser accepts.
CASES = {
    "ru": {
        "query": "паспорта",
        "key": "ru/passport",
        "prompt": "Срок изготовления паспорта?",
        "correct": "15 рабочих дней",
        "variant": "15 раб. дн.",
        "wrong": "30 дней",
        "retry": "15 раб дн",
        "texts": {
            "counted_wrong": "Засчитывается первая попытка: неверно.",
            "right": "Верно",
            "only_first": "В результат засчитывается только первая попытка",
            "beside": "Открыть версию kk рядом с текстом",
            "hide": "Скрыть версию kk",
        },
    },
    "kk": {
        "query": "төлқұжатты",
        "key": "kk/passport",
        "prompt": "Төлқұжат қанша уақытта дайындалады?",
        "correct": "15 жұмыс күні",
        "variant": "15 ж.к.",
        "wrong": "30 күн",
        "retry": "15 жұмыс күнінде",
        "texts": {
            "counted_wrong": "Есепке алынады: бірінші әрекетіңіз — қате.",
            "right": "Дұрыс",
            "only_first": "бірінші әрекетіңіз ғана есептеледі",
            "beside": "ru нұсқасын мәтіннің жанынан ашу",
            "hide": "ru нұсқасын жасыру",
        },
    },
}


def _add_user(live_server: LiveServer, name: str, role: str) -> str:
    """Create ``name`` with ``role`` on the live server (once; later calls reuse it)."""
    done = subprocess.run(
        [*_kb_command(), "user", "add", name, "--role", role],
        env={**live_server.env(), "KB_PASSWORD": live_server.password},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 or "exists" in (done.stdout + done.stderr), done.stderr
    return name


@contextmanager
def signed_in(
    browser: Any, live_server: LiveServer, name: str, lang: str, viewport: dict[str, int]
) -> Iterator[Any]:
    """A page in its own context (interface in ``lang``, the given size), signed in."""
    context = browser.new_context(base_url=live_server.url, locale=LOCALES[lang], viewport=viewport)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/-/login")
        page.fill("#name", name)
        page.fill("#password", live_server.password)
        page.click("button[type=submit].primary")
        page.wait_for_url(lambda url: "/-/login" not in url)
        yield page
    finally:
        context.close()


def _no_sideways_scroll(page: Any) -> None:
    """The page fits its width (the message names the elements that stick out)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wider = page.evaluate(
        """limit => Array.from(document.querySelectorAll('body *'))
            .filter(el => el.getBoundingClientRect().right > limit + 1)
            .slice(0, 5).map(el => el.tagName + '.' + el.className + '#' + el.id + ' '
                + Math.round(el.getBoundingClientRect().right))""",
        page.viewport_size["width"],
    )
    assert width <= page.viewport_size["width"] + 1, f"page is {width} px wide: {wider}"


def _pick(page: Any, box: Any, query: str, key: str, expect: Any) -> None:
    """Type words into a picker, choose the expected article with ↓ and Enter."""
    box.click()
    box.press_sequentially(query, delay=20)
    listbox = page.locator(f"#{box.get_attribute('id')}-list")
    option = listbox.locator(f'[role=option][data-key="{key}"]')
    expect(option).to_be_visible(timeout=15_000)
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option][data-key]")
    position = [o.get_attribute("data-key") for o in options.all()].index(key)
    for _step in range(position + 1):
        box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    expect(option).to_have_attribute("aria-selected", "true")
    # The list stays inside the window (at 390 px too).
    found = listbox.bounding_box()
    assert found and found["x"] >= 0
    assert found["x"] + found["width"] <= page.viewport_size["width"] + 1
    box.press("Enter")
    expect(box).to_have_value(key)
    expect(listbox).to_be_hidden()
    chosen = box.locator("xpath=ancestor::div[contains(@class,'picker')]//*[@data-picker-chosen]")
    expect(chosen).to_contain_text(key)


@pytest.mark.parametrize(
    ("lang", "trainer_size", "operator_size"), [("ru", WIDE, PHONE), ("kk", PHONE, WIDE)]
)
def test_picker_variants_and_first_attempt_scoring(
    browser: Any,
    live_server: LiveServer,
    lang: str,
    trainer_size: dict[str, int],
    operator_size: dict[str, int],
) -> None:
    from playwright.sync_api import expect

    case = CASES[lang]
    texts: dict[str, str] = case["texts"]  # type: ignore[assignment]
    course = f"round2-{lang}"
    trainer = _add_user(live_server, f"trainer-{lang}", "trainer")
    operator = _add_user(live_server, f"quiz-{lang}", "operator")

    with signed_in(browser, live_server, trainer, lang, trainer_size) as page:
        page.goto("/-/courses/new")
        page.fill("input[name=title_kk]", "Екінші кезең курсы")
        page.fill("input[name=title_ru]", "Курс второго этапа")
        page.fill("input[name=id]", course)
        page.locator("form.stack button.primary").click()
        page.wait_for_url(f"**/-/courses/{course}/edit")
        page.fill("input[name=new_module]", "basics")
        page.fill("input[name=mtitle_kk]", "Негіздер")
        page.fill("input[name=mtitle_ru]", "Основы")
        page.locator("form", has=page.locator("input[name=new_module]")).locator(
            "button[type=submit]"
        ).click()
        module = page.locator("#m-basics")
        expect(module).to_be_visible()

        # The article, by keyboard: words, ↓, Enter picks, Enter again adds it.
        box = module.locator("input[name=article]")
        _pick(page, box, str(case["query"]), str(case["key"]), expect)
        _no_sideways_scroll(page)
        box.press("Enter")
        expect(page.locator("#m-basics ol.items")).to_contain_text(str(case["key"]))

        question = page.locator("#m-basics form", has=page.locator("input[name=qid]"))
        question.locator("input[name=qid]").fill(f"{lang}-days")
        question.locator("select[name=kind]").select_option("short")
        _pick(
            page,
            question.locator("input[name=qarticle]"),
            str(case["query"]),
            str(case["key"]),
            expect,
        )
        question.locator("textarea[name=prompt]").fill(str(case["prompt"]))
        question.locator("textarea[name=correct]").fill(str(case["correct"]))
        question.locator("textarea[name=accept]").fill(str(case["variant"]))
        question.locator("button[type=submit]").click()
        expect(page.locator("#m-basics .variants")).to_contain_text(str(case["variant"]))
        page.locator("form[action$='/publish'] button").click()
        expect(page.locator(".flash").first).to_be_visible()

    with signed_in(browser, live_server, operator, lang, operator_size) as page:
        page.goto(f"/-/courses/{course}/m/basics?lang={lang}")
        answer = page.locator(f"#q-{lang}-days input[type=text]")
        answer.fill(str(case["wrong"]))
        page.locator("#quiz button[type=submit]").click()
        block = page.locator(f"#q-{lang}-days")
        expect(block).to_contain_text(texts["counted_wrong"])
        expect(block).to_contain_text(str(case["correct"]))  # shown after the miss
        assert str(case["variant"]) not in block.inner_text()  # variants are not shown
        page.locator(f"#q-{lang}-days input[type=text]").fill(str(case["retry"]))
        page.locator("#quiz button[type=submit]").click()
        block = page.locator(f"#q-{lang}-days")
        expect(block.locator(".verdict")).to_have_text(texts["right"])
        expect(block).to_contain_text(texts["counted_wrong"])  # the retry is not the score
        expect(page.locator(".flash", has_text=texts["only_first"])).to_be_visible()
        _no_sideways_scroll(page)

    with signed_in(browser, live_server, trainer, lang, trainer_size) as page:
        page.goto(f"/-/courses/{course}/results")
        row = page.locator("#by-operator tbody tr", has_text=operator)
        expect(row.locator("td.first")).to_have_text("0 / 1")
        expect(row.locator("td.attempts")).to_have_text("2")
        expect(row.locator("td.best")).to_have_text("1 / 1")
        expect(page.locator("#by-question")).to_contain_text("100%")


@pytest.mark.parametrize("size", [WIDE, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize(("lang", "other"), [("ru", "kk"), ("kk", "ru")])
def test_side_by_side_list_and_translation_pane(
    browser: Any, live_server: LiveServer, lang: str, other: str, size: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    texts: dict[str, str] = CASES[lang]["texts"]  # type: ignore[assignment]
    editor = _add_user(live_server, f"sbs-{lang}", "editor")
    with signed_in(browser, live_server, editor, lang, size) as page:
        page.goto("/-/edit/")
        line = page.locator("tr[data-group]", has=page.locator('a[href="/-/edit/ru/passport"]'))
        expect(line).to_have_count(1)
        expect(line.locator('a[href="/-/edit/kk/passport"]')).to_be_visible()
        kk_cell = line.locator('td.lang-status[data-lang="kk"]')
        ru_cell = line.locator('td.lang-status[data-lang="ru"]')
        expect(kk_cell.locator(".badge").first).to_be_visible()
        expect(ru_cell.locator(".badge").first).to_be_visible()
        kk_box, ru_box = kk_cell.bounding_box(), ru_cell.bounding_box()
        assert kk_box and ru_box
        if size is WIDE:
            assert abs(kk_box["y"] - ru_box["y"]) < 2 and ru_box["x"] > kk_box["x"]  # one row
        else:
            assert ru_box["y"] > kk_box["y"]  # a card: the cells one under the other
            label = kk_cell.evaluate("el => getComputedStyle(el, '::before').content")
            assert "Қазақша" in label
        _no_sideways_scroll(page)

        page.goto(f"/-/edit/{lang}/passport/edit")
        body = page.locator("#f-body")
        body.press("End")
        body.press_sequentially(" Ещё строка.")
        typed = body.input_value()
        toggle = page.locator(f"[data-beside-toggle={other}]")
        expect(toggle).to_have_text(texts["beside"])
        toggle.focus()
        page.keyboard.press("Enter")
        pane = page.locator(f"#beside-{other}")
        expect(pane).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(toggle).to_have_text(texts["hide"])
        assert body.input_value() == typed  # no reload: the unsaved edit is still there
        assert f"beside={other}" in page.url
        expect(pane.locator(f'div[lang="{other}"] pre.source')).to_be_visible()
        assert pane.locator("textarea, input").count() == 0  # read only
        pane_box, body_box = pane.bounding_box(), body.bounding_box()
        assert pane_box and body_box
        if size is WIDE:
            # Beside the text: to its right, overlapping its rows.
            assert pane_box["x"] >= body_box["x"] + body_box["width"] - 1
            assert pane_box["y"] < body_box["y"] + body_box["height"]
        else:
            # Stacked: under the text, as wide as the column.
            assert pane_box["y"] >= body_box["y"] + body_box["height"]
            assert pane_box["x"] + pane_box["width"] <= size["width"] + 1
        _no_sideways_scroll(page)
        toggle.click()
        expect(pane).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
