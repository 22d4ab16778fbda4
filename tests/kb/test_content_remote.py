"""``KB_CONTENT_REMOTE`` in the application: ``kb init`` seeds or clones the shared bare
repository; an unreachable remote refuses writes with a message naming it (kk/ru/en)
while reading and searching go on."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from kb.cli import main
from tests.conftest import ROLE_USERS
from tests.conftest import add_user
from tests.conftest import make_app
from tests.editor.conftest import Session
from tests.editor.conftest import new_article_form


def bare(path: Path) -> Path:
    """An empty bare repository at ``path``."""
    subprocess.run(["git", "init", "--bare", "-q", str(path)], check=True)
    return path


def remote_files(remote: Path, ref: str = "main") -> list[str]:
    """Paths on ``ref`` of the bare remote."""
    out = subprocess.run(
        ["git", f"--git-dir={remote}", "ls-tree", "-r", "--name-only", ref],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_kb_init_seeds_an_empty_remote_and_the_next_node_clones_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = bare(tmp_path / "content.git")
    monkeypatch.setenv("KB_CONTENT_REMOTE", str(remote))
    runner = CliRunner()
    monkeypatch.setenv("KB_HOME", str(tmp_path / "a"))
    first = runner.invoke(main, ["init", "--demo"])
    assert first.exit_code == 0, first.output
    published = remote_files(remote, "published")
    assert any(p.startswith("kk/") for p in published) and any(
        p.startswith("ru/") for p in published
    )
    monkeypatch.setenv("KB_HOME", str(tmp_path / "b"))
    second = runner.invoke(main, ["init"])
    assert second.exit_code == 0, second.output
    clone = tmp_path / "b" / "content"
    for ref in ("main", "published"):
        head = subprocess.run(
            ["git", "-C", str(clone), "rev-parse", ref], capture_output=True, text=True, check=True
        ).stdout.strip()
        remote_head = subprocess.run(
            ["git", f"--git-dir={remote}", "rev-parse", ref],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert head == remote_head
    assert (clone / "kk").is_dir()  # the working-tree mirror of main


@pytest.fixture
def remote_app(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """An application whose content is pushed to a bare remote."""
    remote = bare(tmp_path / "content.git")
    app = make_app(tmp_path / "instance", CONTENT_REMOTE=str(remote))
    for name, roles in ROLE_USERS.items():
        add_user(app, name, roles)
    yield app, remote
    app.extensions["kb"].close()


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("kk", "Қашықтағы репозиторий қолжетімсіз: "),
        ("ru", "Удалённый репозиторий недоступен: "),
        ("en", "Remote unreachable: "),
    ],
)
def test_an_unreachable_remote_refuses_the_save_naming_it_and_keeps_the_text(
    remote_app: tuple[Flask, Path], locale: str, words: str
) -> None:
    app, remote = remote_app
    editor = Session(app, "editor")
    editor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    saved = editor.post("/-/edit/new", new_article_form("kk", "passport"))
    assert saved.status_code == 302
    assert "kk/passport.md" in remote_files(remote)
    remote.rename(remote.with_name("gone.git"))
    form = new_article_form("ru", "pension", body="Пенсию назначают по заявлению.\n")
    refused = editor.post("/-/edit/new", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert (words + str(remote)).casefold() in page.casefold()  # the message names it
    assert "Пенсию назначают по заявлению." in page  # nothing typed is lost
    assert not app.extensions["kb"].store.exists("ru", "pension")
    # reading goes on
    assert editor.get("/-/edit/kk/passport").status_code == 200


def test_a_workflow_step_on_an_unreachable_remote_is_a_503_page_naming_it(
    remote_app: tuple[Flask, Path],
) -> None:
    app, remote = remote_app
    editor = Session(app, "editor")
    editor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    assert editor.post("/-/edit/new", new_article_form("ru", "passport")).status_code == 302
    remote.rename(remote.with_name("gone.git"))
    response = editor.post("/-/edit/ru/passport/submit", {"note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert f"Удалённый репозиторий недоступен: {remote}" in page


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("kk", "Басқалар дәл осы сәтте "),
        ("ru", "Другие в это же время раз за разом сохраняли изменения в "),
        ("en", "Others were saving to "),
    ],
)
def test_a_remote_that_other_writers_keep_moving_says_so_and_keeps_the_text(
    remote_app: tuple[Flask, Path],
    locale: str,
    words: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Before each of our pushes another writer pushes a commit of its own (a real clone of
    the remote), so every replay loses the race: the editor is told others are saving and
    to try again, not that the remote is away; once the others stop, the same form saves."""
    from articles.remote import ContentRemote

    app, remote = remote_app
    editor = Session(app, "editor")
    editor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    git = ["git", "-C", str(other), "-c", "user.name=Other", "-c", "user.email=o@example.kz"]
    real_push = ContentRemote.push
    raced: list[int] = []

    def push_after_another_writer(self: ContentRemote, updates: list[tuple[str, str, str]]) -> None:
        subprocess.run([*git, "pull", "-q", "--ff-only", "origin", "main"], check=True)
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "other"], check=True)
        subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], check=True)
        raced.append(1)
        real_push(self, updates)

    monkeypatch.setattr(ContentRemote, "push", push_after_another_writer)
    monkeypatch.setattr("articles.storage.replay_pause", lambda attempt: 0.0)
    form = new_article_form("kk", "pension", body="Зейнетақы өтініш бойынша тағайындалады.\n")
    refused = editor.post("/-/edit/new", form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert len(raced) > 1  # replayed, and lost every time
    assert (words + str(remote)).casefold() in page.casefold()
    assert "Зейнетақы өтініш бойынша тағайындалады." in page  # nothing typed is lost
    assert "unreachable" not in page and "недоступен" not in page and "қолжетімсіз" not in page
    assert not app.extensions["kb"].store.exists("kk", "pension")
    monkeypatch.setattr(ContentRemote, "push", real_push)  # the others are done
    assert editor.post("/-/edit/new", form).status_code == 302
    assert "kk/pension.md" in remote_files(remote)
