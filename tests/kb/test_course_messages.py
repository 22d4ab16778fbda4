"""Course validation messages reach trainers in their language, naming the field.

The courses domain (``articles/courses.py``) refuses bad input with a stable code and
its parameters; ``kb/training/messages.py`` turns that into a kk/ru/en sentence naming
the place, the field as the form labels it, the problem and the fix.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from articles import courses
from kb.training import messages
from tests.conftest import AuthActions
from tests.kb.test_courses import as_user
from tests.kb.test_courses import capp  # noqa: F401 (fixture)
from tests.kb.test_courses import demo_home  # noqa: F401 (fixture)
from tests.kb.test_courses import draft
from tests.kb.test_courses import post

ROOT = Path(__file__).resolve().parents[2]
EDIT = "/-/courses/identity-documents/edit"


def _catalog(locale: str) -> dict[str, str]:
    strings: dict[str, str] = {}
    for path in sorted((ROOT / "kb" / "translations" / locale).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and isinstance(message.id, str):
                    strings[message.id] = message.string
    return strings


def _sample(code: str) -> courses.InvalidCourse:
    """An error of ``code`` with every parameter its English sentence names."""
    names = {f for _t, f, _s, _c in string.Formatter().parse(courses.COURSE_ERRORS[code]) if f}
    params = {name: f"p-{name}" for name in names}
    place = courses.Place(module="eds", question=2, question_id="ru-fee")
    return courses.InvalidCourse(code, place, "correct", **params)


def test_every_course_error_code_has_a_translated_message(capp: Flask) -> None:  # noqa: F811
    assert set(messages.TEXTS) == set(courses.COURSE_ERRORS)
    with capp.test_request_context("/"):
        for code in courses.COURSE_ERRORS:
            error = _sample(code)
            with force_locale("en"):
                english = messages.course_message(error)
            for locale in ("kk", "ru"):
                with force_locale(locale):
                    text = messages.course_message(error)
                assert text != english, (code, locale)
                # The parameters the sentence names survive translation.
                for name in ("article", "id", "answer", "revision", "module", "line"):
                    if f"p-{name}" in english:
                        assert f"p-{name}" in text, (code, locale, name)
    for locale in ("kk", "ru"):
        catalog = _catalog(locale)
        assert catalog.get("Module «%(id)s»") and catalog.get("question %(number)s"), locale


def test_the_english_sentence_stays_for_the_cli() -> None:
    with pytest.raises(courses.InvalidCourse) as caught:
        courses.from_data({"id": "c", "title": {"kk": "К"}, "modules": [{"id": "m"}]})
    error = caught.value
    assert error.code == "langs_missing" and error.field == "title"
    assert error.place == courses.Place(module="m")
    assert str(error).startswith("module 'm': 'title' is missing. Give it in Kazakh and Russian.")


@pytest.fixture(params=["kk", "ru"])
def trainer(request: pytest.FixtureRequest, capp: Flask) -> Iterator[tuple[FlaskClient, str]]:  # noqa: F811
    """A signed-in trainer whose browser asks for Kazakh, then Russian."""
    client = capp.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = request.param
    as_user(client, AuthActions(client), "trainer")
    yield client, request.param


#: (form data, {locale: the expected translated field label and problem}, English that must
#: not show). Labels are those of the course forms in that language.
FORM_CASES = {
    "no right answer": (
        {"action": "add_question", "module": "eds", "qid": "no-answer", "kind": "choice",
         "qarticle": "ru/eds-get-renew", "prompt": "Сколько?", "options": "1\n2",
         "correct": ""},
        {"kk": ("«Дұрыс жауаптар, әр жолға біреуден» өрісі бос",
                "«eds» модулі, 3-сұрақ (no-answer)"),
         "ru": ("Поле «Верные ответы, по одному в строке» не заполнено",
                "Модуль «eds», вопрос 3 (no-answer)")},
        "has no correct answer",
    ),
    "answer not an option": (
        {"action": "add_question", "module": "eds", "qid": "odd", "kind": "choice",
         "qarticle": "ru/eds-get-renew", "prompt": "Сколько?", "options": "1\n2",
         "correct": "3"},
        {"kk": ("«3» жауабы нұсқалардың ішінде жоқ", "«Дұрыс жауаптар, әр жолға біреуден»"),
         "ru": ("ответа «3» нет среди вариантов", "«Верные ответы, по одному в строке»")},
        "is not one of the options",
    ),
    "missing article": (
        {"action": "add_article", "module": "eds", "article": "ru/no-such-article"},
        {"kk": ("ru/no-such-article мақаласы жоқ", "«Жарияланған мақала»"),
         "ru": ("статьи ru/no-such-article не существует", "«Опубликованная статья»")},
        "does not exist",
    ),
    "duplicate module": (
        {"action": "add_module", "new_module": "documents", "mtitle_kk": "Қайта",
         "mtitle_ru": "Снова"},
        {"kk": ("курста мұндай идентификаторы бар модуль әлдеқашан бар", "Модуль идентификаторы"),
         "ru": ("в курсе уже есть модуль с таким идентификатором", "«Идентификатор модуля")},
        "duplicate module id",
    ),
    "module title missing": (
        {"action": "add_module", "new_module": "extra"},
        {"kk": ("өрісі толтырылмаған", "Қазақша атауы"),
         "ru": ("Поле «Название на казахском / Название на русском» не заполнено",
                "Модуль «extra»")},
        "is missing",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FORM_CASES))
def test_workspace_form_errors_speak_the_trainers_language(
    capp: Flask,  # noqa: F811
    trainer: tuple[FlaskClient, str],
    case: str,
) -> None:
    client, locale = trainer
    data, expected, english = FORM_CASES[case]
    before = draft(capp, "identity-documents")
    response = post(client, EDIT, {"revision": before.revision, **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    for part in expected[locale]:
        assert part in page, (locale, part)
    assert english not in page and "Fill it in" not in page and "Give it in" not in page
    assert draft(capp, "identity-documents").version == before.version


def test_new_course_form_names_the_course_id_field(trainer: tuple[FlaskClient, str]) -> None:
    client, locale = trainer
    response = post(client, "/-/courses/new", {"id": "Bad id", "title_kk": "А"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    label = _catalog(locale)["Course id (latin letters, digits, hyphens)"]
    assert f"«{label}»: «Bad id»" in page
    assert {"kk": "кіші латын әріптерін", "ru": "строчные латинские буквы"}[locale] in page
    assert "Invalid course id" not in page and "Use lowercase" not in page

    response = post(client, "/-/courses/new", {"id": "identity-documents", "title_kk": "А"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert {"kk": "курсы бұрыннан бар", "ru": "уже существует"}[locale] in page
    assert "already exists" not in page


def test_yaml_source_errors_speak_the_trainers_language(
    capp: Flask,  # noqa: F811
    trainer: tuple[FlaskClient, str],
) -> None:
    client, locale = trainer
    before = draft(capp, "identity-documents")
    url = "/-/courses/identity-documents/source"
    cases = {
        "colour: red\n": {"kk": "Белгісіз өріс(тер): colour", "ru": "Неизвестные поля: colour"},
        "modules: [\n": {"kk": "YAML ережелеріне сай емес", "ru": "не соответствует правилам YAML"},
    }
    for tail, expected in cases.items():
        text = courses.dump(before) + tail
        response = post(client, url, {"text": text, "revision": before.revision})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, tail
        assert expected[locale] in page, (locale, tail)
        assert "unknown field(s)" not in page and "is not valid YAML" not in page
    wrong = courses.dump(before).replace("kind: short", "kind: essay", 1)
    response = post(client, url, {"text": wrong, "revision": before.revision})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    kind = _catalog(locale)["Kind"]
    assert f"«{kind}»: " in page and "essay" in page and "is unknown" not in page
    assert draft(capp, "identity-documents").version == before.version


def test_a_stale_module_is_reported_in_the_trainers_language(
    capp: Flask,  # noqa: F811
    trainer: tuple[FlaskClient, str],
) -> None:
    client, locale = trainer
    before = draft(capp, "identity-documents")
    response = post(
        client, EDIT, {"revision": before.revision, "action": "remove_module", "module": "gone"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert {"kk": "Курста gone модулі жоқ", "ru": "В курсе нет модуля gone"}[locale] in page
    assert "has no module" not in page
