"""The periodic part of notifications, run by each worker's scheduler thread.

Every round (``PUBLISH_CHECK_SECONDS``): tell the authors of what the scheduler just
published, make the review-by reminders that are due (:mod:`kb.notifications.reminders`:
idempotent, so it is safe in every worker and every node, and when only a cluster's
leader runs periodic jobs it is the same) and retry the e-mails whose time came.
``kb notify`` runs one round from the command line (cron).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from kb.localtime import local_today
from kb.models import db
from kb.notifications import mail
from kb.notifications.events import after_scheduled
from kb.notifications.reminders import remind_owners

log = logging.getLogger(__name__)


def run_round(app: Flask) -> dict[str, int]:
    """One round: reminders, then e-mail retries; failures are logged, never raised.

    The reminders are looked for when the draft line moved or the local day changed
    since this process last looked (otherwise there is nothing new to find).

    :param app: the application (a context is pushed for the round).
    :returns: ``{"reminders": made, "mailed": sent}``.
    """
    done = {"reminders": 0, "mailed": 0}
    with app.app_context():
        kb = app.extensions["kb"]
        try:
            # Nothing to remind of that was not seen: the same drafts on the same day.
            today = local_today()
            seen = (kb.store.draft_head(), today)
            if app.extensions.get("kb_reminders_seen") != seen:
                done["reminders"] = remind_owners(kb, today, int(app.config["REVIEW_NOTICE_DAYS"]))
                app.extensions["kb_reminders_seen"] = seen
        except Exception:  # noqa: BLE001 - retried next round
            db.session.rollback()
            log.exception("review-by reminders failed; retrying next round")
        try:
            done["mailed"] = mail.deliver()
        except Exception:  # noqa: BLE001 - retried next round
            db.session.rollback()
            log.exception("sending notification e-mails failed; retrying next round")
        db.session.remove()
    return done


def scheduled_hook(app: Flask) -> Callable[[list[tuple[str, str]]], None]:
    """What the scheduler calls with the articles it published on schedule."""

    def notify(published: list[tuple[str, str]]) -> None:
        if not published:
            return
        with app.app_context():
            after_scheduled(published)
            db.session.remove()

    return notify


def round_job(app: Flask) -> Callable[[], None]:
    """The scheduler's round job for ``app``."""

    def job() -> None:
        run_round(app)

    return job
