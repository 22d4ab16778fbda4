"""Notifications: the in-app inbox, e-mail, and review-by reminders for owners (issue 15).

- :mod:`~kb.notifications.models`: the ``notifications`` table (inbox and e-mail outbox);
- :mod:`~kb.notifications.people`: users behind repository names, owners, reviewers;
- :mod:`~kb.notifications.events`: submitted → reviewers; approved, rejected,
  published → the author;
- :mod:`~kb.notifications.reminders`: review-by near or passed → the owner, once;
- :mod:`~kb.notifications.mail`: e-mail in the recipient's language, retried;
- :mod:`~kb.notifications.jobs`: the periodic round (scheduler thread, ``kb notify``);
- :mod:`~kb.notifications.texts`: the sentences, in the reader's language;
- :mod:`~kb.notifications.views`: the inbox pages at ``/-/inbox``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the inbox and the template helpers (unread count, owners)."""
    from kb.notifications import models  # noqa: F401 - the table joins the metadata
    from kb.notifications import people
    from kb.notifications import views

    app.register_blueprint(views.bp)
    app.jinja_env.globals.update(
        inbox_unread=views.unread_count,
        article_owner=people.owner_shown,
        owner_choices=people.owner_choices,
    )
