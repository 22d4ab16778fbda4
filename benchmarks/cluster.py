"""Two nodes behind haproxy: search latency and publish-to-searchable lag, steady and
during a rolling restart.

The deployment is the multi-node test's (:mod:`tests.cluster.launch`): a throwaway
PostgreSQL, a bare content remote, two ``kb serve`` nodes and haproxy with
``docs/haproxy.cfg``, all on loopback. Two phases, each ``--seconds`` long:

1. **steady**: operators' search-as-you-type stream through the balancer at ``--rate``
   requests/s, open loop (the arrivals, stream and latency clock of
   :mod:`benchmarks.load`), and an article published through node A every
   ``--publish-every`` seconds; for each, the time from the reviewer's acknowledged
   publish to the first search on node B that finds it (polled every
   :data:`POLL_SECONDS`);
2. **rolling**: the same, while both nodes are restarted one after the other (drain in
   haproxy, stop, start, ready, back: :meth:`~tests.cluster.launch.Deployment.
   rolling_restart`). Publications made while A is down fail and are counted.

Run: ``.venv/bin/python -m benchmarks.cluster [--rate 20] [--seconds 60]``; prints JSON.
Needs PostgreSQL 15 and haproxy (as the tests do). The figures depend on the machine:
say how busy it was when you quote them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from benchmarks.http import percentile
from benchmarks.load import run_rate
from benchmarks.load import stream
from tests.cluster.launch import Browser
from tests.cluster.launch import Deployment
from tests.cluster.launch import article_form

#: How often node B is asked whether it finds a new publication, in seconds.
POLL_SECONDS = 0.05
#: A publication not found on B within this many seconds counts as missing.
FIND_TIMEOUT = 30.0
#: Letters of the made-up words that make each benchmark article findable alone.
_LETTERS = "бвгджзклмнпрстфхцчшщ"
_VOWELS = "аеиоуыэюя"


def marker_word(number: int) -> str:
    """A made-up Russian-looking word unique to publication ``number``.

    >>> marker_word(0) != marker_word(1)
    True
    """
    syllables = []
    for _ in range(4):
        number, pick = divmod(number, len(_LETTERS))
        syllables.append(_LETTERS[pick] + _VOWELS[(pick + len(syllables)) % len(_VOWELS)])
    return "кластер" + "".join(syllables)


@dataclass
class PublishLags:
    """Publish-to-searchable lags on the other node, and what went wrong."""

    lags_ms: list[float] = field(default_factory=list)
    missing: int = 0
    failed: int = 0

    def summary(self) -> dict[str, Any]:
        """p50/p99/max of the lags, with the counts of missing and failed publications."""
        return {
            "publications": len(self.lags_ms) + self.missing + self.failed,
            "p50_ms": round(percentile(self.lags_ms, 50), 1) if self.lags_ms else None,
            "p99_ms": round(percentile(self.lags_ms, 99), 1) if self.lags_ms else None,
            "max_ms": round(max(self.lags_ms), 1) if self.lags_ms else None,
            "not_found_within_s": {"count": self.missing, "limit": FIND_TIMEOUT},
            "publish_failed": self.failed,
        }


def _found(client: Browser, base: str, word: str, slug: str) -> bool:
    """Whether node ``base`` answers ``word`` with the article ``slug`` itself."""
    try:
        answer = client.request(f"{base}/api/search?q={word}&lang=ru")
    except OSError:
        return False  # the node is restarting
    if answer.status != 200:
        return False
    return any(hit["url"].endswith(f"/{slug}") for hit in answer.json()["results"])


def publisher(
    deployment: Deployment, every: float, stop: threading.Event, lags: PublishLags, first: int
) -> None:
    """Publish through node A every ``every`` seconds and time how soon B finds each."""
    node_a, node_b = deployment.nodes[:2]
    searcher = Browser(timeout=10)
    searcher.headers["Authorization"] = f"Bearer {deployment.token}"
    number = first
    while not stop.wait(every):
        word = marker_word(number)
        slug = f"bench-{number}"
        number += 1
        try:
            editor, reviewer = Browser(), Browser()
            editor.sign_in(node_a.url, "editor")
            reviewer.sign_in(node_a.url, "reviewer")
            new = f"{node_a.url}/-/edit/new"
            body = f"Справка {word} выдаётся в ЦОНе.\n"
            page = f"{node_a.url}/-/edit/ru/{slug}"
            steps = [
                (editor, new, article_form("ru", slug, body), new),
                (editor, f"{page}/submit", {"note": ""}, page),
                (reviewer, f"{page}/approve", {"note": ""}, page),
                (reviewer, f"{page}/publish", {}, page),
            ]
            for client, url, data, csrf_from in steps:
                if client.post(url, data, csrf_from=csrf_from).status != 302:
                    raise RuntimeError(f"{url} refused")
        except (OSError, RuntimeError):
            lags.failed += 1  # A is down (rolling restart) or refused
            continue
        acknowledged = time.monotonic()
        deadline = acknowledged + FIND_TIMEOUT
        while time.monotonic() < deadline:
            if _found(searcher, node_b.url, word, slug):
                lags.lags_ms.append((time.monotonic() - acknowledged) * 1000)
                break
            time.sleep(POLL_SECONDS)
        else:
            lags.missing += 1


def phase(
    deployment: Deployment, args: argparse.Namespace, *, rolling: bool, first: int
) -> dict[str, Any]:
    """One phase: open-loop searches through haproxy, publications through A."""
    lags = PublishLags()
    stop = threading.Event()
    pub = threading.Thread(
        target=publisher, args=(deployment, args.publish_every, stop, lags, first)
    )
    restart_s: list[float] = []

    def restart() -> None:
        started = time.monotonic()
        deployment.rolling_restart(workers=args.workers)
        restart_s.append(time.monotonic() - started)

    restarter = threading.Thread(target=restart) if rolling else None
    texts = stream(int(args.rate * args.seconds) + 10)
    auth = {"Authorization": f"Bearer {deployment.token}"}
    pub.start()
    if restarter is not None:
        restarter.start()
    result = asyncio.run(
        run_rate(deployment.lb_port, auth, texts, args.rate, args.seconds, args.max_conns)
    )
    stop.set()
    pub.join(timeout=FIND_TIMEOUT + 60)
    if restarter is not None:
        restarter.join(timeout=600)
    lat = result.latencies_ms
    return {
        "phase": "rolling restart" if rolling else "steady",
        "rate": args.rate,
        "seconds": args.seconds,
        "sent": result.sent,
        "search_p50_ms": round(percentile(lat, 50), 1),
        "search_p99_ms": round(percentile(lat, 99), 1),
        "search_max_ms": round(max(lat), 1) if lat else None,
        "search_errors": result.errors,
        "rolling_restart_s": round(restart_s[0], 1) if restart_s else None,
        "publish_to_searchable_on_b": lags.summary(),
    }


def main(argv: list[str] | None = None) -> int:
    """Start the deployment, run both phases, print the figures as JSON."""
    from tests.cluster import launch

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rate", type=float, default=20.0, help="searches per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--publish-every", type=float, default=3.0, help="seconds")
    parser.add_argument("--max-conns", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per node")
    args = parser.parse_args(argv)
    deployment = launch.start(2, workers=args.workers)
    try:
        report = [
            phase(deployment, args, rolling=False, first=0),
            phase(deployment, args, rolling=True, first=10_000),
        ]
    finally:
        deployment.stop()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
