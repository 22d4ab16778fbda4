"""``kill -9`` of real ``kb`` processes at named points of a write, then a restart.

Each case copies one prepared instance (SQLite, two published articles), runs a write
in its own process with ``KB_CRASH_AT`` naming the point where it must die
(:mod:`articles.crashpoints`: a ``SIGKILL`` it sends itself, so the point is exact and
no timing is involved), then checks with no manual step that the next write succeeds,
``git fsck --strict`` is clean, ``kb index check --no-repair`` exits 0, every write that
was acknowledged is there, the interrupted one is either complete or absent, and no
lock, temporary file or unfinished generation is left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from articles import recovery
from articles.store import ArticleStore
from search import generations
from tests.kb.crash_driver import body_of

ROOT = Path(__file__).resolve().parents[2]
KB = str(Path(sys.executable).with_name("kb"))
#: Seconds any one subprocess may take (a bound, not a timing assumption).
STEP_TIMEOUT = 120


def _run(
    home: Path, *args: str, crash_at: str | None = None, remote: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_HOME": str(home)}
    if remote is not None:
        env["KB_CONTENT_REMOTE"] = str(remote)
    env.pop("KB_CRASH_AT", None)
    if crash_at:
        env["KB_CRASH_AT"] = crash_at
    return subprocess.run(
        list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )


def _driver(
    home: Path, op: str, slug: str, crash_at: str | None = None, remote: Path | None = None
) -> str | None:
    """Run one write; return the published head it acknowledged, or None if it died."""
    env = {**os.environ, "DRIVER_CRASH_AT": crash_at or ""}
    if remote is not None:
        env["KB_CONTENT_REMOTE"] = str(remote)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.kb.crash_driver", op, slug],
        cwd=ROOT,
        env={**env, "KB_HOME": str(home), "KB_CRASH_AT": ""},
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    if crash_at:
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-2000:])
        assert "ACK" not in proc.stdout
        return None
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()[-1]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance made by ``kb init`` with two articles published through the driver."""
    home = tmp_path_factory.mktemp("crash") / "template"
    init = _run(home, KB, "init")
    assert init.returncode == 0, init.stderr
    for slug in ("spravka-one", "spravka-two"):
        _driver(home, "publish", slug)
    return home


@pytest.fixture
def home(template: Path, tmp_path: Path) -> Path:
    """A copy of the template instance for one crash."""
    copy = tmp_path / "instance"
    shutil.copytree(template, copy, symlinks=True)
    return copy


def _import_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "import"
    folder.mkdir()
    for n in range(3):
        (folder / f"import-{n}.md").write_text(
            f"---\ntitle: Импортированная справка {n}\nlang: ru\n---\n{body_of(f'imported{n}')}",
            encoding="utf-8",
        )
        (folder / f"import-kk-{n}.md").write_text(
            f"---\ntitle: Импортталған анықтама {n}\nlang: kk\n---\n"
            f"ХҚКО-да анықтама алу тәртібі imported{n}.\n",
            encoding="utf-8",
        )
    return folder


def _assert_consistent(home: Path, acknowledged: list[str]) -> None:
    """The checks every case ends with (after the restart and the next write)."""
    content = home / "content"
    fsck = subprocess.run(
        ["git", "-C", str(content), "fsck", "--strict"], capture_output=True, text=True
    )
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    check = _run(home, KB, "index", "check", "--no-repair")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "missing 0, stale 0, extra 0" in check.stdout
    with ArticleStore(content) as store:
        for slug in acknowledged:
            assert store.get("ru", slug, line="published").body == body_of(slug)
        # the interrupted write is complete or absent: no state says published without
        # the published line holding that text
        for article in store.list():
            state = store.state(article.lang, article.slug)
            if state.status.value == "published":
                on_line = store.get(article.lang, article.slug, line="published")
                assert on_line.blob == article.blob, article.slug
        assert recovery.leftovers(store.repo.git_dir) == []
        assert not (store.repo.git_dir / recovery.INTENT_FILE).exists()
    index = home / "index"
    names = [p.name for p in index.glob(f"{generations.PREFIX}*")]
    assert all(generations.is_complete(index, n) for n in names if n.startswith("gen-")), names
    assert len([n for n in names if not n.endswith(generations.BUILDING_SUFFIX)]) <= 2, names


WRITES = [
    ("save", "store.tree"),
    ("save", "store.refs.prepared"),
    ("publish", "store.refs.prepared"),
    ("publish", "store.refs.after"),
    ("publish", "store.mirror"),
    ("publish", "index.update"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("op", "point"), WRITES, ids=[f"{o}-{p}" for o, p in WRITES])
def test_kill_during_a_write_then_the_next_write_repairs(home: Path, op: str, point: str) -> None:
    _driver(home, op, "interrupted", crash_at=point)
    head = _driver(home, "publish", "after-restart")  # the restart: a new process writes
    assert head is not None
    _assert_consistent(home, ["spravka-one", "spravka-two", "after-restart"])


@pytest.fixture(scope="module")
def remote_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An instance whose content is shared through a bare remote (``KB_CONTENT_REMOTE``):
    ``kb init`` seeds the remote, two articles are published through it."""
    root = tmp_path_factory.mktemp("crash-remote")
    remote = root / "content.git"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True)
    home = root / "template"
    init = _run(home, KB, "init", remote=remote)
    assert init.returncode == 0, init.stderr
    for slug in ("spravka-one", "spravka-two"):
        _driver(home, "publish", slug, remote=remote)
    return home, remote


def _ref(git_dir: Path, ref: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "rev-parse", ref], capture_output=True, text=True
    ).stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize(("op", "point"), WRITES, ids=[f"{o}-{p}" for o, p in WRITES])
def test_kill_during_a_write_to_a_shared_remote_then_the_next_write_repairs(
    remote_template: tuple[Path, Path], tmp_path: Path, op: str, point: str
) -> None:
    """The same kills with the content pushed to a remote: after the next write the remote
    and the node agree on both lines and hold every acknowledged write."""
    template, template_remote = remote_template
    home, remote = tmp_path / "instance", tmp_path / "content.git"
    shutil.copytree(template, home, symlinks=True)
    shutil.copytree(template_remote, remote, symlinks=True)
    _driver(home, op, "interrupted", crash_at=point, remote=remote)
    head = _driver(home, "publish", "after-restart", remote=remote)
    assert head is not None
    _assert_consistent(home, ["spravka-one", "spravka-two", "after-restart"])
    for ref in ("main", "published"):
        assert _ref(remote, ref) == _ref(home / "content" / ".git", ref), ref
    assert _ref(remote, "published") == head
    fsck = subprocess.run(["git", f"--git-dir={remote}", "fsck", "--strict"], capture_output=True)
    assert fsck.returncode == 0, fsck.stderr


@pytest.mark.slow
def test_kill_during_an_import_then_restart(home: Path, tmp_path: Path) -> None:
    """Killed after its commit, before indexing (issue 12: unsearchable until restart)."""
    folder = _import_dir(tmp_path)
    proc = _run(home, KB, "import", "markdown", str(folder), "--publish", crash_at="index.update")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    _driver(home, "publish", "after-restart")
    _assert_consistent(home, ["spravka-one", "spravka-two", "after-restart"])
    with ArticleStore(home / "content") as store:  # all six were committed before the kill
        assert len(store.list(line="published")) == 2 + 6 + 1


@pytest.mark.slow
def test_kill_during_a_rebuild_leaves_no_generation_behind(home: Path) -> None:
    proc = _run(home, KB, "index", "rebuild", crash_at="index.rebuild.built")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    unfinished = [
        p.name
        for p in (home / "index").glob("gen-*")
        if p.is_dir() and not generations.is_complete(home / "index", p.name)
    ]
    assert unfinished, "the kill left a half-built generation (the state under test)"
    _driver(home, "publish", "after-restart")
    _assert_consistent(home, ["spravka-one", "spravka-two", "after-restart"])


def test_crash_point_names_are_reached_by_the_code() -> None:
    """Every point the tests use exists in the code (a renamed point would test nothing)."""
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("articles", "search", "kb")
        for p in (ROOT / folder).rglob("*.py")
    )
    points = {p for _op, p in WRITES} | {"index.rebuild.built"}
    for point in points:
        assert f'reach("{point}"' in sources, point


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _readyz(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{url}/-/readyz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, {}


def _wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float) -> dict[str, object]:
    """Poll ``/-/readyz`` until 200 (bounded in time and count); return the last answer."""
    deadline = time.monotonic() + seconds
    answer: dict[str, object] = {}
    for _poll in range(int(seconds * 4)):
        assert server.poll() is None, "kb serve exited"
        status, answer = _readyz(url)
        if status == 200 or time.monotonic() > deadline:
            return {**answer, "code": status}
        time.sleep(0.25)
    return {**answer, "code": 0}


@pytest.mark.slow
def test_a_running_server_repairs_at_start_and_follows_a_killed_import(
    home: Path, tmp_path: Path
) -> None:
    """``kb serve`` starts on what a killed save left, and indexes a killed import's content.

    Before: the save's locks made every write fail, and a running server never indexed
    content published by another process (0 hits for as long as it ran).
    """
    _driver(home, "save", "interrupted", crash_at="store.refs.prepared")
    assert recovery.leftovers(home / "content" / ".git"), "the kill left git's locks"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KB_HOME": str(home),
        "KB_PORT": str(port),
        "KB_WORKERS": "1",
        "KB_THREADS": "2",
        "KB_INDEX_FOLLOW_SECONDS": "1",
        "KB_READY_LAG_SECONDS": "0",  # /-/readyz is 200 only once the index caught up
    }
    env.pop("KB_CRASH_AT", None)
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([KB, "serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        ready = _wait_ready(url, server, STEP_TIMEOUT)
        assert ready["code"] == 200, ready
        assert recovery.leftovers(home / "content" / ".git") == []
        folder = _import_dir(tmp_path)
        proc = _run(
            home, KB, "import", "markdown", str(folder), "--publish", crash_at="import.published"
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
        with ArticleStore(home / "content") as store:
            head = store.published_head()
        followed = _wait_ready(url, server, STEP_TIMEOUT)
        assert followed["code"] == 200, followed
        state = generations.read_state(
            home / "index", generations.read_current(home / "index") or ""
        )
        assert state is not None and state["last_commit"] == head  # the server caught up
        check = _run(home, KB, "index", "check", "--no-repair")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
