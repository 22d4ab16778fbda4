"""The audit trail (Rules 14): who searched, opened, changed or published what, and when."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from kb.models import AuditEvent
from kb.models import db
from kb.models import utcnow


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


_REPEATS_RE = re.compile(r"^(\d+) attempts")


def record_repeated(actor: str, action: str, target: str, *, window_seconds: int) -> None:
    """Store a repeated event once per ``(actor, action, target)`` and window, with a count.

    The first occurrence in ``window_seconds`` writes a row (its time is the first
    attempt's); later ones update that row's detail to ``"N attempts, last HH:MM:SS UTC"``.
    Failed and refused sign-ins use it: an unauthenticated flood of them used to add
    hundreds of rows a second; now it adds one per name and address per window, and the
    trail still tells who was tried, from where, how often and until when.
    """
    now = utcnow()
    row = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.actor == actor[:64],
            AuditEvent.action == action[:32],
            AuditEvent.target == target[:200],
            AuditEvent.when >= now - timedelta(seconds=window_seconds),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if row is None:
        record(actor, action, target, "1 attempts")
        return
    match = _REPEATS_RE.match(row.detail or "")
    count = int(match.group(1)) + 1 if match else 2
    row.detail = f"{count} attempts, last {now:%H:%M:%S} UTC"
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
