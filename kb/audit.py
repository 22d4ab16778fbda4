"""The audit trail (Rules 14): who searched, opened, changed or published what, and when."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kb.models import AuditEvent
from kb.models import db
from kb.models import utcnow

log = logging.getLogger(__name__)

#: Audit events of reads kept in memory while the database is away (oldest dropped first).
MAX_PENDING = 100_000
_pending: list[dict[str, object]] = []
_pending_lock = threading.Lock()


def record(actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Store one audit event and commit it.

    :param actor: user name (or the name tried, for failed sign-ins).
    :param action: a short verb such as ``login``, ``publish``, ``search``.
    :param target: what was acted on, e.g. ``ru/passport-replacement``.
    :param detail: free text, e.g. a comment or the query.
    """
    db.session.add(
        AuditEvent(actor=actor[:64], action=action[:32], target=target[:200], detail=detail)
    )
    db.session.commit()


def record_read(actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Store the audit event of a read (a search) without ever failing the read.

    While the database is away (PostgreSQL restarting) the event waits in memory, with
    the time it happened, and is written with the next one that gets through.

    :param actor: user name.
    :param action: e.g. ``search``.
    :param target: what was read.
    :param detail: free text, e.g. the query.
    """
    row = {
        "when": utcnow(),
        "actor": actor[:64],
        "action": action[:32],
        "target": target[:200],
        "detail": detail,
    }
    with _pending_lock:
        _pending.append(row)
        batch = list(_pending)
        _pending.clear()
    try:
        with db.engine.begin() as conn:  # the request's session stays as it is
            conn.execute(insert(AuditEvent), batch)
    except SQLAlchemyError as exc:
        with _pending_lock:
            _pending[:0] = batch
            del _pending[:-MAX_PENDING]
        log.warning("audit of %d reads kept for later: %s", len(batch), exc)


def events(since: datetime | None = None, until: datetime | None = None) -> list[AuditEvent]:
    """Audit events in time order, optionally within ``[since, until)``."""
    query = select(AuditEvent).order_by(AuditEvent.when, AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.when >= since)
    if until is not None:
        query = query.where(AuditEvent.when < until)
    return list(db.session.scalars(query))


def as_csv(rows: Iterable[AuditEvent]) -> str:
    """Render audit events as CSV (UTF-8 with a header row) for export."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when_utc", "actor", "action", "target", "detail"])
    for row in rows:
        writer.writerow(
            [row.when.isoformat(timespec="seconds"), row.actor, row.action, row.target, row.detail]
        )
    return out.getvalue()
