"""Several web nodes sharing PostgreSQL and a git remote: followers and one leader.

Active only when ``DATABASE_URL`` is PostgreSQL; the followers also need
``CONTENT_REMOTE``. On SQLite (one machine) nothing here runs and nothing changes.

- :mod:`kb.cluster.heads`: after each publication the writing node records the new
  published commit in ``published_heads`` and sends ``NOTIFY kb_published``.
- :mod:`kb.cluster.follower`: a thread per worker listens on its own connection, and
  polls the table every ``FOLLOW_POLL_SECONDS`` (notifications can be lost); when a
  commit it does not hold appears it fetches from the remote and updates its index.
- :mod:`kb.cluster.leader`: periodic work (scheduled publishing) runs on the one worker
  holding a PostgreSQL advisory lock on a dedicated connection; the lock goes with the
  connection when that worker dies, and another takes over.

See ``docs/deploy.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url


def is_postgresql(url: str) -> bool:
    """Whether an SQLAlchemy URL names PostgreSQL."""
    return url.startswith("postgresql")


def libpq_dsn(url: str) -> str:
    """The libpq connection URI of an SQLAlchemy PostgreSQL URL (any driver suffix dropped)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def init_app(app: Flask) -> None:
    """Announce this process's publications to the other nodes (PostgreSQL + remote only).

    Every process that writes (server workers, ``kb import --publish``, ``kb publish-due``)
    records its publications, so followers hear of them whichever process made them.
    """
    url = str(app.config["DATABASE_URL"])
    if not (is_postgresql(url) and app.config.get("CONTENT_REMOTE")):
        return
    from kb.cluster.heads import Announcer

    announcer = Announcer(libpq_dsn(url), app.extensions["kb"])
    announcer.connect_signals()
    app.extensions["kb_announcer"] = announcer


def start_workers(app: Flask) -> Callable[[], bool] | None:
    """Start this worker's follower thread; return the leadership check (or ``None``).

    Called once per server worker after the fork. ``None`` means SQLite: every worker
    runs the periodic work itself, as on one machine.
    """
    url = str(app.config["DATABASE_URL"])
    if not is_postgresql(url):
        return None
    dsn = libpq_dsn(url)
    threads: dict[str, Any] = app.extensions.setdefault("kb_cluster", {})
    if app.config.get("CONTENT_REMOTE"):
        from kb.cluster.follower import Follower

        follower = Follower(
            dsn,
            app.extensions["kb"],
            poll_seconds=float(app.config["FOLLOW_POLL_SECONDS"]),
            announcer=app.extensions.get("kb_announcer"),
        )
        follower.start()
        threads["follower"] = follower
    from kb.cluster.leader import Leadership

    leadership = Leadership(dsn)
    threads["leader"] = leadership
    return leadership.is_leader
