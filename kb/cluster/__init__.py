"""Several web nodes sharing PostgreSQL and a git remote: followers and one leader.

Active only when ``DATABASE_URL`` is PostgreSQL; the followers also need
``CONTENT_REMOTE``. On SQLite (one machine) nothing here runs and nothing changes.

- :mod:`kb.cluster.heads`: after each publication the writing node records the new
  published commit in ``published_heads`` and sends ``NOTIFY kb_published``.
- :mod:`kb.cluster.listener`: each worker's follower (:mod:`kb.follower`, the one loop
  that catches the index up) listens on its own connection and reads the table's newest
  row every ``INDEX_FOLLOW_SECONDS`` (notifications can be lost); when a commit it does
  not hold appears it fetches from the remote, then updates its index.
- :mod:`kb.cluster.leader`: periodic work (scheduled publishing) runs on the one worker
  holding a PostgreSQL advisory lock on a dedicated connection; the lock goes with the
  connection when that worker dies, and another takes over.

See ``docs/deploy.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from kb.cluster.listener import Listener


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
    if not following(app):
        return
    url = str(app.config["DATABASE_URL"])
    from kb.cluster.heads import Announcer

    announcer = Announcer(libpq_dsn(url), app.extensions["kb"])
    announcer.connect_signals()
    app.extensions["kb_announcer"] = announcer


def following(app: Flask) -> bool:
    """Whether this application is one node of several (PostgreSQL and a content remote)."""
    url = str(app.config["DATABASE_URL"])
    return is_postgresql(url) and bool(app.config.get("CONTENT_REMOTE"))


def announced_head(app: Flask) -> str | None:
    """The newest published commit any node announced (``published_heads``), for readiness.

    ``None`` on one machine (SQLite, or no content remote: the local published head is
    the only one), when nothing was announced yet, or when the database does not answer
    (the readiness check reports the database itself). Reads through the request's
    session.
    """
    if not following(app):
        return None
    from sqlalchemy import select

    from kb.cluster.heads import PublishedHead
    from kb.models import db
    from kb.outage import UNAVAILABLE
    from kb.outage import rollback

    query = select(PublishedHead.commit).order_by(PublishedHead.id.desc()).limit(1)
    try:
        commit = db.session.scalar(query)
    except UNAVAILABLE:
        rollback()
        return None
    return str(commit) if commit else None


def listener(app: Flask) -> Listener | None:
    """A listener for other nodes' announcements, for one worker's follower (or ``None``).

    Only with a PostgreSQL database and a content remote; created after the fork (a
    connection must not cross it).
    """
    if not following(app):
        return None
    from kb.cluster.listener import Listener

    return Listener(libpq_dsn(str(app.config["DATABASE_URL"])))


def leadership(app: Flask) -> Callable[[], bool] | None:
    """This worker's leadership check of the periodic work; ``None`` on SQLite.

    ``None`` means every worker runs the periodic work itself, as on one machine.
    """
    url = str(app.config["DATABASE_URL"])
    if not is_postgresql(url):
        return None
    from kb.cluster.leader import Leadership

    claim = Leadership(libpq_dsn(url))
    app.extensions.setdefault("kb_cluster", {})["leader"] = claim
    return claim.is_leader
