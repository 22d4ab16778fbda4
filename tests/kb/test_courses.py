"""Courses on the web: the trainer builds and publishes, operators take it, results, export.

One demo instance is built per module (the demo articles and the demo course) and copied
for each test, so every test starts from the same published content.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from articles import course_store
from articles import courses
from articles.model import Actor
from kb.cli import main
from tests.browser.instance import demo_template
from tests.conftest import AuthActions
from tests.conftest import add_user
from tests.conftest import make_app

SECRET = "test-secret-key-0123456789"
EDITOR = Actor("Editor", "editor@example.kz")
REVIEWER = Actor("Reviewer", "reviewer@example.kz")


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's demo instance (demo articles and course) plus two more users."""
    home = tmp_path_factory.mktemp("courses-demo") / "instance"
    shutil.copytree(demo_template(tmp_path_factory), home, symlinks=True)
    app = make_app(home)
    add_user(app, "operator2", ["operator"])
    add_user(app, "senior", ["trainer", "reviewer"])
    return home


@pytest.fixture
def capp(demo_home: Path, tmp_path: Path) -> Iterator[Flask]:
    """A fresh copy of the demo instance."""
    home = tmp_path / "instance"
    shutil.copytree(demo_home, home)
    app = make_app(home)
    yield app
    app.extensions["kb"].store.close()


@pytest.fixture
def client(capp: Flask) -> FlaskClient:
    """A client whose browser asks for the English interface (assertions read English)."""
    client = capp.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def token(client: FlaskClient, path: str = "/-/courses/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)


def post(client: FlaskClient, url: str, data: dict[str, object]) -> object:
    return client.post(url, data={"csrf_token": token(client), **data})


def as_user(client: FlaskClient, auth: AuthActions, name: str) -> None:
    if client.get("/-/courses/").status_code == 200:
        auth.logout()
    assert auth.login(name).status_code == 302


def draft(capp: Flask, course_id: str) -> courses.Course:
    return capp.extensions["kb"].course(course_id)


def build_course(client: FlaskClient, capp: Flask) -> None:
    """As the signed-in trainer: create 'crs' with one module, two articles, two questions."""
    response = post(
        client,
        "/-/courses/new",
        {
            "id": "crs",
            "title_kk": "Төлқұжат курсы",
            "title_ru": "Курс о паспорте",
            "languages": ["kk", "ru"],
            "audience": "операторы",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    steps = [
        {
            "action": "add_module",
            "new_module": "m1",
            "mtitle_kk": "Төлқұжат",
            "mtitle_ru": "Паспорт",
        },
        {"action": "add_article", "module": "m1", "article": "ru/passport", "note": "Главное"},
        {"action": "add_article", "module": "m1", "article": "kk/passport"},
        {"action": "add_note", "module": "m1", "text": "Сначала прочтите это", "note_lang": "ru"},
        {"action": "move_item", "module": "m1", "index": "2", "direction": "up"},
        {"action": "move_item", "module": "m1", "index": "1", "direction": "up"},
        {
            "action": "add_question",
            "module": "m1",
            "qid": "ru-fee",
            "kind": "choice",
            "qarticle": "ru/passport",
            "prompt": "Госпошлина за паспорт?",
            "options": "4 МРП\n0,2 МРП\nБесплатно",
            "correct": "4 МРП",
            "explanation": "Паспорт — 4 МРП.",
        },
        {
            "action": "add_question",
            "module": "m1",
            "qid": "kk-where",
            "kind": "short",
            "qarticle": "kk/passport",
            "prompt": "Төлқұжатты қайда рәсімдейді?",
            "correct": "ХҚКО\nкез келген ХҚКО",
            "explanation": "Кез келген ХҚКО-да.",
        },
    ]
    for step in steps:
        data = {"revision": draft(capp, "crs").revision, **step}
        response = post(client, "/-/courses/crs/edit", data)
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:3000])
    course = draft(capp, "crs")
    items = course.module("m1").items
    assert isinstance(items[0], courses.TrainerNote) and items[0].lang == "ru"
    assert [i.key for i in course.module("m1").articles()] == ["ru/passport", "kk/passport"]
    assert all(len(i.revision) == 40 for i in course.module("m1").articles())


def test_demo_course_is_loaded_pinned_and_published(capp: Flask) -> None:
    service = capp.extensions["kb"]
    (course,) = [c for c in service.courses(line="published") if c.id == "identity-documents"]
    assert course.languages == ("kk", "ru")
    refs = [r for m in course.modules for r in m.articles()]
    assert {r.lang for r in refs} == {"kk", "ru"}
    assert all(re.fullmatch(r"[0-9a-f]{40}", r.revision) for r in refs)
    assert sum(1 for _ in course.questions()) >= 6
    assert service.course_changes(course) == ([], [])


def test_trainer_builds_publishes_operators_take_it_trainer_sees_results(
    capp: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    as_user(client, auth, "trainer")
    build_course(client, capp)
    edit_page = client.get("/-/courses/crs/edit").get_data(as_text=True)
    assert "Курс о паспорте" in edit_page or "Төлқұжат курсы" in edit_page
    assert "not published" in edit_page
    history = edit_page.split('id="history"')[1].split("</table>")[0]
    assert history.count("<tr>") == 1 + 9 and "Trainer" in history  # header + 9 commits
    # Not visible to operators before publishing.
    as_user(client, auth, "operator")
    assert client.get("/-/courses/crs").status_code == 404
    as_user(client, auth, "trainer")
    assert post(client, "/-/courses/crs/publish", {}).status_code == 302
    published = capp.extensions["kb"].course("crs", line="published")
    assert published == draft(capp, "crs")

    # Operator 1: reads the Russian module, answers wrong, then right.
    as_user(client, auth, "operator")
    listing = client.get("/-/courses/").get_data(as_text=True)
    assert "/-/courses/crs" in listing
    page = client.get("/-/courses/crs/m/m1?lang=ru").get_data(as_text=True)
    assert "Сначала прочтите это" in page and "Госпошлина за паспорт?" in page
    assert "ЦОН" in page  # the pinned article's text
    assert "Төлқұжатты қайда" not in page  # Kazakh questions stay on the Kazakh page
    response = post(client, "/-/courses/crs/m/m1/answer", {"lang": "ru", "q-ru-fee": "0,2 МРП"})
    assert response.status_code == 302
    page = client.get("/-/courses/crs/m/m1?lang=ru").get_data(as_text=True)
    assert "Wrong" in page and "Паспорт — 4 МРП." in page  # explanation after answering
    post(client, "/-/courses/crs/m/m1/answer", {"lang": "ru", "q-ru-fee": "4 МРП"})
    page = client.get("/-/courses/crs/m/m1?lang=ru").get_data(as_text=True)
    assert "Right" in page
    kk_page = client.get("/-/courses/crs/m/m1?lang=kk").get_data(as_text=True)
    assert "Төлқұжатты қайда рәсімдейді?" in kk_page and "ХҚКО" in kk_page
    post(client, "/-/courses/crs/m/m1/answer", {"lang": "kk", "q-kk-where": "  кез келген хкко "})
    overview = client.get("/-/courses/crs").get_data(as_text=True)
    # One module read and kk-where right; ru-fee was wrong on the first attempt: 2 of 3.
    assert "67%" in overview and "1 of 2 right on the first attempt" in overview

    # Operator 2: both wrong.
    as_user(client, auth, "operator2")
    post(client, "/-/courses/crs/m/m1/answer", {"lang": "ru", "q-ru-fee": "Бесплатно"})
    post(client, "/-/courses/crs/m/m1/answer", {"lang": "kk", "q-kk-where": "әкімдік"})

    as_user(client, auth, "trainer")
    results = client.get("/-/courses/crs/results")
    assert results.status_code == 200
    html = results.get_data(as_text=True)
    by_operator = html.split('id="by-operator"')[1].split("</table>")[0]
    first_row = by_operator.split("<td>operator</td>")[1].split("</tr>")[0]
    assert '<td class="first">1 / 2</td>' in first_row  # the retry does not count
    assert '<td class="best">2 / 2</td>' in first_row
    second_row = by_operator.split("<td>operator2</td>")[1].split("</tr>")[0]
    assert '<td class="first">0 / 2</td>' in second_row
    by_question = html.split('id="by-question"')[1].split("</table>")[0]
    assert "100%" in by_question and "50%" in by_question  # ru-fee: both wrong at first
    assert "<svg" in html
    with capp.app_context():
        from kb.training import models as course_models

        rows = course_models.question_results(published)
        assert [(r.question_id, r.answered, r.failed, r.right_later) for r in rows] == [
            ("ru-fee", 2, 2, 1),
            ("kk-where", 2, 1, 0),
        ]


def test_changed_since_pinned_flow_in_the_workspace(
    capp: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    service = capp.extensions["kb"]
    store = service.store
    as_user(client, auth, "trainer")
    dashboard = client.get("/-/courses/dashboard").get_data(as_text=True)
    assert "Every course is pinned to the current published versions." in dashboard

    article = store.get("ru", "passport")
    text = (store.path / "ru" / "passport.md").read_text(encoding="utf-8")
    new_text = text.replace("4 МРП", "5 МРП", 1)
    assert new_text != text
    store.save("ru", "passport", new_text, actor=EDITOR, expected_revision=article.revision)
    store.submit("ru", "passport", actor=EDITOR)
    store.approve("ru", "passport", actor=REVIEWER)
    service.publish("ru", "passport", actor=REVIEWER)

    dashboard = client.get("/-/courses/dashboard").get_data(as_text=True)
    assert "changed since pinned" in dashboard and "ru/passport" in dashboard
    assert "<ins>5</ins>" in dashboard  # the word diff
    assert "ru-passport-fee" in dashboard  # its question is flagged for review
    course = draft(capp, "identity-documents")
    response = post(
        client,
        "/-/courses/identity-documents/edit",
        {"action": "update_pin", "module": "documents", "lang": "ru", "slug": "passport",
         "revision": course.revision},
    )  # fmt: skip
    assert response.status_code == 302
    course = draft(capp, "identity-documents")
    changes, flagged = service.course_changes(course)
    assert changes == [] and [f.question.id for f in flagged] == ["ru-passport-fee"]
    response = post(
        client,
        "/-/courses/identity-documents/edit",
        {"action": "confirm_question", "question": "ru-passport-fee", "revision": course.revision},
    )
    assert response.status_code == 302
    assert service.course_changes(draft(capp, "identity-documents")) == ([], [])
    # The published course still shows the old pinned text until the trainer publishes.
    as_user(client, auth, "operator")
    page = client.get("/-/courses/identity-documents/m/documents?lang=ru").get_data(as_text=True)
    assert "4 МРП" in page and "5 МРП" not in page


def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    capp: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    as_user(client, auth, "trainer")
    before = draft(capp, "identity-documents")
    url = "/-/courses/identity-documents/edit"
    cases = [
        ({"action": "add_question", "module": "eds", "qid": "no-answer", "kind": "choice",
          "qarticle": "ru/eds-get-renew", "prompt": "Сколько?", "options": "1\n2", "correct": ""},
         "the question has no right answer"),
        ({"action": "add_article", "module": "eds", "article": "ru/no-such-article"},
         "ru/no-such-article does not exist"),
        ({"action": "add_module", "new_module": "documents", "mtitle_kk": "Қайта",
          "mtitle_ru": "Снова"}, "the course already has a module with this id"),
        ({"action": "add_question", "module": "eds", "qid": "kk-eds-validity", "kind": "short",
          "qarticle": "kk/eds-get-renew", "prompt": "?", "correct": "1 жыл"},
         "the course already has a question with this id"),
    ]  # fmt: skip
    for data, message in cases:
        response = post(client, url, {"revision": before.revision, **data})
        assert response.status_code == 400, data
        page = response.get_data(as_text=True)
        assert message in page
        if data.get("prompt"):
            assert data["prompt"] in page  # the typed question is kept in the form
    after = draft(capp, "identity-documents")
    assert after.version == before.version and after.revision == before.revision

    broken = courses.dump(before).replace("id: eds", "id: documents")
    response = post(
        client,
        "/-/courses/identity-documents/source",
        {"text": broken, "revision": before.revision},
    )
    assert response.status_code == 400
    assert "the course already has a module with this id" in response.get_data(as_text=True)
    assert draft(capp, "identity-documents").version == before.version

    response = post(client, "/-/courses/new", {"id": "identity-documents", "title_kk": "А",
                                                "title_ru": "Б"})  # fmt: skip
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    response = post(client, "/-/courses/new", {"id": "Bad id", "title_kk": "А"})
    assert response.status_code == 400 and "is not allowed" in response.get_data(as_text=True)


def test_course_pages_speak_kazakh_and_russian(client: FlaskClient, auth: AuthActions) -> None:
    as_user(client, auth, "operator")
    for locale, words in {
        "kk": ("Жауаптарды тексеру", "Оқылды деп белгілеу", "Тест"),
        "ru": ("Проверить ответы", "Отметить как прочитанный", "Тест"),
    }.items():
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
        page = client.get("/-/courses/identity-documents/m/eds").get_data(as_text=True)
        assert all(word in page for word in words), locale
        # The course itself opens in the interface language.
        title = {"kk": "Электрондық цифрлық қолтаңба", "ru": "Электронная цифровая подпись"}
        assert f'<h1 lang="{locale}">{title[locale]}</h1>' in page


def test_operators_cannot_edit_courses(client: FlaskClient, auth: AuthActions) -> None:
    as_user(client, auth, "operator")
    assert client.get("/-/courses/identity-documents/edit").status_code == 403
    assert client.get("/-/courses/new").status_code == 403
    for url in ("edit", "publish", "source"):
        response = post(client, f"/-/courses/identity-documents/{url}", {"action": "add_module"})
        assert response.status_code == 403
    assert client.get("/-/courses/identity-documents/results").status_code == 403
    assert client.get("/-/courses/identity-documents/handout").status_code == 403
    # ...but they read and take published courses.
    assert client.get("/-/courses/identity-documents/m/eds").status_code == 200
    # ...and they cannot preview drafts.
    assert "Preview of the draft" not in client.get(
        "/-/courses/identity-documents?line=draft"
    ).get_data(as_text=True)


def _article_publish_endpoints(app: Flask) -> list[str]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "editor.publish":  # publishing an article
            values = {name: ("ru" if name == "lang" else "passport") for name in rule.arguments}
            rules.append(rule.build(values, append_unknown=False)[1])
    return rules


def test_trainers_publish_courses_but_not_articles_unless_reviewers(
    capp: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    as_user(client, auth, "trainer")
    assert post(client, "/-/courses/identity-documents/publish", {}).status_code == 302
    urls = _article_publish_endpoints(capp)
    if not urls:
        pytest.skip("the editor has no article publishing endpoint yet")
    for url in urls:
        assert post(client, url, {}).status_code == 403, url
    as_user(client, auth, "senior")  # trainer + reviewer
    for url in urls:
        assert post(client, url, {}).status_code != 403, url


def test_export_handout_and_markdown_bundle(client: FlaskClient, auth: AuthActions) -> None:
    as_user(client, auth, "trainer")
    response = client.get("/-/courses/identity-documents/handout")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "@media print" in html and "break-before: page" in html
    assert "Жеке басты куәландыратын құжаттар және ЭЦҚ" in html  # Kazakh part
    assert "Документы, удостоверяющие личность, и ЭЦП" in html  # Russian part
    assert "4 АЕК" in html and "4 МРП" in html  # pinned article text and answers
    assert "<script" not in html
    appendix = html.split('class="appendix"')[-1]
    assert "Ключ действует один год" in appendix  # answers with explanations
    ru_only = client.get("/-/courses/identity-documents/handout?lang=ru").get_data(as_text=True)
    assert "Жеке басты куәландыратын" not in ru_only and "4 МРП" in ru_only

    response = client.get("/-/courses/identity-documents/bundle.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert "identity-documents/course.md" in names
    assert "identity-documents/01-documents.kk.md" in names
    assert "identity-documents/02-eds.ru.md" in names
    module_ru = archive.read("identity-documents/01-documents.ru.md").decode()
    assert module_ru.startswith("# 1. Удостоверение личности, паспорт и ИИН")
    assert "### Как оформить" in module_ru  # article headings sit under the article title
    overview = archive.read("identity-documents/course.md").decode()
    assert "[x] 4 МРП" in overview and "[ ] Бесплатно" in overview


def test_cli_lists_and_exports_courses(
    demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "instance"
    shutil.copytree(demo_home, home)
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.setenv("KB_SECRET_KEY", SECRET)
    runner = CliRunner()
    result = runner.invoke(main, ["course", "list"])
    assert result.exit_code == 0, result.output
    assert "identity-documents\tkk,ru\t2 modules\t6 questions" in result.output

    out = tmp_path / "out" / "handout.html"
    result = runner.invoke(
        main, ["course", "export", "identity-documents", "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "@media print" in out.read_text(encoding="utf-8")

    folder = tmp_path / "out" / "md"
    args = ["course", "export", "identity-documents", "--format", "markdown", "--lang", "kk"]
    result = runner.invoke(main, [*args, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-documents.kk.md",
        "02-eds.kk.md",
        "course.md",
    ]
    assert "Төлқұжат" in (folder / "01-documents.kk.md").read_text(encoding="utf-8")
    result = runner.invoke(main, [*args, "--out", str(tmp_path / "out" / "b.zip")])
    assert result.exit_code == 0 and zipfile.is_zipfile(tmp_path / "out" / "b.zip")

    result = runner.invoke(
        main, ["course", "export", "nope", "--format", "html", "--out", str(out)]
    )
    assert result.exit_code != 0 and "kb course list" in result.output


def test_load_courses_pins_on_load_and_skips_a_broken_course(
    capp: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "content"
    (root / "courses").mkdir(parents=True)
    good = {
        "id": "tiny",
        "title": {"kk": "Шағын", "ru": "Малый"},
        "modules": [{"id": "one", "title": {"kk": "Бір", "ru": "Один"},
                     "items": [{"article": "kk/iin", "revision": "published"}]}],
    }  # fmt: skip
    bad = {**good, "id": "broken", "modules": [{**good["modules"][0], "items": [
        {"article": "ru/no-such-article"}]}]}  # fmt: skip
    (root / "courses" / "tiny.yaml").write_text(yaml.safe_dump(good, allow_unicode=True))
    (root / "courses" / "broken.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True))
    service = capp.extensions["kb"]
    assert service.load_courses(root) == 1
    assert "skipping course broken.yaml" in caplog.text and "ru/no-such-article" in caplog.text
    ids = [c.id for c in service.courses(line="published")]
    assert "tiny" in ids and "broken" not in ids
    (ref,) = service.course("tiny").module("one").articles()
    assert ref.revision == course_store.current_version(service.store, "kk", "iin")
