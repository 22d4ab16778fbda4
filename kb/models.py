"""Database tables: users and roles, API tokens, sign-in attempts, audit trail, feedback.

Content is not here: articles live in the content git repository. The schema changes only
through migrations in ``kb/migrations`` (``kb init`` and ``kb db upgrade`` apply them).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from kb.config import ROLES


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


db = SQLAlchemy(model_class=Base)


def tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Let readers and one writer work at once, and wait for a busy file, not fail.

    Write-ahead logging keeps searches (which log) from blocking on sign-ins and saves
    across the server's worker processes; the busy timeout turns contention into a short
    wait instead of "database is locked".
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def utcnow() -> datetime:
    """Return the current time in UTC, without tzinfo (as stored in the database)."""
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """A person who signs in: operator, editor, reviewer, trainer or administrator."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    #: Part of every session cookie (see :meth:`get_id`); raised to end all sessions.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @validates("name", "full_name", "email")
    def _check_names(self, key: str, value: str) -> str:
        """Refuse names that would break sign-in or every save (see :mod:`kb.accounts`)."""
        from kb.accounts import AccountError
        from kb.accounts import email_problem
        from kb.accounts import full_name_problem
        from kb.accounts import user_name_problem

        checks = {"name": user_name_problem, "full_name": full_name_problem}
        problem = checks.get(key, email_problem)(value or "")
        if problem:
            raise AccountError(problem)
        return value

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot sign in or use tokens."""
        return bool(self.active)

    def get_id(self) -> str:
        """The session's user id: ``<id>:<session version>`` (Flask-Login stores it).

        A session made before :meth:`end_sessions` carries the old version and no longer
        loads its user (``kb.auth.load_user``).
        """
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """End every session of this user (sign-out, password, roles or deactivation)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def role_names(self) -> set[str]:
        """The names of the roles this user holds."""
        return {r.role for r in self.roles}

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds any of ``roles`` (admins hold every permission)."""
        names = self.role_names
        return "admin" in names or any(r in names for r in roles)

    def set_roles(self, roles: list[str] | set[str]) -> None:
        """Replace the user's roles; unknown role names raise :class:`ValueError`."""
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(sorted(unknown))}: use {', '.join(ROLES)}"
            )
        keep = [r for r in self.roles if r.role in roles]
        have = {r.role for r in keep}
        self.roles = keep + [UserRole(role=r) for r in sorted(set(roles) - have)]

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (scrypt through Werkzeug)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        """Full name if known, else the login name."""
        return self.full_name or self.name

    @property
    def git_email(self) -> str:
        """The e-mail written into git commits made by this user."""
        return self.email or f"{self.name}@kb.local"


class UserRole(db.Model):  # type: ignore[name-defined]
    """One role held by one user; a user may hold several."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(db.Model):  # type: ignore[name-defined]
    """An API token for integrations (CRM, softphone); only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_used: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked: Mapped[datetime | None] = mapped_column(nullable=True)
    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        """Return the stored form of ``token``.

        Tokens are 256 random bits, so a fast hash is enough: nothing to brute-force.
        """
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    @classmethod
    def issue(cls, user: User, label: str = "") -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns the row and the clear token (shown once)."""
        clear = "kb_" + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.hash(clear), label=label), clear


class LoginAttempt(db.Model):  # type: ignore[name-defined]
    """A failed sign-in, kept for throttling."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_when", "when"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    when: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who did what and when (Rules 14): sign-ins, content actions, searches, exports."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_when", "when"),
        Index("ix_audit_events_target", "target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    when: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class SearchLog(db.Model):  # type: ignore[name-defined]
    """A search from the operator screen or ``/api/search``; zero-hit ones feed the gap queue.

    ``state`` belongs to the search analytics (:mod:`kb.analytics.rollup`): 0 not yet
    rolled up, 1 rolled up as a settled search, 2 rolled up as a prefix of a typing burst
    (not counted).
    """

    __tablename__ = "search_log"
    __table_args__ = (
        Index("ix_search_log_when", "when"),
        Index("ix_search_log_state_id", "state", "id"),
        Index("ix_search_log_actor_when", "actor", "when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    when: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(500), index=True)
    hits: Mapped[int] = mapped_column(default=0)
    took_ms: Mapped[float] = mapped_column(default=0.0)
    channel: Mapped[str] = mapped_column(String(8), default="screen")  # screen | api
    lang: Mapped[str] = mapped_column(String(4), default="")  # chosen language, "" = all
    top_ids: Mapped[str] = mapped_column(String(600), default="")  # "ru/passport kk/..."
    state: Mapped[int] = mapped_column(default=0)


class Feedback(db.Model):  # type: ignore[name-defined]
    """An operator's verdict on an article, or a report of a missing or wrong answer."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_when", "when"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    when: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # answered | not_answered | gap
    article: Mapped[str] = mapped_column(String(120), default="")  # "<lang>/<slug>" or ""
    query: Mapped[str] = mapped_column(String(500), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(64), default="")
