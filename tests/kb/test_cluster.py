"""Followers and the leader (kb/cluster/) on a real PostgreSQL and a bare git remote.

Each "node" is an application with its own instance folder (its own clone and index),
sharing one database and one remote, as several ``kb serve`` nodes do.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from articles.model import Actor
from kb.cluster import libpq_dsn
from kb.cluster.leader import Leadership
from kb.cluster.listener import Listener
from kb.follower import Follower
from kb.models import db
from tests.conftest import fresh_database
from tests.conftest import make_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "articles"))
from articles_support import make_text  # noqa: E402

AUTHOR = Actor("Айгүл Серікқызы", "aigul@example.kz")
REVIEWER = Actor("Борис Петров", "boris@example.kz")
#: Bound on every wait for a follower (never a speed assertion: the machine is shared).
DEADLINE = 60.0


@pytest.fixture
def cluster(tmp_path: Path, pg_server: Any) -> Iterator[list[Flask]]:
    """Three nodes on one PostgreSQL database and one bare remote."""
    remote = tmp_path / "content.git"
    subprocess.run(["git", "init", "--bare", "-q", str(remote)], check=True)
    url = fresh_database(pg_server)
    apps = [
        # READY_LAG_SECONDS=0: any lag shows in /-/readyz at once (no waiting in tests)
        make_app(tmp_path / name, DATABASE_URL=url, CONTENT_REMOTE=str(remote), READY_LAG_SECONDS=0)
        for name in ("a", "b", "c")
    ]
    for app in apps:
        app.extensions["kb"].store  # noqa: B018 - seeds, then clones the remote
    yield apps
    for app in apps:
        app.extensions["kb"].close()
        with app.app_context():
            db.engine.dispose()


def publish(app: Flask, lang: str, slug: str, body: str) -> str:
    """Save, submit, approve and publish through the node's KnowledgeBase."""
    kb = app.extensions["kb"]
    kb.store.save(lang, slug, make_text(lang, id=slug, body=body), actor=AUTHOR)
    kb.store.submit(lang, slug, actor=AUTHOR)
    kb.store.approve(lang, slug, actor=REVIEWER)
    kb.publish(lang, slug, actor=REVIEWER)
    return str(kb.store.published_head())


def found(app: Flask, query: str, lang: str) -> bool:
    """Whether the node's own index answers ``query``."""
    return bool(app.extensions["kb"].search(query, lang=lang).hits)


def wait_for(check: Any, what: str) -> None:
    """Poll ``check`` until true, within :data:`DEADLINE` seconds."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {DEADLINE:.0f} s: {what}")


def announced(app: Flask) -> list[str]:
    """Commits in ``published_heads``, oldest first."""
    from sqlalchemy import select

    from kb.cluster.heads import PublishedHead

    with app.app_context():
        return list(db.session.scalars(select(PublishedHead.commit).order_by(PublishedHead.id)))


@pytest.mark.parametrize(
    ("lang", "body", "query"),
    [
        ("kk", "Зейнетақы аударымдары туралы анықтама.", "зейнетақы"),
        ("ru", "Справка о пенсионных отчислениях.", "пенсионных"),
    ],
)
def test_a_publication_on_one_node_is_announced_and_the_follower_indexes_it(
    cluster: list[Flask], lang: str, body: str, query: str
) -> None:
    first, second, _third = cluster
    head = publish(first, lang, "pension", body)
    assert announced(first)[-1] == head
    assert not found(second, query, lang)
    listener = Listener(libpq_dsn(second.config["DATABASE_URL"]))
    follower = Follower(second.extensions["kb"], interval=60, listener=listener)
    try:
        assert listener.latest() == head
        assert follower.round() == head  # one round: fetched, then the index caught up
    finally:
        listener.close()
    assert second.extensions["kb"].store.published_head() == head
    assert second.extensions["kb"].index.last_commit() == head
    # (a searcher may answer from its previous generation for a fraction of a second)
    wait_for(lambda: found(second, query, lang), "the follower's index answers")


def test_the_follower_thread_hears_and_also_polls_after_a_lost_notification(
    cluster: list[Flask],
) -> None:
    first, second, _third = cluster
    # published while nobody listens: the notification is lost, the table row is not
    publish(first, "ru", "passport", "Паспорт выдают в ЦОНе.")
    # a long interval: only the first round's table read or a notification wakes it
    listener = Listener(libpq_dsn(second.config["DATABASE_URL"]))
    follower = Follower(second.extensions["kb"], interval=DEADLINE * 10, listener=listener)
    follower.start()
    try:
        wait_for(lambda: found(second, "паспорт", "ru"), "the row polled from the table")
        rounds = follower.rounds
        publish(first, "kk", "visa", "Визаны ХҚКО-да рәсімдейді.")
        wait_for(lambda: found(second, "виза", "kk"), "the notified publication")
        assert follower.rounds > rounds  # woken by the notification, not by the interval
        # a draft save is notified too: the follower fetches it without a read asking
        saved = first.extensions["kb"].store.save(
            "ru", "draft-only", make_text("ru", id="draft-only"), actor=AUTHOR
        )
        repo = second.extensions["kb"].store.repo
        wait_for(lambda: repo.resolve("refs/heads/main") == saved.revision, "the notified save")
    finally:
        follower.stop()


def test_one_leader_at_a_time_and_another_takes_over_when_it_dies(
    cluster: list[Flask], pg_server: Any
) -> None:
    dsn = libpq_dsn(cluster[0].config["DATABASE_URL"])
    candidates = [Leadership(dsn) for _ in range(3)]
    try:
        leaders = [c for c in candidates if c.is_leader()]
        assert len(leaders) == 1
        assert leaders[0].is_leader()  # stays the leader
        # the leader's connection dies (as with kill -9 of its worker)
        conn = leaders[0]._conn
        assert conn is not None
        pid = conn.info.backend_pid
        pg_server.sql(f"SELECT pg_terminate_backend({pid})")
        others = [c for c in candidates if c is not leaders[0]]
        wait_for(lambda: any(c.is_leader() for c in others), "a new leader")
        assert sum(c.is_leader() for c in candidates) == 1
    finally:
        for candidate in candidates:
            candidate.resign()


def test_a_scheduled_article_is_published_exactly_once_with_three_nodes(
    cluster: list[Flask],
) -> None:
    first = cluster[0]
    store = first.extensions["kb"].store
    # 20 articles scheduled for the same minute (half kk, half ru), saved in one commit
    keys = [("kk" if n % 2 else "ru", f"law-{n}") for n in range(20)]
    moment = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    body = {"kk": "Заң күшіне енеді.", "ru": "Закон вступает в силу."}
    store.save_many(
        [(lang, slug, make_text(lang, id=slug, body=body[lang]), None) for lang, slug in keys],
        actor=AUTHOR,
    )
    for lang, slug in keys:
        store.submit(lang, slug, actor=AUTHOR)
        store.approve(lang, slug, actor=REVIEWER)
        store.publish(lang, slug, actor=REVIEWER, effective=moment, now=moment - dt.timedelta(1))
    done: list[list[tuple[str, str]]] = []
    errors: list[BaseException] = []

    def run(app: Flask) -> None:
        try:
            done.append(app.extensions["kb"].publish_due(moment + dt.timedelta(minutes=1)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # no leader here on purpose: even three nodes at once publish each article once
    threads = [threading.Thread(target=run, args=(app,)) for app in cluster]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sorted(item for batch in done for item in batch) == sorted(keys)
    remote = Path(str(first.config["CONTENT_REMOTE"]))
    log = subprocess.run(
        ["git", f"--git-dir={remote}", "log", "--format=%s", "published"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for lang, slug in keys:
        assert log.count(f"Publish {lang}/{slug}") == 1, (lang, slug)
    for app in cluster:  # and every node ends up serving all 20 (kk and ru)
        app.extensions["kb"].store.follow_remote()
        app.extensions["kb"].catch_up_index()
    wait_for(lambda: found(cluster[2], "заң", "kk") and found(cluster[2], "закон", "ru"), "c")


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("kk", "Мүгедектік бойынша жәрдемақы туралы анықтама."),
        ("ru", "Справка о пособии по инвалидности."),
    ],
)
def test_a_node_that_has_not_fetched_an_announced_publication_is_not_ready(
    cluster: list[Flask], lang: str, body: str
) -> None:
    from kb.follower import follow_once

    first, second, _third = cluster
    lagging = second.extensions["kb"]
    client = second.test_client()
    earlier = publish(first, lang, "pasport", "Паспорт / Төлқұжат.")
    assert follow_once(lagging, [earlier]) == earlier
    assert client.get("/-/readyz").status_code == 200
    head = publish(first, lang, "posobie", body)
    # B's index matches B's own published head: only the announcement shows it lags
    # (its follower, which would fetch, does not run here, as if its fetch were stuck)
    assert lagging.store.published_head() != head
    assert lagging.index.last_commit() == lagging.store.published_head()
    # within READY_LAG_SECONDS the lag is reported, not taken for "not ready": a follower
    # that has not caught up with a fresh publication yet stays in the load balancer
    lagging.lag_watch.grace = 3600
    tolerated = client.get("/-/readyz")
    assert tolerated.status_code == 200, tolerated.get_json()
    assert head[:10] in tolerated.get_json()["catching_up"]
    lagging.lag_watch.grace = 0  # past it, as when the fetch stays stuck
    answer = client.get("/-/readyz")
    assert answer.status_code == 503
    reason = answer.get_json()["checks"]["index"]
    assert reason.startswith("behind") and head[:10] in reason, reason
    assert first.test_client().get("/-/readyz").status_code == 200  # it holds what it published
    assert follow_once(lagging, [head]) == head  # the fetch gets through
    ready = client.get("/-/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"] == {"database": "ok", "index": "ok"}
    assert "catching_up" not in ready.get_json()
    # an announcement older than the node's head (the newest one was lost) is reached
    with first.app_context():
        db.session.execute(
            db.text("DELETE FROM published_heads WHERE id = (SELECT max(id) FROM published_heads)")
        )
        db.session.commit()
    assert announced(first)[-1] == earlier
    for app in (first, second):
        assert app.test_client().get("/-/readyz").status_code == 200
