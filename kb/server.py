"""The production WSGI server behind ``kb serve``: gunicorn, run in-process."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    """Serve an already-created Flask app with gunicorn's pre-fork workers.

    The app is created once in the master and inherited by the workers (``preload_app``);
    each worker opens its own database connections and index searchers on first use.
    """

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Pass the options on to gunicorn's configuration."""
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        """Return the WSGI application."""
        return self.application


#: The workers' GIL switch interval (Python's default is 0.005 s); see _post_fork.
GIL_SWITCH_SECONDS = 0.001


def _post_fork(server: Any, worker: Any) -> None:
    """Start each worker's background threads (threads do not survive fork).

    The scheduled-publishing thread (on PostgreSQL only the leader's publishes,
    :mod:`kb.cluster.leader`), the one follower of publications made by other processes
    and nodes (:mod:`kb.follower`, woken by their notifications with several nodes) and
    one that warms the search caches with the most frequent recent queries
    (:mod:`kb.warmup`).
    """
    from kb import cluster
    from kb import follower
    from kb import scheduler
    from kb import warmup

    app = worker.app.application
    # The one-time work of the search engine is done before this worker accepts a
    # request, so its first answer is a warm process's answer (issue: cold path).
    took = warmup.prepare(app.extensions["kb"])
    server.log.info("worker %s: search engine prepared in %.1f s", worker.pid, took)
    from kb.notifications import jobs as notification_jobs

    kb = app.extensions["kb"]
    leader = cluster.leadership(app)
    scheduler.start(
        kb,
        float(app.config["PUBLISH_CHECK_SECONDS"]),
        on_published=notification_jobs.scheduled_hook(app),
        jobs=[notification_jobs.round_job(app)],
        leader=leader,
    )
    follower.start(
        kb,
        float(app.config["INDEX_FOLLOW_SECONDS"]),
        listener=cluster.listener(app),
        announcer=app.extensions.get("kb_announcer"),
    )
    warmup.start(app, announce=lambda message: server.log.info(f"worker {worker.pid}: {message}"))
    from kb.analytics import rollup

    rollup.start(app)  # flushes the search log, settles bursts, rolls up (kb.analytics)
    # A search that misses the result cache holds the GIL for a few milliseconds; with
    # Python's default 5 ms switch interval the quick requests of the worker's other
    # threads wait behind it. At 32 API clients (benchmarks/http.py, 40 s, 2 x 3):
    # 5 ms gave 435 req/s, p99 242 ms; 1 ms 521 req/s, p99 173 ms; 0.5 ms 481 / 196 ms.
    sys.setswitchinterval(GIL_SWITCH_SECONDS)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (127.x, ::1, localhost)."""
    import ipaddress

    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def startup_line(host: str, port: int, workers: int, threads: int, cookie_secure: bool) -> str:
    """What ``kb serve`` prints first: where it listens and, when the session cookie may
    travel in clear text to other machines, a warning that says how to fix it."""
    line = f"Serving http://{host}:{port} with {workers} workers x {threads} threads."
    if not cookie_secure and not is_loopback(host):
        line += (
            " WARNING: COOKIE_SECURE is off on a non-loopback address: session cookies are "
            "also sent over plain HTTP. Serve behind TLS and set KB_COOKIE_SECURE=true."
        )
    return line


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for ``kb serve`` (see :func:`serve` for workers and threads)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": True,
        "accesslog": "-",
        "timeout": 60,
        # gunicorn's largest request line: a search of MAX_QUERY_CHARS (1,000)
        # Cyrillic characters is 6,000 bytes of URL; the default 4,094 cut it at ~680
        # with an HTML 414 before the application could answer its JSON 400.
        "limit_request_line": 8190,
        "graceful_timeout": 20,
        # gunicorn >= 25.1 opens a control socket at one path per user
        # (~/.gunicorn/gunicorn.ctl): a second node on the same machine took the first's.
        # Deploys here use signals (HUP, TERM: docs/deploy.md), not gunicornc.
        "control_socket_disable": True,
        "post_fork": _post_fork,
    }


def serve(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Run ``app`` on ``host:port`` until interrupted.

    :param workers: worker processes (several can publish: git and index writes are locked).
    :param threads: threads per worker. Searches are CPU-bound Python, so a worker's
        threads take turns on its GIL: a few keep a slow request (git, a publication)
        from holding up the rest, more only add waiting (see ``benchmarks/http.py``).
    """
    from kb.models import db

    kb = app.extensions["kb"]
    if kb.store.remote is not None:
        # A node (re)starting takes what the others wrote meanwhile before it serves.
        from articles.remote import RemoteUnavailable

        try:
            kb.store.follow_remote()
        except RemoteUnavailable as exc:  # serve what it has: reads go on, writes wait
            app.logger.warning("starting without the remote's latest content: %s", exc)
    # Repair what a crash left (stale git locks, a half-moved publication, unfinished
    # index generations) and bring the index up to the published content (a rebuild
    # after a schema upgrade, unless `kb index prepare` built one) before the workers
    # start, then let each worker open its own files.
    kb.index  # noqa: B018 - opens the store, which repairs (ArticleStore.recover)
    for note in kb.repairs:
        click.echo(f"Repaired after a crash: {note}")
    kb.close()
    with app.app_context():
        # Connections must not cross the fork into workers.
        db.engine.dispose()
    GunicornServer(app, gunicorn_options(host, port, workers, threads)).run()
