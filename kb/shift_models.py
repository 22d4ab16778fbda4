"""Tables of the operator's shift: caller language, pins, favourites, read marks, flags.

- :class:`OperatorPrefs`: per user, the caller's language last chosen on the screen;
- :class:`PinnedAnswer`: articles editors pin to every operator's home ("top answers");
- :class:`Favourite`: an operator's own favourite articles;
- :class:`ShiftRead`: "read" marks of an operator on changed article versions;
- :class:`ImportantFlag` and :class:`Confirmation`: an editor flags an article version as
  important (a rule in force from a date), each operator confirms having read it.

Articles are named by their translation group ``id`` (pins, favourites, flags: both
language versions at once) or by ``<lang>/<slug>`` and published time (read marks).
Created by migration ``0005``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from kb.models import db
from kb.models import utcnow


class OperatorPrefs(db.Model):  # type: ignore[name-defined]
    """What the operator's screen remembers for a user."""

    __tablename__ = "operator_prefs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    caller_lang: Mapped[str] = mapped_column(String(2), default="")
    updated: Mapped[datetime] = mapped_column(default=utcnow)


class PinnedAnswer(db.Model):  # type: ignore[name-defined]
    """An article an editor pinned to the operators' home."""

    __tablename__ = "pinned_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(120), unique=True)
    pinned_by: Mapped[str] = mapped_column(String(64))
    when: Mapped[datetime] = mapped_column(default=utcnow)


class Favourite(db.Model):  # type: ignore[name-defined]
    """An article an operator marked as a favourite."""

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("user_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[str] = mapped_column(String(120))
    when: Mapped[datetime] = mapped_column(default=utcnow)


class ShiftRead(db.Model):  # type: ignore[name-defined]
    """An operator marked a published version of an article as read."""

    __tablename__ = "shift_reads"
    __table_args__ = (UniqueConstraint("user_id", "path", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(40))
    when: Mapped[datetime] = mapped_column(default=utcnow)


class ImportantFlag(db.Model):  # type: ignore[name-defined]
    """An editor's flag: every operator must confirm having read this article."""

    __tablename__ = "important_flags"
    __table_args__ = (Index("ix_important_flags_article", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
    flagged_by: Mapped[str] = mapped_column(String(64))
    when: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn: Mapped[datetime | None] = mapped_column(nullable=True)


class Confirmation(db.Model):  # type: ignore[name-defined]
    """An operator confirmed having read a flagged article."""

    __tablename__ = "confirmations"
    __table_args__ = (UniqueConstraint("flag_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(
        ForeignKey("important_flags.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    when: Mapped[datetime] = mapped_column(default=utcnow)
