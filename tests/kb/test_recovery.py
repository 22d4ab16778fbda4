"""Repairs after a crash and index consistency, in-process on real git and Whoosh.

The states here are those a ``kill -9`` leaves (measured in issue 12), made by hand so
that each test is exact: ``tests/kb/test_crash_recovery.py`` kills real ``kb`` processes.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from articles import recovery
from articles.model import Actor
from articles.store import ArticleStore
from kb.services import KnowledgeBase
from search.schema import IndexDoc
from tests.articles.articles_support import make_text
from tests.conftest import make_app

AUTHOR = Actor("Айгүл Серікқызы", "aigul@example.kz")
REVIEWER = Actor("Борис Петров", "boris@example.kz")
ARTICLES = {
    ("kk", "tolqujat"): "Төлқұжатты ХҚКО-да ауыстыру тәртібі.\n",
    ("ru", "pasport"): "Порядок замены паспорта в ЦОНе.\n",
}


def _kb(home: Path) -> KnowledgeBase:
    return KnowledgeBase(content_dir=home / "content", index_dir=home / "index")


def _publish(store: ArticleStore, lang: str, slug: str, body: str) -> None:
    store.save(lang, slug, make_text(lang, id=slug, body=body), actor=AUTHOR)
    store.submit(lang, slug, actor=AUTHOR)
    store.approve(lang, slug, actor=REVIEWER)
    store.publish(lang, slug, actor=REVIEWER)


def _git(content: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(content), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _titles(kb: KnowledgeBase, query: str) -> set[str]:
    return {hit.id for hit in kb.search(query).hits}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An instance folder whose content has one published article per language."""
    home = tmp_path / "instance"
    with _kb(home) as kb:
        for (lang, slug), body in ARTICLES.items():
            _publish(kb.store, lang, slug, body)
        kb.sync_index()
    return home


def _half_publish(home: Path, *, with_intent: bool) -> str:
    """Publish ru/zhana, then undo the move of ``published`` and leave git's locks.

    The state a kill between git's two ref renames left (issue 12): main holds the
    "Record publication" commit, published did not move, HEAD.lock and
    published.lock stay. Returns the published commit that should have been reached.
    """
    content = home / "content"
    with ArticleStore(content) as store:
        before = store.published_head()
        main_before = _git(content, "rev-parse", "refs/heads/main")
        _publish(store, "ru", "zhana", "Новая статья о пособии по уходу за ребёнком.\n")
        target = store.published_head()
        main_after = _git(content, "rev-parse", "refs/heads/main")
    _git(content, "update-ref", "refs/heads/published", before, target)
    git_dir = content / ".git"
    (git_dir / "HEAD.lock").write_text(main_after + "\n")
    (git_dir / "refs" / "heads" / "published.lock").write_text(target + "\n")
    (git_dir / "index.lock").write_text("")
    (git_dir / "kb-index-abc123").write_text("")
    if with_intent:
        # the submit/approve commits are main's; the publish moved main from its
        # approve commit, so the intent names that one as main's old value
        approve = _git(content, "rev-parse", "refs/heads/main~1")
        assert approve != main_before
        (git_dir / recovery.INTENT_FILE).write_text(
            json.dumps(
                [
                    ["refs/heads/main", main_after, approve],
                    ["refs/heads/published", target, before],
                ]
            )
        )
    return target


@pytest.mark.parametrize("with_intent", [True, False], ids=["intent", "older-version"])
def test_a_half_moved_publication_is_finished_and_the_next_write_succeeds(
    home: Path, with_intent: bool
) -> None:
    target = _half_publish(home, with_intent=with_intent)
    with _kb(home) as kb:
        store = kb.store  # opening repairs
        assert store.published_head() == target
        assert store.get("ru", "zhana", line="published").slug == "zhana"
        assert store.state("ru", "zhana").status.value == "published"
        assert recovery.leftovers(store.repo.git_dir) == []
        # the next write works, and the working-tree mirror follows again
        store.save("kk", "zhana", make_text("kk", id="zhana", body="Жаңа мақала.\n"), actor=AUTHOR)
        assert (home / "content" / "kk" / "zhana.md").is_file()
        assert "pasport" in _titles(kb, "паспорт") and "zhana" in _titles(kb, "пособие")
    subprocess.run(["git", "-C", str(home / "content"), "fsck", "--strict"], check=True)


def test_an_intent_whose_refs_never_moved_is_dropped(home: Path) -> None:
    content = home / "content"
    git_dir = content / ".git"
    main = _git(content, "rev-parse", "refs/heads/main")
    published = _git(content, "rev-parse", "refs/heads/published")
    other = _git(content, "rev-parse", "refs/heads/main~1")
    (git_dir / recovery.INTENT_FILE).write_text(
        json.dumps([["refs/heads/main", other, main], ["refs/heads/published", other, published]])
    )
    with ArticleStore(content) as store:
        store.recover()
        assert _git(content, "rev-parse", "refs/heads/main") == main
        assert store.published_head() == published
    assert not (git_dir / recovery.INTENT_FILE).exists()


def test_locks_are_removed_before_each_write_not_only_at_start(home: Path) -> None:
    content = home / "content"
    with ArticleStore(content) as store:
        (content / ".git" / "refs" / "heads" / "main.lock").write_text("")
        (content / ".git" / "index.lock").write_text("")
        store.save("ru", "novoe", make_text("ru", id="novoe", body="Текст.\n"), actor=AUTHOR)
        assert store.get("ru", "novoe").slug == "novoe"
        assert (content / "ru" / "novoe.md").is_file()
        assert recovery.leftovers(store.repo.git_dir) == []


def test_check_without_repair_reports_drift_and_changes_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.cli import main

    app = make_app(home)
    monkeypatch.setenv("KB_HOME", str(home))
    monkeypatch.setenv("KB_SECRET_KEY", app.config["SECRET_KEY"])
    with ArticleStore(home / "content") as store:  # another process publishes, no index
        _publish(store, "kk", "zhardemaqy", "Бала күтіміне арналған жәрдемақы.\n")
    runner = CliRunner()
    drift = runner.invoke(main, ["index", "check", "--no-repair"])
    assert drift.exit_code == 1, drift.output
    assert "missing 1" in drift.output
    again = runner.invoke(main, ["index", "check", "--no-repair"])
    assert again.exit_code == 1, "--no-repair must not have repaired anything"
    repaired = runner.invoke(main, ["index", "check"])  # opening catches up, then checks
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(main, ["index", "check", "--no-repair"]).exit_code == 0


def test_a_rebuild_beside_a_publish_keeps_the_publication(home: Path) -> None:
    """Another process publishes after the rebuild read the content (issue 12: lost)."""
    rebuilder, publisher = _kb(home), _kb(home)
    publisher.index  # noqa: B018 - opened before, as a running server's is
    read_docs = rebuilder._published_docs
    published: list[str] = []

    def docs_then_publish(keys: Iterable[tuple[str, str]] | None = None) -> list[IndexDoc]:
        docs = read_docs(keys)
        if not published:  # once: right after the rebuild read the whole content
            _publish(publisher.store, "ru", "posobie", "Пособие по уходу за ребёнком до года.\n")
            publisher.sync_index()
            published.append(publisher.store.published_head())
        return docs

    rebuilder._published_docs = docs_then_publish  # type: ignore[method-assign]
    rebuilder.rebuild_index()
    rebuilder._published_docs = read_docs  # type: ignore[method-assign]
    from search import generations

    root = home / "index"
    state = generations.read_state(root, generations.read_current(root) or "")
    assert state is not None and state["last_commit"] == published[0]
    assert "posobie" in _titles(publisher, "пособие")  # the running server finds it
    assert "posobie" in _titles(rebuilder, "пособие")
    rebuilder.close()
    publisher.close()


def test_a_node_follows_publications_of_another_process(home: Path) -> None:
    app = make_app(home, READY_LAG_SECONDS=0)  # any lag shows at once
    kb: KnowledgeBase = app.extensions["kb"]
    client = app.test_client()
    assert client.get("/-/readyz").status_code == 200
    with ArticleStore(home / "content") as store:  # e.g. `kb import --publish`, killed
        _publish(store, "kk", "zhardemaqy", "Бала күтіміне арналған жәрдемақы.\n")
        head = store.published_head()
    answer = client.get("/-/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["index"].startswith("behind")
    assert "zhardemaqy" not in _titles(kb, "жәрдемақы")
    from kb import follower

    assert follower.follow_once(kb) == head
    assert "zhardemaqy" in _titles(kb, "жәрдемақы")
    ready = client.get("/-/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"] == {"database": "ok", "index": "ok"}
    kb.close()


def test_unfinished_generations_are_removed_on_open_but_not_one_being_built(
    home: Path,
) -> None:
    from search import generations

    root = home / "index"
    dead = generations.new_generation(root)
    (root / dead / "_MAIN_1.toc").write_text("half")
    (root / "CURRENT.tmp").write_text(dead)
    alive = generations.new_generation(root)
    with generations.building_lock(root, alive):
        with _kb(home) as kb:
            assert kb.check_index(repair=False).clean
            assert not (root / dead).exists() and not (root / "CURRENT.tmp").exists()
            assert (root / alive).is_dir()
    with _kb(home) as kb:
        kb.index  # noqa: B018
        assert not (root / alive).exists()


def test_prepare_builds_beside_the_live_generation_and_the_upgrade_switches_to_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import search.lifecycle
    from search import generations

    root = home / "index"
    live = generations.read_current(root)
    old_version = search.lifecycle.SCHEMA_VERSION
    monkeypatch.setattr(search.lifecycle, "SCHEMA_VERSION", old_version + 1)  # the new version
    with _kb(home) as new:
        new.rebuild_index(switch=False)
    assert generations.read_current(root) == live, "the old version keeps serving"
    with ArticleStore(home / "content") as store:  # published after the preparation
        _publish(store, "ru", "posobie", "Пособие по уходу за ребёнком до года.\n")
    with _kb(home) as new:
        index = new.index
        assert not index.needs_rebuild
        assert generations.read_current(root) != live
        assert generations.read_state(root, generations.read_current(root) or "") == {
            "schema_version": old_version + 1,
            "last_commit": new.store.published_head(),
        }
        assert "posobie" in _titles(new, "пособие") and "pasport" in _titles(new, "паспорт")


def test_readyz_needs_no_sign_in(tmp_path: Path) -> None:
    app: Flask = make_app(tmp_path / "instance")
    answer = app.test_client().get("/-/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "ready"
    app.extensions["kb"].close()


def test_an_upgrade_without_preparation_keeps_the_old_generation_live_while_it_rebuilds(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import search.lifecycle
    from search import generations

    root = home / "index"
    live = generations.read_current(root)
    monkeypatch.setattr(search.lifecycle, "SCHEMA_VERSION", search.lifecycle.SCHEMA_VERSION + 1)
    seen: list[str | None] = []
    with _kb(home) as new:
        read_docs = new._published_docs

        def docs(keys: Iterable[tuple[str, str]] | None = None) -> list[IndexDoc]:
            seen.append(generations.read_current(root))  # what other processes search
            return read_docs(keys)

        new._published_docs = docs  # type: ignore[method-assign]
        assert "pasport" in _titles(new, "паспорт")
    assert seen and seen[0] == live
    assert generations.read_current(root) != live
