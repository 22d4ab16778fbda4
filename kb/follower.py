"""Following publications made elsewhere: a background thread in each server worker.

A worker updates the index itself when it publishes, but another process may publish
too: ``kb import --publish`` (perhaps killed after its commit, before indexing), a cron
``kb publish-due``, or another node whose commits were fetched. Every
``INDEX_FOLLOW_SECONDS`` each worker compares the index's marker with the published head
(one ref read) and applies the difference incrementally
(:meth:`kb.services.KnowledgeBase.catch_up_index`), so such content becomes searchable
within that interval and ``/-/readyz`` turns ready again.
"""

from __future__ import annotations

import logging
import threading

from kb.services import KnowledgeBase

log = logging.getLogger(__name__)


def follow_once(kb: KnowledgeBase) -> str | None:
    """Catch the index up once; errors are logged, never raised (the thread must live on).

    :returns: the published head reached, or None when the round failed.
    """
    try:
        return kb.catch_up_index()
    except Exception:  # noqa: BLE001 - retried next round; /-/readyz reports the lag
        log.exception("catching the index up failed; retrying next round")
        return None


def start(kb: KnowledgeBase, interval: float) -> threading.Event:
    """Start the daemon thread; set the returned event to stop it.

    :param kb: the worker's service object.
    :param interval: seconds between rounds.
    :returns: the stop event.
    """
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            follow_once(kb)

    threading.Thread(target=loop, name="kb-index-follower", daemon=True).start()
    return stop
