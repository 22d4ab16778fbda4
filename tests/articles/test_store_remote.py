"""Several nodes' stores sharing one bare remote (``KB_CONTENT_REMOTE``), with real git.

Each "node" is its own clone; every write is pushed (both refs in one atomic push with the
expected old values) before it is acknowledged.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from articles_support import AUTHOR
from articles_support import OTHER
from articles_support import REVIEWER
from articles_support import MakeText
from articles_support import publish

from articles.errors import RevisionConflict
from articles.remote import RemoteUnavailable
from articles.store import ArticleStore


def remote_git(remote: Path, *args: str) -> str:
    """Run git in the bare remote and return its output."""
    return subprocess.run(
        ["git", f"--git-dir={remote}", *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """An empty bare repository, as a new deployment's canonical remote."""
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", str(path)], check=True)
    return path


@pytest.fixture
def nodes(tmp_path: Path, remote: Path) -> Iterator[tuple[ArticleStore, ArticleStore]]:
    """Node A seeds the empty remote; node B clones it."""
    first = ArticleStore.init(tmp_path / "a" / "content", remote=str(remote))
    second = ArticleStore.init(tmp_path / "b" / "content", remote=str(remote))
    yield first, second
    first.close()
    second.close()


def test_the_first_node_seeds_the_remote_and_the_next_clones_it(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path
) -> None:
    first, second = nodes
    for ref in ("main", "published"):
        assert remote_git(remote, "rev-parse", ref) == first.repo.resolve(f"refs/heads/{ref}")
        assert second.repo.resolve(f"refs/heads/{ref}") == first.repo.resolve(f"refs/heads/{ref}")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_save_is_on_the_remote_when_acknowledged_and_the_other_node_reads_it(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path, make_text: MakeText, lang: str
) -> None:
    first, second = nodes
    saved = first.save(lang, "passport", make_text(lang), actor=AUTHOR)
    assert remote_git(remote, "rev-parse", "main") == saved.revision
    assert second.repo.resolve("refs/heads/main") != saved.revision
    # a read that finds nothing looks on the remote (another node may have just written it)
    assert second.get(lang, "passport").blob == saved.blob
    assert second.get(lang, "passport", revision=saved.revision).blob == saved.blob


def test_publish_moves_both_refs_on_the_remote_and_the_follower_sees_it(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path, make_text: MakeText
) -> None:
    first, second = nodes
    first.save("kk", "passport", make_text("kk"), actor=AUTHOR)
    publish(first, "kk", "passport")
    assert remote_git(remote, "rev-parse", "published") == first.published_head()
    assert remote_git(remote, "log", "-1", "--format=%s", "main").startswith("Record publication")
    before, after = second.follow_remote()
    assert before != after == first.published_head()
    assert second.get("kk", "passport", "published").blob == first.get("kk", "passport").blob


def test_the_same_article_saved_on_two_nodes_is_a_conflict_with_both_texts(
    nodes: tuple[ArticleStore, ArticleStore], make_text: MakeText
) -> None:
    first, second = nodes
    base = first.save("ru", "passport", make_text("ru", body="Исходный текст."), actor=AUTHOR)
    second.follow_remote()
    first.save(
        "ru",
        "passport",
        make_text("ru", body="Текст узла А."),
        actor=AUTHOR,
        expected_revision=base.revision,
    )
    mine = make_text("ru", body="Текст узла Б.")
    with pytest.raises(RevisionConflict) as info:
        second.save("ru", "passport", mine, actor=OTHER, expected_revision=base.revision)
    assert "Текст узла А." in (info.value.current_text or "")
    assert info.value.attempted == mine
    assert "Текст узла А." in second.get("ru", "passport").body  # B now follows the remote


def test_a_node_behind_the_remote_replays_a_change_to_another_file(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path, make_text: MakeText
) -> None:
    first, second = nodes
    first.save("kk", "passport", make_text("kk"), actor=AUTHOR)
    # B never heard of A's save: its write is made on the remote's head
    second.save("ru", "pension", make_text("ru", id="pension"), actor=OTHER)
    files = remote_git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert {"kk/passport.md", "ru/pension.md"} <= set(files)


def test_concurrent_saves_on_two_nodes_all_reach_the_remote(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path, make_text: MakeText
) -> None:
    first, second = nodes
    errors: list[BaseException] = []

    def write(store: ArticleStore, prefix: str) -> None:
        try:
            for number in range(6):
                slug = f"{prefix}-{number}"
                store.save("ru", slug, make_text("ru", id=slug), actor=AUTHOR)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, p)) for s, p in nodes_and(first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    files = set(remote_git(remote, "ls-tree", "-r", "--name-only", "main").split())
    expected = {f"ru/{p}-{n}.md" for p in ("a", "b") for n in range(6)}
    assert expected <= files
    history = remote_git(remote, "log", "--format=%s", "main")
    assert sum(line.startswith("Create ru/") for line in history.splitlines()) == 12


def nodes_and(first: ArticleStore, second: ArticleStore) -> list[tuple[ArticleStore, str]]:
    """Each node with the slug prefix it writes."""
    return [(first, "a"), (second, "b")]


def test_an_unreachable_remote_refuses_writes_naming_it_and_reads_go_on(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path, make_text: MakeText
) -> None:
    first, _second = nodes
    first.save("kk", "passport", make_text("kk"), actor=AUTHOR)
    publish(first, "kk", "passport")
    heads = (first.repo.resolve("refs/heads/main"), first.published_head())
    moved = remote.with_name("away.git")
    remote.rename(moved)
    try:
        with pytest.raises(RemoteUnavailable) as info:
            first.save("ru", "pension", make_text("ru", id="pension"), actor=AUTHOR)
        assert str(remote) in str(info.value) and info.value.code == "remote_unavailable"
        with pytest.raises(RemoteUnavailable):
            first.submit("kk", "passport", actor=REVIEWER)
        assert (first.repo.resolve("refs/heads/main"), first.published_head()) == heads
        assert first.get("kk", "passport", "published").meta.lang == "kk"
    finally:
        moved.rename(remote)
    first.save("ru", "pension", make_text("ru", id="pension"), actor=AUTHOR)
    assert "ru/pension.md" in remote_git(remote, "ls-tree", "-r", "--name-only", "main")


@pytest.fixture
def silent_remote() -> Iterator[str]:
    """A ``git://`` URL on loopback whose server accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():  # bounded by the test's end
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"git://127.0.0.1:{server.getsockname()[1]}/content.git"
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_remote_that_stops_answering_times_out_and_the_save_is_refused_naming_it(
    nodes: tuple[ArticleStore, ArticleStore], silent_remote: str, make_text: MakeText, lang: str
) -> None:
    first, _second = nodes
    first.save(lang, "passport", make_text(lang), actor=AUTHOR)
    heads = (first.repo.resolve("refs/heads/main"), first.published_head())
    # the same clone, its remote now a host that accepts and then hangs
    with ArticleStore(first.path, remote=silent_remote, remote_timeout=1) as node:
        with pytest.raises(RemoteUnavailable) as info:
            node.save(lang, "pension", make_text(lang, id="pension"), actor=AUTHOR)
        assert str(info.value).startswith(f"Remote unreachable: {silent_remote}.")
        assert "within 1 s" in str(info.value)
        assert info.value.remote == silent_remote
        assert (node.repo.resolve("refs/heads/main"), node.published_head()) == heads
        assert node.get(lang, "passport").meta.lang == lang  # reads go on
    first.save(lang, "pension", make_text(lang, id="pension"), actor=AUTHOR)  # back: works


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_publication_the_repair_completes_is_pushed_so_other_nodes_get_it(
    nodes: tuple[ArticleStore, ArticleStore], remote: Path, make_text: MakeText, lang: str
) -> None:
    first, second = nodes
    # A's clone holds a publication the remote does not: written by a process that
    # crashed after main recorded it and before published moved (an older version's
    # half-done publish, never pushed)
    with ArticleStore(first.path) as local_only:
        before = local_only.published_head()
        local_only.save(lang, "visa", make_text(lang, id="visa"), actor=AUTHOR)
        publish(local_only, lang, "visa")
        target = local_only.published_head()
        main = local_only.repo.resolve("refs/heads/main")
        local_only.repo.run("update-ref", "refs/heads/published", before, target)
    assert remote_git(remote, "rev-parse", "published") == before
    with ArticleStore(first.path, remote=str(remote)) as restarted:
        notes = restarted.recover()  # as on start
        assert f"published moved to {target[:10]}" in notes
        assert f"pushed main, published to {remote}" in notes
    assert remote_git(remote, "rev-parse", "published") == target
    assert remote_git(remote, "rev-parse", "main") == main
    second.follow_remote()
    assert second.get(lang, "visa", line="published").meta.lang == lang
    assert second.state(lang, "visa").status.value == "published"
    # nothing to push when nothing was repaired, and the next write on B works
    with ArticleStore(first.path, remote=str(remote)) as again:
        assert again.recover() == []
    text = make_text(lang, id="visa", body="Жаңа мәтін.\n")
    second.save(lang, "visa", text, actor=OTHER, expected_revision=main)


def test_without_a_remote_nothing_changes(tmp_path: Path, make_text: MakeText) -> None:
    with ArticleStore.init(tmp_path / "content") as store:
        assert store.remote is None
        saved = store.save("kk", "passport", make_text("kk"), actor=AUTHOR)
        assert store.follow_remote() == (store.published_head(), store.published_head())
        assert store.get("kk", "passport").revision == saved.revision
