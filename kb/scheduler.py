"""Publishing on schedule: a background thread in each server worker.

Reviewers may publish an approved article "at a future effective date" (a law taking
effect on 1 January). Every ``PUBLISH_CHECK_SECONDS`` each worker asks the store to publish
what has come due; the store's cross-process lock makes concurrent workers safe, and the
one that publishes also updates the index. ``kb publish-due`` does the same from cron.

With several nodes on PostgreSQL only the worker that holds the leader's advisory lock
publishes (:mod:`kb.cluster.leader`); on SQLite every worker tries, as before.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from collections.abc import Sequence

from kb.services import KnowledgeBase

log = logging.getLogger(__name__)

#: How often the repository is packed (``git gc --auto``), in seconds.
MAINTENANCE_SECONDS = 3600.0


def run_once(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """Publish what is due now; errors are logged, never raised (the thread must live on)."""
    try:
        done = kb.publish_due()
    except Exception:  # noqa: BLE001 - a failed round is retried next time
        log.exception("scheduled publishing failed; retrying next round")
        return []
    for lang, slug in done:
        log.info("published on schedule: %s/%s", lang, slug)
    return done


def maintain(kb: KnowledgeBase) -> None:
    """Let git pack loose objects when it is time (the store writes with plumbing)."""
    try:
        kb.store.maintain()
    except Exception:  # noqa: BLE001 - packing is an optimisation; retried next hour
        log.exception("repository maintenance failed; retrying later")


def run_job(job: Callable[[], object]) -> None:
    """Run one periodic job; errors are logged, never raised (the thread must live on)."""
    try:
        job()
    except Exception:  # noqa: BLE001 - retried next round
        log.exception("periodic job %s failed; retrying next round", job)


def start(
    kb: KnowledgeBase,
    interval: float,
    *,
    on_published: Callable[[list[tuple[str, str]]], None] | None = None,
    jobs: Sequence[Callable[[], object]] = (),
    leader: Callable[[], bool] | None = None,
) -> threading.Event:
    """Start the daemon thread; set the returned event to stop it.

    It publishes what is due every ``interval`` seconds, then hands what it published to
    ``on_published`` (notifications) and runs each of ``jobs`` (review-by reminders,
    e-mail retries), and maintains the repository about once an hour.

    :param leader: asked before each round of scheduled publishing; ``None`` (one
        machine) publishes every round. The ``jobs`` run on every node: they are
        idempotent in the database (one reminder per due state, e-mails claimed).
    """
    stop = threading.Event()
    rounds_per_hour = max(1, int(MAINTENANCE_SECONDS // interval))

    def loop() -> None:
        rounds = 0
        while not stop.wait(interval):
            done = run_once(kb) if leader is None or leader() else []
            if on_published is not None and done:
                run_job(functools.partial(on_published, done))
            for job in jobs:
                run_job(job)
            rounds += 1
            if rounds % rounds_per_hour == 0:
                maintain(kb)

    threading.Thread(target=loop, name="kb-scheduler", daemon=True).start()
    return stop
