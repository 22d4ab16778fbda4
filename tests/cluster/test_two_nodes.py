"""Two ``kb serve`` nodes behind haproxy (docs/haproxy.cfg), one PostgreSQL, one bare
content remote, all started by the module fixture on loopback.

Waits are bounded polls (the machine is shared): they show that something happens, never
how fast. The kill test comes last: it changes the deployment.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.cluster.launch import Browser
from tests.cluster.launch import Deployment
from tests.cluster.launch import Response
from tests.cluster.launch import article_form

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

#: Bound of every wait for another node to catch up.
DEADLINE = 60.0


def eventually(check: Callable[[], bool], what: str) -> None:
    """Poll ``check`` until true, within :data:`DEADLINE` seconds."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {DEADLINE:.0f} s: {what}")


def signed_in(base: str, name: str) -> Browser:
    """A browser signed in as ``name`` (the session works on every node)."""
    browser = Browser()
    browser.sign_in(base, name)
    return browser


def api(deployment: Deployment, base: str, path: str) -> Response:
    """GET an API path on ``base`` with the operator's token."""
    client = Browser()
    client.headers["Authorization"] = f"Bearer {deployment.token}"
    return client.request(f"{base}{path}")


def hits(deployment: Deployment, base: str, query: str, lang: str) -> list[dict[str, Any]]:
    """Search results on one node."""
    answer = api(deployment, base, f"/api/search?q={query}&lang={lang}")
    return list(answer.json()["results"]) if answer.status == 200 else []


def revision_of(browser: Browser, base: str, lang: str, slug: str) -> str:
    """The revision the edit form of an article is based on."""
    page = browser.request(f"{base}/-/edit/{lang}/{slug}/edit").text
    match = re.search(r'name="expected_revision"[^>]*value="([0-9a-f]{40})"', page)
    assert match, f"no revision on the edit page of {lang}/{slug}"
    return match.group(1)


def publish(editor: Browser, reviewer: Browser, base: str, lang: str, slug: str, body: str) -> None:
    """Create, submit, approve and publish an article through ``base``'s pages."""
    new = f"{base}/-/edit/new"
    assert editor.post(new, article_form(lang, slug, body), csrf_from=new).status == 302
    page = f"{base}/-/edit/{lang}/{slug}"
    assert editor.post(f"{page}/submit", {"note": ""}, csrf_from=page).status == 302
    assert reviewer.post(f"{page}/approve", {"note": ""}, csrf_from=page).status == 302
    assert reviewer.post(f"{page}/publish", {}, csrf_from=page).status == 302


@pytest.mark.parametrize(
    ("lang", "word", "body"),
    [
        ("kk", "квазижелілік", "Квазижелілік анықтама ХҚКО-да беріледі.\n"),
        ("ru", "квазисетевой", "Квазисетевой справки выдаются в ЦОНе.\n"),
    ],
)
def test_published_through_a_is_found_through_b(
    deployment: Deployment, lang: str, word: str, body: str
) -> None:
    first, second = deployment.nodes
    editor = signed_in(first.url, "editor")
    reviewer = signed_in(first.url, "reviewer")
    assert not hits(deployment, second.url, word, lang)
    publish(editor, reviewer, first.url, lang, f"cluster-{lang}", body)
    assert hits(deployment, first.url, word, lang)  # the writing node at once
    eventually(lambda: bool(hits(deployment, second.url, word, lang)), f"{word} found on B")
    published = deployment.remote_git("ls-tree", "-r", "--name-only", "published").split()
    assert f"{lang}/cluster-{lang}.md" in published


def test_the_same_article_saved_on_a_and_b_at_once_is_one_save_and_one_conflict(
    deployment: Deployment,
) -> None:
    first, second = deployment.nodes
    editor = signed_in(first.url, "editor")
    new = f"{first.url}/-/edit/new"
    form = article_form("ru", "same-article", "Исходный текст.\n")
    assert editor.post(new, form, csrf_from=new).status == 302
    base = revision_of(editor, first.url, "ru", "same-article")
    texts = {"a": "Текст, сохранённый на узле А.\n", "b": "Текст, сохранённый на узле Б.\n"}
    answers: dict[str, Response] = {}
    barrier = threading.Barrier(2)

    def save(name: str, url: str) -> None:
        browser = signed_in(url, "editor")
        target = f"{url}/-/edit/ru/same-article/edit"
        token = browser.csrf(target)
        fields = article_form("ru", "same-article", texts[name], revision=base)
        barrier.wait(timeout=30)
        answers[name] = browser.request(target, {"csrf_token": token, **fields})

    threads = [
        threading.Thread(target=save, args=(n, node.url))
        for n, node in zip("ab", (first, second), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(a.status for a in answers.values()) == [302, 409]
    winner = next(n for n, a in answers.items() if a.status == 302)
    loser = "b" if winner == "a" else "a"
    conflict = answers[loser].text
    # the editor who lost sees both texts: theirs (saved) and their own (nothing lost)
    assert texts[winner].strip() in conflict and texts[loser].strip() in conflict
    stored = deployment.remote_git("show", "main:ru/same-article.md")
    assert texts[winner].strip() in stored


def test_concurrent_saves_of_different_articles_over_both_nodes_all_reach_the_remote(
    deployment: Deployment,
) -> None:
    nodes = deployment.nodes
    slugs = [f"parallel-{n}" for n in range(50)]
    statuses: list[int] = []
    problems: list[str] = []
    lock = threading.Lock()

    def writer(worker: int) -> None:
        node = nodes[worker % 2]
        browser = signed_in(node.url, "editor")
        new = f"{node.url}/-/edit/new"
        for slug in slugs[worker::4]:
            lang = "kk" if worker % 2 else "ru"
            form = article_form(lang, slug, f"Параллельная запись {slug}.\n")
            answer = browser.post(new, form, csrf_from=new)
            with lock:
                statuses.append(answer.status)
                if answer.status != 302:  # the page's error box, to say why
                    found = re.search(r'id="form-error".*?</div>', answer.text, flags=re.S)
                    problems.append(f"{slug}: {answer.status} {found and found.group(0)}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert statuses == [302] * len(slugs), problems
    files = set(deployment.remote_git("ls-tree", "-r", "--name-only", "main").split())
    expected = {f"{'kk' if (i % 4) % 2 else 'ru'}/{s}.md" for i, s in enumerate(slugs)}
    assert expected <= files
    # each one its own commit that adds its file (one save each: none lost, none doubled)
    added = deployment.remote_git("log", "--diff-filter=A", "--name-only", "--format=", "main")
    assert sorted(p for p in added.split() if "/parallel-" in p) == sorted(expected)
    for node in nodes:
        editor = signed_in(node.url, "editor")
        for path in sorted(expected):
            lang, _sep, name = path.partition("/")
            page = editor.request(f"{node.url}/-/edit/{lang}/{name[:-3]}")
            assert page.status == 200, f"{path} on node {node.name}: {page.status}"


def test_postgresql_restarting_searches_keep_answering_and_writes_say_try_again(
    deployment: Deployment,
) -> None:
    lb = deployment.lb
    slug = f"during-restart-{uuid.uuid4().hex[:8]}"  # the test may run again on one deployment
    operator = Browser()
    operator.sign_in(lb, "operator")
    editor = signed_in(lb, "editor")
    new = f"{lb}/-/edit/new"
    token = editor.csrf(new)
    for node in deployment.nodes:  # each node has seen the user and the token once
        assert operator.request(f"{node.url}/?q=паспорт").status == 200
        assert api(deployment, node.url, "/api/search?q=паспорт").status == 200
    statuses: list[int] = []
    failed: list[str] = []
    stop = threading.Event()

    def search() -> None:
        for _round in range(400):  # bounded; stopped once PostgreSQL is back
            if stop.is_set():
                return
            for path in ("/api/search?q=төлқұжат&lang=kk", "/?q=паспорт"):
                try:
                    answer = (
                        api(deployment, lb, path)
                        if path.startswith("/api")
                        else operator.request(f"{lb}{path}")
                    )
                except OSError as exc:  # no answer at all: a failed request too
                    statuses.append(0)
                    failed.append(repr(exc))
                    continue
                statuses.append(answer.status)
                if answer.status != 200:
                    failed.append(f"{answer.status} {answer.text[:200]}")

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        time.sleep(0.5)
        deployment.pg.stop_server()
        during = len(statuses)
        form = article_form("ru", slug, "Во время перезапуска базы.\n")
        refused = editor.request(new, {"csrf_token": token, **form})
        time.sleep(2.0)
        answered_while_down = len(statuses) - during
    finally:
        deployment.pg.start()
        time.sleep(1.0)
        stop.set()
        searcher.join(timeout=120)
    assert refused.status == 503
    assert "База данных сейчас не отвечает" in refused.text
    # refused means not done: nothing reached the content either
    assert (
        f"ru/{slug}.md" not in deployment.remote_git("ls-tree", "-r", "--name-only", "main").split()
    )
    assert answered_while_down > 0
    assert statuses and set(statuses) == {200}, failed[:3]
    assert editor.post(new, form, csrf_from=new).status == 302  # writes work again


def steady_load(deployment: Deployment, stop: threading.Event, statuses: list[int]) -> None:
    """Searches through the balancer, about ten a second, until ``stop`` (bounded count)."""
    operator = signed_in(deployment.lb, "operator")
    for _round in range(3000):
        if stop.is_set():
            return
        try:
            statuses.append(api(deployment, deployment.lb, "/api/search?q=паспорт&lang=ru").status)
            statuses.append(operator.request(f"{deployment.lb}/?q=төлқұжат").status)
        except OSError:  # no answer at all: a failed request too
            statuses.append(0)
        time.sleep(0.1)


def test_a_rolling_restart_under_a_steady_load_fails_no_request(deployment: Deployment) -> None:
    statuses: list[int] = []
    stop = threading.Event()
    load = threading.Thread(target=steady_load, args=(deployment, stop, statuses))
    load.start()
    try:
        time.sleep(1.0)
        before = len(statuses)
        deployment.rolling_restart()  # drain, stop, start, ready, back: A then B
        during = len(statuses) - before
        time.sleep(1.0)
    finally:
        stop.set()
        load.join(timeout=120)
    assert during > 0
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    for node in deployment.nodes:
        assert api(deployment, node.url, "/-/readyz").status == 200


def test_node_a_killed_in_the_middle_of_a_publish_b_serves_and_a_comes_back_consistent(
    deployment: Deployment,
) -> None:
    first, second = deployment.nodes
    lb = deployment.lb
    # A's worker dies (SIGKILL) once the publication is pushed and its refs moved, before
    # its index is updated and before the reviewer is answered; then the node is killed
    first.stop()
    first.env["KB_CRASH_AT"] = "index.update"
    first.start()
    editor, reviewer = signed_in(first.url, "editor"), signed_in(first.url, "reviewer")
    new = f"{first.url}/-/edit/new"
    form = article_form("ru", "mid-publish", "Опубликовано в момент падения узла.\n")
    assert editor.post(new, form, csrf_from=new).status == 302
    page = f"{first.url}/-/edit/ru/mid-publish"
    assert editor.post(f"{page}/submit", {"note": ""}, csrf_from=page).status == 302
    assert reviewer.post(f"{page}/approve", {"note": ""}, csrf_from=page).status == 302
    token = reviewer.csrf(page)
    with pytest.raises(OSError):  # the worker died: no answer, so no "published" either
        reviewer.request(f"{page}/publish", {"csrf_token": token})
    first.kill()
    # B keeps serving through the balancer
    operator = signed_in(lb, "operator")
    answers = [api(deployment, lb, "/api/search?q=паспорт&lang=ru").status for _ in range(20)]
    answers += [operator.request(f"{lb}/?q=паспорт").status for _ in range(20)]
    assert answers == [200] * 40
    # writes go on through B while A is down
    editor_lb = signed_in(lb, "editor")
    new_lb = f"{lb}/-/edit/new"
    form = article_form("ru", "while-a-was-down", "Записано, пока узел А лежал.\n")
    assert editor_lb.post(new_lb, form, csrf_from=new_lb).status == 302
    # A restarts with no manual step: ready, its clone at the remote's heads, its index
    # complete; the publication was either fully made or not at all (here: made, since
    # the remote took it before the crash) and B finds it too
    del first.env["KB_CRASH_AT"]
    first.start()
    eventually(lambda: api(deployment, first.url, "/-/readyz").status == 200, "A ready")
    first.kb("index", "check", "--no-repair")  # exits 1 (raises) on any drift
    for ref in ("main", "published"):
        assert _git(first, "rev-parse", ref) == deployment.remote_git("rev-parse", ref).strip()
    assert (
        "ru/mid-publish.md"
        in deployment.remote_git("ls-tree", "-r", "--name-only", "published").split()
    )
    page_a = signed_in(first.url, "editor").request(f"{first.url}/-/edit/ru/while-a-was-down")
    assert page_a.status == 200
    for node in (first, second):
        eventually(
            lambda node=node: bool(hits(deployment, node.url, "момент падения", "ru")),
            f"the publication found on {node.name}",
        )


def _git(node: Any, *args: str) -> str:
    """Run git in a node's own clone."""
    import subprocess

    return subprocess.run(
        ["git", f"--git-dir={node.home / 'content' / '.git'}", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
