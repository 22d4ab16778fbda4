"""The audit trail (Rules 14): who searched, opened, changed or published what, and when.

Reading it: :class:`AuditFilter` (who, action, target, local-date period) is applied in
the database, pages are fetched with ``LIMIT``/``OFFSET`` and the CSV export streams its
rows, so neither the page nor the export loads the whole trail (500,000 rows and more
after months of searches).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kb.csv_export import csv_lines
from kb.models import AuditEvent
from kb.models import db
from kb.models import utcnow

#: Rows on one page of the audit screen.
PAGE_SIZE = 100
#: Rows fetched at a time by a streamed export.
STREAM_BATCH = 2000

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
    """Audit events in time order, optionally within ``[since, until)`` (UTC)."""
    query = select(AuditEvent).order_by(AuditEvent.when, AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.when >= since)
    if until is not None:
        query = query.where(AuditEvent.when < until)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class AuditFilter:
    """What the audit screen and its export show.

    :param actor: exactly this user name (``""``: everyone).
    :param action: exactly this action code (``""``: every action).
    :param target: targets starting with this, e.g. ``ru/passport`` (``""``: any).
    :param since: from this moment (UTC, naive), inclusive.
    :param until: before this moment (UTC, naive).
    """

    actor: str = ""
    action: str = ""
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Select[Any]:
        """The filtered events, newest first (every condition is served by an index)."""
        query = select(AuditEvent)
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor[:64])
        if self.action:
            query = query.where(AuditEvent.action == self.action[:32])
        if self.target:
            # A range, not LIKE: the index on target serves it in SQLite and PostgreSQL.
            prefix = self.target[:200]
            query = query.where(AuditEvent.target >= prefix, AuditEvent.target < prefix + "\uffff")
        if self.since is not None:
            query = query.where(AuditEvent.when >= self.since)
        if self.until is not None:
            query = query.where(AuditEvent.when < self.until)
        return query.order_by(AuditEvent.when.desc(), AuditEvent.id.desc())


def local_day_bounds(
    first: dt.date | None, last: dt.date | None, tz: dt.tzinfo
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds (naive, as stored) of the local days ``first`` to ``last``, inclusive."""

    def utc_midnight(day: dt.date) -> datetime:
        local = datetime.combine(day, dt.time(), tzinfo=tz)
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    since = utc_midnight(first) if first else None
    until = utc_midnight(last + timedelta(days=1)) if last else None
    return since, until


def page(chosen: AuditFilter, number: int, size: int = PAGE_SIZE) -> tuple[list[AuditEvent], bool]:
    """One page (1-based) of the filtered events, and whether another page follows."""
    number = max(1, number)
    query = chosen.query().offset((number - 1) * size).limit(size + 1)
    rows = list(db.session.scalars(query))
    return rows[:size], len(rows) > size


def stream_events(chosen: AuditFilter) -> Iterator[AuditEvent]:
    """Every filtered event, newest first, fetched :data:`STREAM_BATCH` rows at a time."""
    query = chosen.query().execution_options(yield_per=STREAM_BATCH)
    yield from db.session.scalars(query)


CSV_HEADER = ("when_utc", "when_local", "actor", "action", "target", "detail")


def as_csv_lines(rows: Iterable[AuditEvent], tz: dt.tzinfo) -> Iterator[str]:
    """The events as CSV chunks (UTF-8 text with a header row; formulas neutralised)."""
    from kb.localtime import to_local

    return csv_lines(
        CSV_HEADER,
        (
            (
                row.when.isoformat(timespec="seconds"),
                to_local(row.when, tz).isoformat(timespec="seconds"),
                row.actor,
                row.action,
                row.target,
                row.detail,
            )
            for row in rows
        ),
    )


def as_csv(rows: Iterable[AuditEvent], tz: dt.tzinfo | None = None) -> str:
    """Render audit events as one CSV text (see :func:`as_csv_lines`)."""
    from kb.localtime import current_zone

    return "".join(as_csv_lines(rows, tz or current_zone()))
