"""ArticleStore: reading, saving, conflicts, bad input, files, bodies, index support."""

from __future__ import annotations

import pytest
from articles_support import AUTHOR
from articles_support import OTHER
from articles_support import REVIEWER
from articles_support import MakeText
from articles_support import git
from articles_support import publish
from articles_support import snapshot

from articles.bodies import Body
from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidRevision
from articles.errors import InvalidSlug
from articles.errors import RevisionConflict
from articles.store import ArticleStore


def test_init_creates_both_lines_and_reopens(store: ArticleStore) -> None:
    assert store.published_head() == git(store, "rev-parse", "main").strip()
    again = ArticleStore.init(store.path)
    try:
        assert again.published_head() == store.published_head()
    finally:
        again.close()


def test_opening_a_missing_repository_names_the_fix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArticleError) as info:
        ArticleStore(tmp_path / "nothing")
    assert info.value.code == "no_repository" and "ArticleStore.init" in info.value.message


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_save_and_get(store: ArticleStore, make_text: MakeText, lang: str) -> None:
    saved = store.save(lang, "passport", make_text(lang), actor=AUTHOR)
    got = store.get(lang, "passport")
    assert got.meta == saved.meta and got.body == saved.body
    assert got.revision == saved.revision == git(store, "rev-parse", "main").strip()
    log = git(store, "log", "-1", "--format=%an|%ae|%s", "main")
    assert log.strip() == f"{AUTHOR.name}|{AUTHOR.email}|Create {lang}/passport"
    with pytest.raises(ArticleNotFound):
        store.get(lang, "passport", line="published")
    # the working tree mirrors main and stays clean
    assert git(store, "status", "--porcelain") == ""
    assert (store.path / lang / "passport.md").read_text(encoding="utf-8").startswith("---")


def test_list_both_languages(store: ArticleStore, make_text: MakeText) -> None:
    store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    store.save("kk", "pasport", make_text("kk"), actor=AUTHOR)
    assert [(a.lang, a.slug) for a in store.list()] == [("kk", "pasport"), ("ru", "passport")]
    assert [a.slug for a in store.list(lang="kk")] == ["pasport"]
    assert store.list(line="published") == []


def test_unchanged_save_makes_no_commit(store: ArticleStore, make_text: MakeText) -> None:
    first = store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    again = store.save(
        "ru", "passport", make_text("ru"), actor=AUTHOR, expected_revision=first.revision
    )
    assert again.revision == first.revision


def test_unknown_agency_is_a_warning(store: ArticleStore, make_text: MakeText) -> None:
    saved = store.save("kk", "passport", make_text("kk", agencies=("nobody",)), actor=AUTHOR)
    assert len(saved.warnings) == 1 and "bodies/nobody.yaml" in saved.warnings[0]
    body = Body(id="nobody", name={"kk": "Ешкім", "ru": "Никто"}, handles={})
    store.save_body(body, actor=AUTHOR)
    again = store.save(
        "kk",
        "passport",
        make_text("kk", agencies=("nobody",), body="Жаңа\n"),
        actor=AUTHOR,
        expected_revision=saved.revision,
    )
    assert again.warnings == ()


# -- optimistic concurrency ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_conflict_keeps_both_versions(store: ArticleStore, make_text: MakeText, lang: str) -> None:
    base = store.save(lang, "passport", make_text(lang), actor=AUTHOR)
    mine = make_text(lang, body="Менің нұсқам / моя версия\n")
    theirs = make_text(lang, body="Олардың нұсқасы / их версия\n")
    store.save(lang, "passport", theirs, actor=OTHER, expected_revision=base.revision)
    before = snapshot(store)
    with pytest.raises(RevisionConflict) as info:
        store.save(lang, "passport", mine, actor=AUTHOR, expected_revision=base.revision)
    assert info.value.attempted == mine
    assert info.value.current is not None and "их версия" in info.value.current.body
    assert info.value.code == "conflict" and "changed by someone else" in info.value.message
    assert snapshot(store) == before


def test_other_articles_moving_is_not_a_conflict(store: ArticleStore, make_text: MakeText) -> None:
    base = store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
    store.save("ru", "other", make_text("ru", id="other"), actor=OTHER)
    saved = store.save(
        "ru",
        "passport",
        make_text("ru", body="Новое\n"),
        actor=AUTHOR,
        expected_revision=base.revision,
    )
    assert saved.body == "Новое\n"


def test_creating_an_existing_article_is_a_conflict(
    store: ArticleStore, make_text: MakeText
) -> None:
    store.save("kk", "passport", make_text("kk"), actor=AUTHOR)
    with pytest.raises(RevisionConflict) as info:
        store.save("kk", "passport", make_text("kk", body="Басқа\n"), actor=OTHER)
    assert "already exists" in info.value.message


def test_save_many_is_all_or_nothing(store: ArticleStore, make_text: MakeText) -> None:
    saved = store.save_many(
        [("kk", "a", make_text("kk", id="a"), None), ("ru", "a", make_text("ru", id="a"), None)],
        actor=AUTHOR,
        message="Import 2",
    )
    assert [a.path for a in saved] == ["kk/a.md", "ru/a.md"]
    assert git(store, "log", "-1", "--format=%s", "main").strip() == "Import 2"
    before = snapshot(store)
    with pytest.raises(InvalidArticle) as info:
        store.save_many(
            [("kk", "b", make_text("kk", id="b"), None), ("ru", "b", "broken", None)],
            actor=AUTHOR,
        )
    assert "ru/b.md (item 2)" in info.value.message
    with pytest.raises(RevisionConflict):
        store.save_many(
            [
                ("kk", "c", make_text("kk", id="c"), None),
                ("ru", "a", make_text("ru", id="a"), None),
            ],
            actor=AUTHOR,
        )
    assert snapshot(store) == before


def test_save_many_publish_imports_straight_to_published(
    store: ArticleStore, make_text: MakeText
) -> None:
    store.save_many(
        [("kk", "a", make_text("kk", id="a"), None), ("ru", "a", make_text("ru", id="a"), None)],
        actor=AUTHOR,
        publish=True,
    )
    assert {a.path for a in store.list("published")} == {"kk/a.md", "ru/a.md"}
    assert store.state("ru", "a").status == "published"
    assert "Imported-by" in git(store, "log", "-1", "--format=%B", "published")


# -- bad input: clear error, repository unchanged --------------------------------------

BAD_SAVES = [
    ("ru", "../etc", None, InvalidSlug, "invalid_slug"),
    ("ru", "a/b", None, InvalidSlug, "invalid_slug"),
    ("de", "passport", None, InvalidSlug, "invalid_lang"),
    ("ru", "passport", "---\ntitel: x\n---\n", InvalidArticle, "unknown_field"),
    ("ru", "passport", "no front matter", InvalidArticle, "front_matter_missing"),
    ("ru", "passport", b"---\nid: a\ntitle: \xff\nlang: ru\n---\n", InvalidArticle, "encoding"),
    ("ru", "passport", "BIG", InvalidArticle, "too_large"),
    ("ru", "passport", "REV:HEAD~1", InvalidRevision, "invalid_revision"),
    ("ru", "passport", "REV:--upload-pack=x", InvalidRevision, "invalid_revision"),
    ("ru", "passport", "REV:" + "ab" * 20, InvalidRevision, "unknown_revision"),
]


@pytest.mark.parametrize(
    ("lang", "slug", "text", "error", "code"),
    BAD_SAVES,
    ids=[c[4] + str(i) for i, c in enumerate(BAD_SAVES)],
)
def test_bad_save_leaves_repository_unchanged(
    tmp_path,
    make_text: MakeText,
    lang: str,
    slug: str,
    text,
    error,
    code: str,  # type: ignore[no-untyped-def]
) -> None:
    with ArticleStore.init(tmp_path / "c", max_bytes=2048) as store:
        store.save("ru", "passport", make_text("ru"), actor=AUTHOR)
        before = snapshot(store)
        expected = None
        if text is None:
            text = make_text("ru")
        elif text == "BIG":
            text = make_text("ru", body="Ж" * 2000)
        elif isinstance(text, str) and text.startswith("REV:"):
            expected, text = text[4:], make_text("ru", body="Жаңа\n")
        with pytest.raises(error) as info:
            store.save(lang, slug, text, actor=AUTHOR, expected_revision=expected)
        assert info.value.code == code
        assert snapshot(store) == before
        assert git(store, "fsck", "--no-progress") == ""


def test_get_with_bad_revision(store: ArticleStore, make_text: MakeText) -> None:
    saved = store.save("kk", "passport", make_text("kk"), actor=AUTHOR)
    with pytest.raises(InvalidRevision):
        store.get("kk", "passport", revision="main")
    with pytest.raises(InvalidRevision):
        store.get("kk", "passport", revision="-n1")
    assert store.get("kk", "passport", revision=saved.revision[:8]).blob == saved.blob
    with pytest.raises(InvalidSlug):
        store.get("kk", "../../etc/passwd")


# -- index support -----------------------------------------------------------------------


def test_changed_since(store: ArticleStore, make_text: MakeText) -> None:
    start = store.published_head()
    for lang, slug in [("kk", "a"), ("ru", "a"), ("ru", "b")]:
        store.save(lang, slug, make_text(lang, id=slug), actor=AUTHOR)
        publish(store, lang, slug)
    assert store.changed_since(None) == ([("kk", "a"), ("ru", "a"), ("ru", "b")], [])
    assert store.changed_since(start) == ([("kk", "a"), ("ru", "a"), ("ru", "b")], [])
    mid = store.published_head()
    store.unpublish("ru", "b", actor=REVIEWER)
    # draft edits are invisible to the published line
    store.save(
        "kk",
        "a",
        make_text("kk", id="a", body="Жаңа\n"),
        actor=AUTHOR,
        expected_revision=store.get("kk", "a").revision,
    )
    assert store.changed_since(mid) == ([], [("ru", "b")])
    with pytest.raises(InvalidRevision):
        store.changed_since("HEAD")


# -- other versioned files -----------------------------------------------------------------


def test_synonyms_file(store: ArticleStore) -> None:
    text = "ЦОН = ХҚКО = центр обслуживания населения\n"
    rev = store.save_file("synonyms.txt", text, actor=AUTHOR)
    assert store.read_file("synonyms.txt") == (text, rev)
    with pytest.raises(ArticleNotFound):
        store.read_file("synonyms.txt", line="published")
    store.publish_file("synonyms.txt", actor=REVIEWER)
    assert store.read_file("synonyms.txt", line="published")[0] == text
    with pytest.raises(RevisionConflict) as info:
        store.save_file("synonyms.txt", "ЭЦП = ЭЦҚ\n", actor=OTHER)
    assert info.value.current_text == text


@pytest.mark.parametrize(
    "path", [".workflow/ru/a.yaml", "ru/a.md", "../x", "bodies/A.yaml", "x.txt"]
)
def test_save_file_refuses_other_paths(store: ArticleStore, path: str) -> None:
    with pytest.raises(InvalidSlug):
        store.save_file(path, "x", actor=AUTHOR)


def test_bodies_directory(store: ArticleStore) -> None:
    gov4c = Body(
        id="gov4c",
        name={
            "kk": "«Азаматтарға арналған үкімет» МК",
            "ru": "Госкорпорация «Правительство для граждан»",
        },
        handles={"kk": "ХҚКО арқылы қызметтер", "ru": "Услуги через ЦОН"},
        phone="1414",
        site="https://gov4c.kz",
        services=("id-card",),
    )
    rev = store.save_body(gov4c, actor=AUTHOR)
    assert store.body("gov4c") == gov4c
    assert store.bodies() == [gov4c]
    assert store.list_files("bodies") == ["bodies/gov4c.yaml"]
    bad = "id: mvd\nname: {ru: МВД}\n"
    with pytest.raises(InvalidArticle) as info:
        store.save_file("bodies/mvd.yaml", bad, actor=AUTHOR)
    assert info.value.field == "name" and "kk" in info.value.message
    with pytest.raises(InvalidArticle) as info:
        store.save_file(
            "bodies/gov4c.yaml", "id: gov4c\nnmae: {}\n", actor=AUTHOR, expected_revision=rev
        )
    assert info.value.code == "unknown_field" and "'name'" in info.value.message
    with pytest.raises(InvalidArticle):
        store.save_file(
            "bodies/x.yaml",
            "id: x\nname: {kk: a, ru: b}\nsite: javascript:alert(1)\n",
            actor=AUTHOR,
        )


def test_maintain_keeps_the_repository_valid(store: ArticleStore, make_text: MakeText) -> None:
    store.save("kk", "a", make_text("kk", id="a"), actor=AUTHOR)
    store.maintain()
    assert store.get("kk", "a").title
    assert git(store, "fsck", "--no-progress") == ""
