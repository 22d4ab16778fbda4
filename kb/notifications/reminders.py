"""Review-by reminders: the periodic job that tells owners an article is due for review.

An article whose ``review_by`` date is within ``REVIEW_NOTICE_DAYS`` days makes one
``review_near`` notification for its owner; once the date has come, one ``review_due``.
Each carries the key ``<kind>:<lang>/<slug>:<review_by>``, unique per recipient in the
database, so the job can run every minute in every worker of every node and still say
each thing once: a second insert of the same key is refused by the database and skipped.
A new review-by date (the article was reviewed) starts over. Retired articles and
articles without a known owner are left out.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from articles.model import Article
from articles.model import Status
from kb.models import db
from kb.notifications import mail
from kb.notifications.events import create
from kb.notifications.models import Notification
from kb.notifications.people import owner_of
from kb.services import KnowledgeBase

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """One reminder the job would make: the article, its state of due, the date."""

    article: Article
    kind: str
    review_by: dt.date

    @property
    def key(self) -> str:
        """What makes the reminder happen once per owner."""
        return f"{self.kind}:{self.article.lang}/{self.article.slug}:{self.review_by.isoformat()}"


def due_articles(
    articles: list[Article], retired: set[tuple[str, str]], today: dt.date, days: int
) -> list[Due]:
    """The articles whose review-by date is near (within ``days``) or has come.

    >>> from articles.model import ArticleMeta
    >>> a = Article(ArticleMeta("a", "A", "kk", review_by=dt.date(2027, 1, 10)), "", "a", "r")
    >>> [d.kind for d in due_articles([a], set(), dt.date(2027, 1, 1), 14)]
    ['review_near']
    >>> [d.kind for d in due_articles([a], set(), dt.date(2027, 1, 10), 14)]
    ['review_due']
    >>> due_articles([a], set(), dt.date(2026, 12, 1), 14)
    []

    :param articles: the draft line.
    :param retired: ``(lang, slug)`` of retired articles (no reminders).
    :param today: the Center's local date.
    :param days: how many days ahead "near" starts.
    :returns: one :class:`Due` per article concerned.
    """
    found = []
    for article in articles:
        review_by = article.meta.review_by
        if review_by is None or (article.lang, article.slug) in retired:
            continue
        if review_by <= today:
            found.append(Due(article, "review_due", review_by))
        elif review_by <= today + dt.timedelta(days=days):
            found.append(Due(article, "review_near", review_by))
    return found


def remind_owners(kb: KnowledgeBase, today: dt.date, days: int) -> int:
    """Make the reminders that are due and not made yet, and try their e-mails.

    Runs inside an application context.

    :param kb: the knowledge base.
    :param today: the Center's local date.
    :param days: ``REVIEW_NOTICE_DAYS``.
    :returns: how many notifications were made.
    """
    store = kb.store
    states = store.states()
    retired = {key for key, state in states.items() if state.status is Status.RETIRED}
    due = due_articles(store.list(), retired, today, days)
    if not due:
        return 0
    known = set(
        db.session.scalars(
            select(Notification.key).where(Notification.kind.in_(("review_near", "review_due")))
        )
    )
    writers = store.last_writers()
    made: list[int] = []
    for item in due:
        if item.key in known:
            continue
        article = item.article
        owner = owner_of(article.meta.owner, writers.get((article.lang, article.slug)))
        if owner is None:
            continue
        try:
            rows = create(
                [owner],
                item.kind,
                article.lang,
                article.slug,
                title=article.meta.title,
                detail=item.review_by.isoformat(),
                key=item.key,
            )
        except IntegrityError:
            # Another worker or node made it a moment ago: that is the one.
            db.session.rollback()
            continue
        made.extend(row.id for row in rows)
    if made:
        mail.deliver(made)
    return len(made)
