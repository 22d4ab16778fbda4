"""Courses built from articles: versioning, pins, changed-since-pinned, scoring, bad input."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from articles_support import AUTHOR
from articles_support import REVIEWER
from articles_support import MakeText
from articles_support import git
from articles_support import publish
from articles_support import snapshot

from articles import course_store
from articles import courses
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import RevisionConflict
from articles.model import Actor
from articles.store import ArticleStore

TRAINER = Actor("Тренер Әлия", "aliya@example.kz")


def course_yaml(**changes: object) -> str:
    """A two-language course over kk/passport and ru/passport, pins 'published'."""
    data: dict[str, object] = {
        "id": "basics",
        "title": {"kk": "Негіздер", "ru": "Основы"},
        "languages": ["kk", "ru"],
        "audience": "new operators",
        "modules": [
            {
                "id": "docs",
                "title": {"kk": "Құжаттар", "ru": "Документы"},
                "items": [
                    {"note": "Алдымен оқыңыз", "lang": "kk"},
                    {"article": "kk/passport", "revision": "published"},
                    {"note": "Сначала прочтите", "lang": "ru"},
                    {"article": "ru/passport", "revision": "published", "note": "срок"},
                ],
                "questions": [
                    {
                        "id": "kk-where",
                        "kind": "short",
                        "prompt": "Қайда ауыстырады?",
                        "correct": ["ХҚКО"],
                        "article": "kk/passport",
                    },
                    {
                        "id": "ru-where",
                        "kind": "choice",
                        "prompt": "Где меняют паспорт?",
                        "options": ["ЦОН", "Акимат"],
                        "correct": ["ЦОН"],
                        "explanation": "В любом ЦОНе.",
                        "article": "ru/passport",
                    },
                ],
            }
        ],
    }
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture
def content(store: ArticleStore, make_text: MakeText) -> ArticleStore:
    """A store with kk/passport and ru/passport published, and an unpublished ru/draft-only."""
    for lang in ("kk", "ru"):
        store.save(lang, "passport", make_text(lang), actor=AUTHOR)
        publish(store, lang, "passport")
    store.save("ru", "draft-only", make_text("ru", id="draft-only"), actor=AUTHOR)
    return store


def republish(store: ArticleStore, make_text: MakeText, lang: str, body: str) -> str:
    """Publish a new version of <lang>/passport; return its version commit."""
    current = store.get(lang, "passport")
    store.save(
        lang,
        "passport",
        make_text(lang, body=body),
        actor=AUTHOR,
        expected_revision=current.revision,
    )
    publish(store, lang, "passport")
    version = course_store.current_version(store, lang, "passport")
    assert version is not None
    return version


def test_save_pins_published_versions_and_publishes_on_its_own_line(
    content: ArticleStore,
) -> None:
    saved = course_store.save(content, course_yaml(), actor=TRAINER)
    kk_version = course_store.current_version(content, "kk", "passport")
    ru_version = course_store.current_version(content, "ru", "passport")
    refs = saved.modules[0].articles()
    assert [r.revision for r in refs] == [kk_version, ru_version]
    assert all(len(r.revision) == 40 for r in refs)
    assert saved.question("ru-where").revision == ru_version
    # The draft is a commit by the trainer; nothing is published yet.
    assert git(content, "log", "-1", "--format=%an", "refs/heads/main").strip() == TRAINER.name
    with pytest.raises(ArticleNotFound):
        course_store.load(content, "basics", line="published")
    assert course_store.list_courses(content, line="published") == []
    published = course_store.publish(content, "basics", actor=TRAINER)
    assert published == saved and published.version == saved.version
    author = git(content, "log", "-1", "--format=%an", "refs/heads/published").strip()
    assert author == TRAINER.name
    assert [(r.line, r.author) for r in course_store.history(content, "basics")] == [
        ("published", TRAINER.name),
        ("draft", TRAINER.name),
    ]
    assert [c.id for c in course_store.list_courses(content, line="published")] == ["basics"]
    # The pinned text is the article as it was published.
    pinned = content.get("kk", "passport", revision=refs[0].revision)
    assert "ХҚКО" in pinned.body


def test_dump_parse_round_trip_keeps_kazakh_and_russian(content: ArticleStore) -> None:
    saved = course_store.save(content, course_yaml(), actor=TRAINER)
    text = courses.dump(saved)
    assert "Құжаттар" in text and "Документы" in text
    assert courses.parse(text, "basics") == saved
    assert courses.localized(saved.title, "kk") == "Негіздер"
    assert courses.localized({"ru": "Основы"}, "kk") == "Основы"


def test_changed_since_pinned_flags_then_update_pin_clears(
    content: ArticleStore, make_text: MakeText
) -> None:
    saved = course_store.save(content, course_yaml(), actor=TRAINER)
    assert course_store.pinned_changes(saved, content) == []
    assert course_store.flagged_questions(saved, content) == []
    old_ru = saved.modules[0].articles("ru")[0].revision

    new_ru = republish(content, make_text, "ru", "Паспорт меняют в любом ЦОНе за 10 дней.\n")
    changes = course_store.pinned_changes(saved, content)
    assert [(c.item.key, c.pinned, c.current) for c in changes] == [("ru/passport", old_ru, new_ru)]
    assert changes[0].diff is not None and "10 дней" in changes[0].diff.inserted
    assert "<ins>" in changes[0].diff.html()
    flagged = course_store.flagged_questions(saved, content)
    assert [f.question.id for f in flagged] == ["ru-where"]

    updated = courses.update_pin(saved, "docs", "ru", "passport", new_ru)
    saved2 = course_store.save(content, updated, actor=TRAINER, expected_revision=saved.revision)
    assert course_store.pinned_changes(saved2, content) == []
    # The question stays flagged until the trainer reviews it.
    assert [f.question.id for f in course_store.flagged_questions(saved2, content)] == ["ru-where"]
    reviewed = courses.confirm_question(saved2, "ru-where", new_ru)
    saved3 = course_store.save(content, reviewed, actor=TRAINER, expected_revision=saved2.revision)
    assert course_store.flagged_questions(saved3, content) == []
    # The Kazakh side was untouched all along.
    assert saved3.modules[0].articles("kk") == saved.modules[0].articles("kk")


def test_retired_article_is_reported_and_blocks_publishing(content: ArticleStore) -> None:
    saved = course_store.save(content, course_yaml(), actor=TRAINER)
    content.unpublish("kk", "passport", actor=REVIEWER)
    changes = course_store.pinned_changes(saved, content)
    assert [(c.item.key, c.retired) for c in changes] == [("kk/passport", True)]
    before = snapshot(content)
    with pytest.raises(InvalidArticle, match="kk/passport is not published"):
        course_store.publish(content, "basics", actor=TRAINER)
    assert snapshot(content) == before


def test_stale_expected_revision_is_a_conflict_that_keeps_the_text(
    content: ArticleStore,
) -> None:
    first = course_store.save(content, course_yaml(), actor=TRAINER)
    course_store.save(
        content, course_yaml(audience="seniors"), actor=TRAINER, expected_revision=first.revision
    )
    with pytest.raises(RevisionConflict) as caught:
        course_store.save(
            content,
            course_yaml(audience="juniors"),
            actor=TRAINER,
            expected_revision=first.revision,
        )
    assert "seniors" in (caught.value.current_text or "")
    assert course_store.load(content, "basics").audience == "seniors"


def _bad_module(**changes: object) -> list[dict[str, object]]:
    module = yaml.safe_load(course_yaml())["modules"][0]
    module.update(changes)
    return [module]


BAD_INPUTS = {
    "missing article": (
        {"modules": _bad_module(items=[{"article": "ru/no-such-article"}])},
        "ru/no-such-article does not exist",
    ),
    "unpublished article": (
        {"modules": _bad_module(items=[{"article": "ru/draft-only"}])},
        "ru/draft-only is not published",
    ),
    "no correct answer": (
        {
            "modules": _bad_module(
                questions=[
                    {"id": "q", "prompt": "?", "options": ["a", "b"], "article": "ru/passport"}
                ]
            )
        },
        "has no correct answer",
    ),
    "correct not an option": (
        {
            "modules": _bad_module(
                questions=[
                    {
                        "id": "q",
                        "prompt": "?",
                        "options": ["a", "b"],
                        "correct": ["c"],
                        "article": "ru/passport",
                    }
                ]
            )
        },
        "'c' is not one of the options",
    ),
    "duplicate module ids": (
        {"modules": _bad_module() + _bad_module(questions=[])},
        "duplicate module id",
    ),
    "duplicate question ids": (
        {
            "modules": _bad_module()
            + [
                {
                    **_bad_module(questions=[])[0],
                    "id": "more",
                    "questions": _bad_module()[0]["questions"][:1],
                }
            ]
        },
        "duplicate question id",
    ),
    "unknown pin": (
        {"modules": _bad_module(items=[{"article": "ru/passport", "revision": "abcdef12"}])},
        "is not a published version of ru/passport",
    ),
    "bad article reference": (
        {"modules": _bad_module(items=[{"article": "../etc/passwd"}])},
        "is not <lang>/<slug>",
    ),
    "missing title": ({"title": None}, "'title' is missing"),
    "unknown field": ({"colour": "red"}, "unknown field(s) colour"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_course_is_refused_with_a_clear_message_and_nothing_saved(
    content: ArticleStore, case: str
) -> None:
    changes, message = BAD_INPUTS[case]
    before = snapshot(content)
    with pytest.raises(InvalidArticle) as caught:
        course_store.save(content, course_yaml(**changes), actor=TRAINER)
    assert message in str(caught.value)
    assert isinstance(caught.value, courses.InvalidCourse)
    assert caught.value.code in courses.COURSE_ERRORS  # a stable code the web layer translates
    assert snapshot(content) == before


def test_a_draft_version_commit_cannot_be_pinned(
    content: ArticleStore, make_text: MakeText
) -> None:
    current = content.get("ru", "passport")
    draft = content.save(
        "ru",
        "passport",
        make_text("ru", body="Черновик\n"),
        actor=AUTHOR,
        expected_revision=current.revision,
    )
    items = [{"article": "ru/passport", "revision": draft.revision}]
    with pytest.raises(InvalidArticle, match="not a published version"):
        course_store.save(content, course_yaml(modules=_bad_module(items=items)), actor=TRAINER)


def test_editing_functions_arrange_modules_items_and_questions(content: ArticleStore) -> None:
    course = course_store.save(content, course_yaml(), actor=TRAINER)
    course = courses.add_module(course, "more", {"kk": "Қосымша", "ru": "Ещё"})
    assert [m.id for m in courses.move_module(course, "more", -1).modules] == ["more", "docs"]
    assert courses.move_module(course, "docs", -1) == course  # already first: no-op
    with pytest.raises(InvalidArticle, match="duplicate module id"):
        courses.add_module(course, "docs", {"kk": "Қайта", "ru": "Снова"})
    moved = courses.move_item(course, "docs", 1, +1)
    assert isinstance(moved.modules[0].items[1], courses.TrainerNote)
    fewer = courses.remove_item(course, "docs", 0)
    assert len(fewer.modules[0].items) == 3
    note = courses.TrainerNote("Кейін", lang="kk")
    assert courses.add_item(course, "more", note).module("more").items == (note,)
    added = courses.add_question(
        course,
        "more",
        {
            "id": "kk-fee",
            "kind": "choice",
            "prompt": "Баж?",
            "options": ["4 АЕК", "Тегін"],
            "correct": ["4 АЕК"],
            "article": "kk/passport",
        },
    )
    assert added.question("kk-fee").lang == "kk"
    with pytest.raises(InvalidArticle, match="has no correct answer"):
        courses.add_question(course, "more", {"id": "x", "prompt": "?", "article": "kk/passport"})
    assert [q.id for _m, q in courses.remove_question(added, "kk-where").questions()] == [
        "ru-where",
        "kk-fee",
    ]
    assert courses.remove_module(added, "more").modules == course.modules[:1]
    with pytest.raises(ArticleNotFound):
        courses.update_pin(course, "more", "ru", "passport", "published")
    # A record built in code is checked like a file before anything is written.
    before = snapshot(content)
    bad_note = courses.add_item(course, "more", courses.TrainerNote("x", lang="de"))
    with pytest.raises(InvalidArticle, match="unknown note language"):
        course_store.save(content, bad_note, actor=TRAINER, expected_revision=course.revision)
    assert snapshot(content) == before


def test_quiz_scoring_choice_and_folded_short_answers() -> None:
    base = {"lang": "ru", "slug": "passport", "revision": "published"}
    choice = courses.Question(
        id="c",
        kind="choice",
        prompt="?",
        options=("4 МРП", "0,2 МРП", "ЦОН"),
        correct=("4 МРП", "ЦОН"),
        **base,
    )
    assert courses.is_correct(choice, ["ЦОН", "4 МРП"])
    assert not courses.is_correct(choice, ["4 МРП"])
    assert not courses.is_correct(choice, ["4 МРП", "ЦОН", "0,2 МРП"])
    single = dataclasses.replace(choice, correct=("4 МРП",))
    assert courses.is_correct(single, "4 МРП") and not courses.is_correct(single, "ЦОН")
    short_ru = courses.Question(
        id="s", kind="short", prompt="?", correct=("В любом ЦОНе", "Всё равно"), **base
    )
    assert courses.is_correct(short_ru, "  в ЛЮБОМ   цоне. ")
    assert courses.is_correct(short_ru, "все равно")  # ё/е
    assert not courses.is_correct(short_ru, "в акимате")
    assert not courses.is_correct(short_ru, "   ")
    short_kk = dataclasses.replace(short_ru, lang="kk", correct=("Кез келген ХҚКО",))
    assert courses.is_correct(short_kk, "кез келген хкко")  # Kazakh letters typed as Russian
    assert courses.is_correct(short_kk, "КЕЗ КЕЛГЕН ХҚКО!")
    assert courses.normalise_answer("Төрт  АЕК, өтініш") == "торт аек отиниш"


def test_parse_rejects_mismatched_id_and_bad_yaml() -> None:
    with pytest.raises(InvalidArticle, match="differs from the file name"):
        courses.parse(course_yaml(), "other")
    with pytest.raises(InvalidArticle, match="not valid YAML"):
        courses.parse("id: [unclosed", "basics")
    with pytest.raises(InvalidArticle, match="Invalid course id"):
        courses.parse(course_yaml(id="Bad Id"))
