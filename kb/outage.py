"""Riding out a database outage (PostgreSQL restarting or failing over).

Searching must go on while the shared database is briefly away: a signed-in operator is
recognised from what this process last loaded about them, and rows that only record
what happened (search log, the audit of a search) wait in memory and are written once
the database answers again. Writes that change data are refused with a clear "try
again" page (see :mod:`kb.errors`), never a 500.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstanceState

from kb.models import User
from kb.models import UserRole
from kb.models import db

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The errors that mean "the database is not answering" (not a bug in a query).
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError)
#: How long a user last loaded may be recognised from memory during an outage, in seconds.
GRACE_SECONDS = 600.0
#: Users remembered per process (the oldest are dropped first).
MAX_USERS = 5000


@dataclass(frozen=True)
class _Snapshot:
    """What is needed to serve a user's requests: identity, language and roles."""

    name: str
    full_name: str
    email: str
    locale: str | None
    active: bool
    roles: tuple[str, ...]
    seen: float


class KnownUsers:
    """Users this process loaded recently, to recognise them while the database is away."""

    def __init__(self) -> None:
        self._users: dict[int, _Snapshot] = {}
        self._lock = threading.Lock()

    def remember(self, user: User) -> None:
        """Note ``user`` as loaded from the database just now."""
        snapshot = _Snapshot(
            name=user.name,
            full_name=user.full_name,
            email=user.email,
            locale=user.locale,
            active=bool(user.active),
            roles=tuple(sorted(user.role_names)),
            seen=time.monotonic(),
        )
        with self._lock:
            self._users.pop(user.id, None)
            self._users[user.id] = snapshot
            while len(self._users) > MAX_USERS:
                self._users.pop(next(iter(self._users)))

    def recall(self, user_id: int) -> User | None:
        """A detached copy of the user as last loaded, if that was within the grace time."""
        with self._lock:
            snapshot = self._users.get(user_id)
        if snapshot is None or time.monotonic() - snapshot.seen > GRACE_SECONDS:
            return None
        user = User(
            id=user_id,
            name=snapshot.name,
            full_name=snapshot.full_name,
            email=snapshot.email,
            locale=snapshot.locale,
            active=snapshot.active,
        )
        user.roles = [UserRole(role=role) for role in snapshot.roles]
        return user


#: One memory per process (user ids are the same in every application of one database).
known_users = KnownUsers()


def _keep_signed_in_user() -> None:
    """Make the request's signed-in user independent of the session about to be rolled back.

    A rollback expires every object of the session, the signed-in user (and its roles)
    too, and the next read of one of its attributes asks the database again. When the
    database went away in the middle of a request (the user was loaded a moment before
    PostgreSQL stopped), that read failed: the search log's ``current_user.name`` after
    the caller's-language read had failed, the page header's name after the unread count
    had failed, and then the error page's own header, which escaped Flask as gunicorn's
    bare 500. The user object itself is taken out of the session, keeping what it had
    loaded: a template rendering holds it already (Flask-Login's ``current_user`` in the
    template context), so replacing it would not reach the page. Only a user already
    expired (by a commit earlier in the request) is replaced by its remembered copy.
    """
    if not has_request_context():
        return
    user = g.get("_login_user")  # where Flask-Login keeps the request's user
    if not isinstance(user, User):
        return
    state: InstanceState[User] = inspect(user)
    if state.session is None:
        return  # already detached
    if not state.expired_attributes:
        state.session.expunge(user)  # cascades to its roles (cascade "all")
        return
    copy = known_users.recall(int(state.identity[0])) if state.identity else None
    if copy is not None:
        g._login_user = copy


def rollback() -> None:
    """Roll the request's session back after a database error, so the page can go on.

    The signed-in user stays usable (:func:`_keep_signed_in_user`); a rollback that fails
    too (the connection is dead) drops the session's connections instead of raising.
    """
    _keep_signed_in_user()
    try:
        db.session.rollback()
    except UNAVAILABLE:
        log.warning("rollback failed: the database connection is gone; invalidated")
        try:
            db.session().invalidate()
        except Exception:  # noqa: BLE001 - nothing more can be done with a dead connection
            db.session.registry.clear()


def read_or(default: _T, read: Callable[[], _T]) -> _T:
    """Run a read a search page can do without; ``default`` while the database is away.

    The request's session is rolled back after such a failure (:func:`rollback`, which
    keeps the signed-in user usable), so the rest of the page (which reads nothing else
    from the database) goes on.

    :param default: what the page uses instead (e.g. "no preference").
    :param read: the query.
    """
    try:
        return read()
    except UNAVAILABLE:
        rollback()
        return default


#: Methods that may change something (a form post, an API write).
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> None:
    """Check the database before any request that may write, so none half happens; end
    each request's session even when the database went away; guard the WSGI boundary.

    A save during a PostgreSQL restart used to reach the content repository and fail
    only at its audit row: the editor was told "try again" and the article was saved.
    Asking the database first (one ``SELECT 1``) refuses such a request before anything
    is written: the "try again" page of :mod:`kb.errors` (503, in the user's language).
    """

    @app.before_request
    def _writes_need_the_database() -> None:
        if request.method in UNSAFE_METHODS:
            db.session.execute(text("SELECT 1"))  # raises while the database is away

    # Registered after Flask-SQLAlchemy's own teardown, so it runs first. A page that read
    # the database (the header's unread count) before PostgreSQL went down ends with a
    # rollback on a terminated connection; raised from the teardown, that became
    # gunicorn's bare 500 page after the answer was ready.
    @app.teardown_appcontext
    def _end_the_session_even_if_the_database_went_away(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001 - the answer is made; the connection is dropped
            log.warning("database went away while a request ended; session dropped")
            db.session.registry.clear()

    # Whatever still escapes Flask (an error handler or a teardown that read the database
    # as it went away) is answered "try again" (503, localized), not gunicorn's bare 500.
    from kb import outage_guard

    outage_guard.install(app)
