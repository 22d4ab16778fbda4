"""Honest quiz scores: every attempt kept, the first scored, best and attempts shown, short
answers compared through the Kazakh and Russian analysers, the trainer's accepted variants,
and the migration that numbers answers given before it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from articles import courses
from kb.training import scoring
from tests.browser.instance import demo_template
from tests.conftest import AuthActions
from tests.conftest import add_user
from tests.conftest import make_app

COURSE = "identity-documents"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("quiz-demo") / "instance"
    shutil.copytree(demo_template(tmp_path_factory), home, symlinks=True)
    return home


@pytest.fixture
def capp(demo_home: Path, tmp_path: Path) -> Iterator[Flask]:
    home = tmp_path / "instance"
    shutil.copytree(demo_home, home)
    app = make_app(home)
    yield app
    app.extensions["kb"].store.close()
    app.extensions["kb"].index.close()


@pytest.fixture
def client(capp: Flask) -> FlaskClient:
    client = capp.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _token(client: FlaskClient) -> str:
    page = client.get("/-/courses/").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)


def _post(client: FlaskClient, url: str, data: dict[str, object]) -> int:
    return client.post(url, data={"csrf_token": _token(client), **data}).status_code


def _as(client: FlaskClient, name: str) -> None:
    auth = AuthActions(client)
    if client.get("/-/courses/").status_code == 200:
        auth.logout()
    assert auth.login(name).status_code == 302


def _question(
    lang: str, correct: tuple[str, ...], accept: tuple[str, ...] = ()
) -> courses.Question:
    return courses.Question(
        id="q",
        kind="short",
        lang=lang,
        prompt="?",
        correct=correct,
        slug="passport",
        revision="published",
        accept=accept,
    )


# -- the comparison rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "right"),
    [
        ("15 дней", True),
        ("15 ДНЕЙ", True),  # case
        ("  15   дней. ", True),  # spacing and punctuation
        ("15 дня", True),  # another form of the same word
        ("15 күн", False),  # the Kazakh word is another word
        ("15 дн.", False),  # an abbreviation only by the trainer's list
        ("16 дней", False),
        ("дней", False),  # a word missing
        ("", False),
    ],
)
def test_russian_short_answers_through_the_analyser(given: str, right: bool) -> None:
    assert scoring.score(_question("ru", ("15 дней",)), given) is right


@pytest.mark.parametrize(
    ("given", "right"),
    [
        ("15 күн", True),
        ("15 КҮН", True),
        ("15 күнде", True),  # a case ending
        ("15 кун", True),  # Kazakh letters typed as Russian ones
        ("15 дней", False),  # the Russian word is another word
        ("он бес күн", False),
        ("15 жұмыс күні", False),  # a word more
    ],
)
def test_kazakh_short_answers_through_the_analyser(given: str, right: bool) -> None:
    assert scoring.score(_question("kk", ("15 күн",)), given) is right


def test_accepted_variants_and_stop_words() -> None:
    ru = _question("ru", ("15 дней",), accept=("15 дн.", "пятнадцать дней"))
    assert scoring.score(ru, "15 дн")
    assert scoring.score(ru, "Пятнадцать дней")
    assert not scoring.score(ru, "15 д.")
    kk = _question("kk", ("иә",), accept=("иа",))
    assert scoring.score(kk, "Иә!") and scoring.score(kk, "иа")
    # «жоқ» and «иә» are both stop words to the search analyser; a quiz keeps them apart.
    assert not scoring.score(kk, "жоқ")
    assert not scoring.score(_question("ru", ("да",)), "нет")


def test_accept_is_for_short_answers_and_round_trips() -> None:
    data = {
        "id": "c",
        "title": {"kk": "К", "ru": "К"},
        "modules": [
            {
                "id": "m",
                "title": {"kk": "М", "ru": "М"},
                "questions": [
                    {
                        "id": "q",
                        "kind": "short",
                        "prompt": "Срок?",
                        "correct": ["15 дней"],
                        "accept": ["15 дн."],
                        "article": "ru/passport",
                    }
                ],
            }
        ],
    }
    course = courses.from_data(data)
    assert course.question("q").accept == ("15 дн.",)
    assert courses.parse(courses.dump(course)) == course
    choice = data["modules"][0]["questions"][0]  # type: ignore[index]
    choice.update(kind="choice", options=["15 дней", "30 дней"])
    with pytest.raises(courses.InvalidArticle, match="accepted variants are for short answers"):
        courses.from_data(data)


# -- attempts through the web -------------------------------------------------------------


def test_first_attempt_is_the_score_retries_show_as_attempts_and_best(
    capp: Flask, client: FlaskClient
) -> None:
    _as(client, "operator")
    url = f"/-/courses/{COURSE}/m/documents/answer"
    # 0 of 2, then (the right answers now shown) 2 of 2.
    first = {"lang": "ru", "q-ru-passport-fee": "Бесплатно", "q-ru-id-card-where": "в акимате"}
    assert _post(client, url, first) == 302
    page = client.get(f"/-/courses/{COURSE}/m/documents?lang=ru").get_data(as_text=True)
    assert "Right answer" in page and "Counted: your first attempt, wrong." in page
    second = {"lang": "ru", "q-ru-passport-fee": "4 МРП", "q-ru-id-card-where": "в любом цоне"}
    assert _post(client, url, second) == 302
    page = client.get(f"/-/courses/{COURSE}/m/documents?lang=ru").get_data(as_text=True)
    assert "Only your first attempt at each question counts in your score." in page
    assert "Attempts: 2." in page and "Counted: your first attempt, wrong." in page
    overview = client.get(f"/-/courses/{COURSE}").get_data(as_text=True)
    assert re.search(r"\b0 of \d+ right on the first attempt", overview)

    _as(client, "trainer")
    html = client.get(f"/-/courses/{COURSE}/results").get_data(as_text=True)
    row = html.split("<td>operator</td>")[1].split("</tr>")[0]
    total = len(list(capp.extensions["kb"].course(COURSE, line="published").questions()))
    assert f'<td class="first">0 / {total}</td>' in row  # not 100 %
    assert '<td class="attempts">2</td>' in row
    assert f'<td class="best">2 / {total}</td>' in row
    with capp.app_context():
        from kb.models import db
        from kb.training.models import QuizAnswer

        attempts = db.session.scalars(
            db.select(QuizAnswer.attempt)
            .where(QuizAnswer.question_id == "ru-passport-fee")
            .order_by(QuizAnswer.id)
        ).all()
        assert attempts == [1, 2]  # every attempt is kept


def test_trainer_variants_score_kazakh_and_russian_answers(
    capp: Flask, client: FlaskClient
) -> None:
    _as(client, "trainer")
    service = capp.extensions["kb"]
    for lang, qid, correct, accept in (
        ("ru", "ru-days", "15 рабочих дней", "15 раб. дн."),
        ("kk", "kk-days", "15 жұмыс күні", "15 ж.к."),
    ):
        data = {
            "action": "add_question",
            "module": "documents",
            "revision": service.course(COURSE).revision,
            "qid": qid,
            "kind": "short",
            "qarticle": f"{lang}/passport",
            "prompt": "?",
            "correct": correct,
            "accept": accept,
        }
        assert _post(client, f"/-/courses/{COURSE}/edit", data) == 302
    assert service.course(COURSE).question("ru-days").accept == ("15 раб. дн.",)
    edit = client.get(f"/-/courses/{COURSE}/edit").get_data(as_text=True)
    assert "Also accepted" in edit and "15 ж.к." in edit
    assert _post(client, f"/-/courses/{COURSE}/publish", {}) == 302

    _as(client, "operator")
    url = f"/-/courses/{COURSE}/m/documents/answer"
    _post(client, url, {"lang": "ru", "q-ru-days": "15 раб дн"})
    _post(client, url, {"lang": "kk", "q-kk-days": "15 жұмыс күнінде"})
    with capp.app_context():
        from kb.models import db
        from kb.training.models import QuizAnswer

        rows = {
            r.question_id: (r.answer, r.correct)
            for r in db.session.scalars(db.select(QuizAnswer).where(QuizAnswer.attempt == 1))
        }
    assert rows["ru-days"] == ("15 раб дн", True)  # the variant, without its dots
    assert rows["kk-days"] == ("15 жұмыс күнінде", True)  # a word form of the right answer


def test_answers_in_the_wrong_language_are_wrong(capp: Flask, client: FlaskClient) -> None:
    _as(client, "operator")
    url = f"/-/courses/{COURSE}/m/documents/answer"
    _post(client, url, {"lang": "kk", "q-kk-id-card-where": "ЦОН"})
    _post(client, url, {"lang": "ru", "q-ru-id-card-where": "ХҚКО"})
    with capp.app_context():
        from kb.models import db
        from kb.training.models import QuizAnswer

        verdicts = {r.question_id: r.correct for r in db.session.scalars(db.select(QuizAnswer))}
    assert verdicts["kk-id-card-where"] is False and verdicts["ru-id-card-where"] is False


# -- the migration ----------------------------------------------------------------------


def _before_quiz_attempts(directory: str) -> str:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(directory)
    found = [s for s in scripts.walk_revisions() if s.path.endswith("_quiz_attempts.py")]
    assert len(found) == 1
    down = found[0].down_revision
    assert isinstance(down, str)
    return down


def test_migration_numbers_answers_given_before_it(tmp_path: Path) -> None:
    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from kb.models import db

    app = make_app(tmp_path / "instance")
    add_user(app, "op", ["operator"])
    with app.app_context():
        directory = app.extensions["migrate"].directory
        # to the revision just before quiz attempts (whatever its number after re-chaining)
        downgrade(directory=directory, revision=_before_quiz_attempts(directory))
        for question, correct in (("a", 0), ("b", 1), ("a", 1), ("a", 1)):
            db.session.execute(
                text(
                    "INSERT INTO quiz_answers (user_id, course_id, course_revision, module_id,"
                    " question_id, answer, correct, \"when\") VALUES (1, 'c', 'r', 'm', :q, '',"
                    " :ok, '2026-01-01 00:00:00')"
                ),
                {"q": question, "ok": correct},
            )
        db.session.commit()
        upgrade(directory=directory)
        rows = db.session.execute(
            text("SELECT question_id, attempt FROM quiz_answers ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [("a", 1), ("b", 1), ("a", 2), ("a", 3)]
