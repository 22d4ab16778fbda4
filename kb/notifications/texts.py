"""What a notification says, in the language of whoever reads it.

Rows keep the facts (kind, title, who, comment or date); the sentence is made when the
inbox or an e-mail shows it, inside the reader's locale (``flask_babel.force_locale`` for
e-mails), so no sentence is stored in one language.
"""

from __future__ import annotations

from flask_babel import gettext as _

from kb.localtime import format_local
from kb.notifications.models import Notification


def summary(note: Notification) -> str:
    """The one-line sentence of a notification in the current locale.

    :param note: the notification.
    :returns: e.g. «Айгүл submitted «Замена паспорта» for review.» in the reader's language.
    """
    title, who, detail = note.title or note.article, note.actor, note.detail
    if note.kind == "submitted":
        return _("%(who)s submitted «%(title)s» for review.", who=who, title=title)
    if note.kind == "approved":
        return _("%(who)s approved «%(title)s».", who=who, title=title)
    if note.kind == "rejected":
        return _("%(who)s sent «%(title)s» back to you.", who=who, title=title)
    if note.kind == "published":
        return _("«%(title)s» is published: operators see it now.", title=title)
    if note.kind == "review_near":
        return _("«%(title)s» is due for review on %(date)s.", title=title, date=detail)
    if note.kind == "review_due":
        return _(
            "The review-by date of «%(title)s» (%(date)s) has passed.", title=title, date=detail
        )
    return title


def comment(note: Notification) -> str:
    """The reviewer's comment a rejection or approval came with (else empty)."""
    return note.detail if note.kind in ("rejected", "approved", "submitted") else ""


def kind_label(kind: str) -> str:
    """The name of a kind of notification (the inbox's filter and the e-mail subject)."""
    labels = {
        "submitted": _("Waiting for review"),
        "approved": _("Approved"),
        "rejected": _("Sent back"),
        "published": _("Published"),
        "review_near": _("Review soon"),
        "review_due": _("Review overdue"),
    }
    return labels.get(kind, kind)


def when(note: Notification) -> str:
    """When it happened, in the Center's local time."""
    return format_local(note.created)
