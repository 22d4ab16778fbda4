"""The inbox table: one row per notification and recipient (migration ``0008``).

A row says what happened (``kind``: ``submitted``, ``approved``, ``rejected``,
``published``, ``review_near``, ``review_due``), to which article, by whom, and whether the
recipient has read it. Its text is made when it is shown, in the reader's language
(:mod:`kb.notifications.texts`), so the same row reads in Kazakh on the screen of a Kazakh
speaker and in Russian in an e-mail to a Russian speaker.

``key`` makes a notification happen once: the review-by reminders of the periodic job
carry ``<kind>:<lang>/<slug>:<review_by>``, unique per recipient, so however many workers
or nodes run the job, and however often, an owner hears of one due date once per state.
Workflow events leave it empty (every submission is news).

The ``mail_*`` columns are the e-mail outbox: ``pending`` rows are sent (and retried with
a growing delay) by :mod:`kb.notifications.mail`; ``mail_next`` doubles as the claim of
the process sending it, so two workers never send the same message.
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
from sqlalchemy.orm import relationship

from kb.models import User
from kb.models import db
from kb.models import utcnow

#: Kinds of notification, in the order the documentation lists them.
KINDS = ("submitted", "approved", "rejected", "published", "review_near", "review_due")
#: States of a notification's e-mail.
MAIL_NONE, MAIL_PENDING, MAIL_SENT, MAIL_FAILED = "none", "pending", "sent", "failed"


class Notification(db.Model):  # type: ignore[name-defined]
    """Something a user should know about an article: in the inbox, and by e-mail."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_mail", "mail_state", "mail_next"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    #: ``<lang>/<slug>`` of the article.
    article: Mapped[str] = mapped_column(String(120))
    #: The article's title when it happened (plain text).
    title: Mapped[str] = mapped_column(String(300), default="")
    #: Who acted (display name), empty for the periodic job.
    actor: Mapped[str] = mapped_column(String(200), default="")
    #: The reviewer's comment, or the review-by date (ISO) of a reminder.
    detail: Mapped[str] = mapped_column(Text, default="")
    key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)
    mail_state: Mapped[str] = mapped_column(String(8), default=MAIL_NONE)
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_next: Mapped[datetime | None] = mapped_column(nullable=True)
    mail_error: Mapped[str] = mapped_column(String(300), default="")
    user: Mapped[User] = relationship()

    @property
    def lang(self) -> str:
        """The article's language."""
        return self.article.partition("/")[0]

    @property
    def slug(self) -> str:
        """The article's slug."""
        return self.article.partition("/")[2]
