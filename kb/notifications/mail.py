"""E-mail of notifications, when an SMTP server is configured (``SMTP_HOST``).

Each message goes in the recipient's interface language (their choice, else
``DEFAULT_LOCALE``), with a link to the article. Sending never fails the editorial action
that caused it: a refused or unreachable server is logged, the row stays ``pending`` and
is tried again by the periodic job after a growing delay (1, 2, 4 ... minutes, at most
6 hours) until :data:`MAX_ATTEMPTS`; then it is ``failed`` (the inbox still has it).

Before sending, a process claims the row by moving ``mail_next`` forward in one
conditional ``UPDATE``: two workers (or nodes) never send the same message twice.
The password comes from the ``KB_SMTP_PASSWORD`` environment variable only, so it never
sits in a file of the instance or the repository.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import update

from kb.models import db
from kb.models import utcnow
from kb.notifications import texts
from kb.notifications.models import MAIL_FAILED
from kb.notifications.models import MAIL_PENDING
from kb.notifications.models import MAIL_SENT
from kb.notifications.models import Notification

log = logging.getLogger(__name__)

#: Environment variable holding the SMTP password (never a setting in a file).
PASSWORD_VARIABLE = "KB_SMTP_PASSWORD"
#: Seconds one connection to the SMTP server may take (connect, each reply).
TIMEOUT_SECONDS = 10.0
#: Tries before a message is given up (``failed``).
MAX_ATTEMPTS = 8
#: How long a claim holds off other senders.
CLAIM = timedelta(minutes=5)
#: Longest wait between two tries.
MAX_DELAY = timedelta(hours=6)
#: Messages one periodic round sends at most.
ROUND_LIMIT = 100


def configured(config: Mapping[str, Any]) -> bool:
    """Whether e-mail is on: ``SMTP_HOST`` is set."""
    return bool(str(config.get("SMTP_HOST") or "").strip())


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed tries.

    >>> [int(retry_delay(n).total_seconds()) for n in (1, 3, 20)]
    [60, 240, 21600]
    """
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_DELAY)


def article_link(note: Notification, config: Mapping[str, Any]) -> str:
    """The address of the article's editor page (absolute when ``PUBLIC_URL`` is set)."""
    base = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/-/edit/{note.lang}/{note.slug}"


def compose(note: Notification, config: Mapping[str, Any]) -> EmailMessage:
    """The e-mail of one notification, in its recipient's language.

    :param note: the notification (its ``user`` loaded).
    :param config: the application's settings.
    :returns: the message, addressed and ready to send.
    """
    user = note.user
    locale = user.locale or str(config.get("DEFAULT_LOCALE") or "ru")
    with force_locale(locale):
        line = texts.summary(note)
        remark = texts.comment(note)
        subject = f"1414 · {texts.kind_label(note.kind)}: {note.title or note.article}"
        body = [line, ""]
        if remark:
            body += [_("Comment: %(comment)s", comment=remark), ""]
        body += [
            _("Open the article: %(link)s", link=article_link(note, config)),
            "",
            _("Your inbox in the knowledge base keeps every notification."),
        ]
    message = EmailMessage()
    message["Subject"] = subject.replace("\n", " ")[:200]
    message["From"] = str(config["SMTP_FROM"])
    message["To"] = user.email
    message["Message-ID"] = make_msgid(domain="kb.local")
    message.set_content("\n".join(body))
    # After set_content, which replaces every Content-* header.
    message["Content-Language"] = locale
    return message


def _problem(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def send(notes: Sequence[Notification], config: Mapping[str, Any]) -> dict[int, str]:
    """Send the e-mails of ``notes`` over one SMTP connection.

    :returns: ``{notification id: problem}``, an empty problem for a message sent. A
        refused recipient fails its own message only; a server that cannot be reached
        (or drops the connection) fails the messages not sent yet.
    """
    results: dict[int, str] = {}
    host = str(config["SMTP_HOST"]).strip()
    try:
        with smtplib.SMTP(host, int(config["SMTP_PORT"]), timeout=TIMEOUT_SECONDS) as server:
            if config.get("SMTP_STARTTLS"):
                server.starttls(context=ssl.create_default_context())
            user = str(config.get("SMTP_USER") or "")
            if user:
                server.login(user, os.environ.get(PASSWORD_VARIABLE, ""))
            for note in notes:
                try:
                    server.send_message(compose(note, config))
                    results[note.id] = ""
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, ValueError) as exc:
                    results[note.id] = _problem(exc)
    except (OSError, smtplib.SMTPException) as exc:
        for note in notes:
            results.setdefault(note.id, _problem(exc))
    return results


def _claim(ids: Sequence[int]) -> list[int]:
    """Take the rows no other process is sending now; returns the ids taken."""
    now = utcnow()
    taken = []
    for note_id in ids:
        result = db.session.execute(
            update(Notification)
            .where(
                Notification.id == note_id,
                Notification.mail_state == MAIL_PENDING,
                Notification.mail_next <= now,
            )
            .values(mail_next=now + CLAIM)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(note_id)
    db.session.commit()
    return taken


def deliver(ids: Sequence[int] | None = None) -> int:
    """Send the pending e-mails of ``ids`` (default: those due for a try), at most a round.

    Failures are logged and scheduled for a retry, never raised.

    :param ids: notifications just made, or ``None`` for every pending row whose time came.
    :returns: how many messages were sent.
    """
    config = current_app.config
    if not configured(config):
        return 0
    if ids is None:
        ids = list(
            db.session.scalars(
                select(Notification.id)
                .where(Notification.mail_state == MAIL_PENDING, Notification.mail_next <= utcnow())
                .order_by(Notification.id)
                .limit(ROUND_LIMIT)
            )
        )
    taken = _claim(ids)
    if not taken:
        return 0
    notes = list(db.session.scalars(select(Notification).where(Notification.id.in_(taken))))
    results = send(notes, config)
    now = utcnow()
    sent = 0
    for note in notes:
        note.mail_attempts += 1
        problem = results.get(note.id, "not sent")
        if not problem:
            note.mail_state, note.mail_next, note.mail_error = MAIL_SENT, None, ""
            sent += 1
            continue
        note.mail_error = problem
        if note.mail_attempts >= MAX_ATTEMPTS:
            note.mail_state, note.mail_next = MAIL_FAILED, None
        else:
            note.mail_next = now + retry_delay(note.mail_attempts)
        log.warning(
            "e-mail of notification %s to %s not sent (%s); try %s of %s",
            note.id,
            note.user.email,
            problem,
            note.mail_attempts,
            MAX_ATTEMPTS,
        )
    db.session.commit()
    return sent
