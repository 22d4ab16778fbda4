"""Notifications of workflow events: submitted, approved, rejected, published.

- a submission → every reviewer (:func:`kb.notifications.people.reviewers`);
- an approval, a rejection, a publication → the author: whoever wrote the current
  draft and whoever submitted it (one row each, the same person once).

Nobody is told of their own action. Each event's rows are committed, then their e-mails
are tried at once (:func:`kb.notifications.mail.deliver`); whatever goes wrong here is
logged and never undoes or fails the editorial action that already happened
(:func:`after_action`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import current_app

from articles.errors import ArticleError
from kb.models import User
from kb.models import db
from kb.models import utcnow
from kb.notifications import mail
from kb.notifications.models import MAIL_NONE
from kb.notifications.models import MAIL_PENDING
from kb.notifications.models import Notification
from kb.notifications.people import reviewers
from kb.notifications.people import user_for_person

log = logging.getLogger(__name__)

#: Editorial actions (as the audit trail names them) that notify, and the kind they make.
ACTION_KINDS = {
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "publish": "published",
}


def create(
    users: Iterable[User],
    kind: str,
    lang: str,
    slug: str,
    *,
    title: str,
    actor: str = "",
    detail: str = "",
    key: str | None = None,
) -> list[Notification]:
    """Add one notification per user (each user once) and commit them.

    :param users: the recipients.
    :param kind: one of :data:`kb.notifications.models.KINDS`.
    :param lang: the article's language.
    :param slug: its slug.
    :param title: its title.
    :param actor: who acted (display name).
    :param detail: comment or date.
    :param key: what makes it happen once per recipient (reminders), or ``None``.
    :returns: the rows, committed (e-mails not sent yet).
    """
    smtp = mail.configured(current_app.config)
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        rows.append(
            Notification(
                user_id=user.id,
                kind=kind,
                article=f"{lang}/{slug}",
                title=title[:300],
                actor=actor[:200],
                detail=detail,
                key=key,
                mail_state=MAIL_PENDING if smtp and user.email else MAIL_NONE,
                mail_next=utcnow() if smtp and user.email else None,
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _title(lang: str, slug: str) -> str:
    from kb.web import get_kb

    store = get_kb().store
    for line in ("draft", "published"):
        try:
            return store.get(lang, slug, line=line).meta.title
        except ArticleError:
            continue
    return f"{lang}/{slug}"


def _authors(lang: str, slug: str) -> list[User]:
    """The users who wrote the current draft and who submitted it."""
    from kb.web import get_kb

    state = get_kb().store.state(lang, slug)
    found = [user_for_person(p) for p in (state.last_author, state.submitted_by)]
    return [u for u in found if u is not None]


def notify_action(
    action: str, lang: str, slug: str, *, actor: User | None, detail: str = ""
) -> list[Notification]:
    """Notify the people an editorial action concerns and try their e-mails.

    :param action: ``submit``, ``approve``, ``reject`` or ``publish`` (others: nothing).
    :param lang: the article's language.
    :param slug: its slug.
    :param actor: the user who acted (not notified), or ``None`` for the scheduler.
    :param detail: the comment that came with it.
    :returns: the notifications made.
    """
    kind = ACTION_KINDS.get(action)
    if kind is None:
        return []
    users = reviewers(exclude=actor) if kind == "submitted" else _authors(lang, slug)
    users = [u for u in users if actor is None or u.id != actor.id]
    if not users:
        return []
    rows = create(
        users,
        kind,
        lang,
        slug,
        title=_title(lang, slug),
        actor=actor.display_name if actor is not None else "",
        detail=detail if kind != "published" else "",
    )
    mail.deliver([row.id for row in rows])
    return rows


def after_action(action: str, lang: str, slug: str, *, actor: Any, detail: str = "") -> None:
    """:func:`notify_action`, for views: a failure is logged, never raised.

    The action it reports is already committed to the content repository; a broken
    database or mail server must not turn it into an error page.
    """
    try:
        notify_action(action, lang, slug, actor=actor, detail=detail)
    except Exception:  # noqa: BLE001 - the editorial action already happened
        db.session.rollback()
        log.exception("could not notify of %s %s/%s", action, lang, slug)


def after_scheduled(published: Iterable[tuple[str, str]]) -> None:
    """Tell the authors of articles the scheduler published (their date has come)."""
    for lang, slug in published:
        after_action("publish", lang, slug, actor=None)
