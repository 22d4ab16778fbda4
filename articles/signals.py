"""Signals the store sends after each successful write (audit and metrics only).

They cannot change what the store does (Flask's signals guidance): a receiver that
raises is logged and ignored. Every signal is sent with the store as ``sender`` and the
keyword arguments ``actor`` (:class:`~articles.model.Actor`), ``path`` (repository path)
and ``commit`` (the new head of the line written), plus those listed per signal.
"""

from __future__ import annotations

import logging
from typing import Any

from blinker import Namespace

log = logging.getLogger(__name__)

_signals = Namespace()

article_saved = _signals.signal(
    "article-saved", doc="A draft was created or changed on main (``created``: bool)."
)
article_submitted = _signals.signal("article-submitted", doc="A draft was submitted for review.")
article_approved = _signals.signal("article-approved", doc="A draft in review was approved.")
article_rejected = _signals.signal(
    "article-rejected", doc="A draft was sent back (``comment``: the reviewer's reason)."
)
article_scheduled = _signals.signal(
    "article-scheduled", doc="An approved draft was scheduled (``effective``: date/datetime)."
)
article_published = _signals.signal(
    "article-published",
    doc="A version reached the published line (``reason``: publish, scheduled, import, rollback).",
)
article_unpublished = _signals.signal("article-unpublished", doc="An article was retired.")
article_deleted = _signals.signal(
    "article-deleted", doc="A draft that was never published was deleted."
)
file_saved = _signals.signal("file-saved", doc="synonyms.txt, a body or a course was saved.")
file_published = _signals.signal("file-published", doc="A non-article file was published.")


def send(signal: Any, sender: object, **data: Any) -> None:
    """Send ``signal``; a failing receiver never fails the write that already happened.

    :param signal: one of this module's signals.
    :param sender: the store.
    :param data: keyword arguments for the receivers.
    """
    if not signal.receivers:
        return
    try:
        signal.send(sender, **data)
    except Exception:  # noqa: BLE001 - audit must not undo a committed write
        log.exception("receiver of %s failed", signal.name)
