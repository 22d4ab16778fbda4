"""The audit trail (Rules 14): who searched, opened, changed or published what, and when."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from kb.models import AuditEvent
from kb.models import db


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
