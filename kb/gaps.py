"""Operator feedback, the search log, and the editors' knowledge-gap queue (Rules 4.4, 17.3).

Operators say whether an article answered the call, or report a missing or wrong answer;
searches that found nothing are logged too. Editors see both, grouped by the normalised
query, in ``/-/gaps`` and mark a group resolved once the content is fixed.

Resolving a group stamps its feedback rows and stores one marker row
(``Feedback.kind == "resolved"``, ``query`` = the group key): zero-hit searches up to that
moment stop counting, later ones reopen the group. ``SearchLog`` has no resolved column,
and the marker keeps the schema unchanged.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from kb.audit import record
from kb.models import Feedback
from kb.models import SearchLog
from kb.models import db
from kb.models import utcnow
from kb.redirects import local_target
from kb.web import register_nav
from kb.web import role_required

log = logging.getLogger(__name__)

bp = Blueprint("gaps", __name__)
bp.record_once(
    lambda state: register_nav(
        state.app, "gaps.index", lambda: _("Knowledge gaps"), "editor", "reviewer"
    )
)

#: What an operator can say about an article or a search.
FEEDBACK_KINDS = ("answered", "not_answered", "gap")
#: Feedback kinds that go to the gap queue.
GAP_KINDS = ("not_answered", "gap")
#: The marker row written when an editor resolves a group.
RESOLVED_KIND = "resolved"
#: A final search answered only by weak matches, filed by the screen (not an operator).
WEAK_KIND = "weak_match"
#: Feedback kinds that keep a gap open (operators' reports and weak-match searches).
OPEN_KINDS = (*GAP_KINDS, WEAK_KIND)
#: Longest query and comment kept (the columns' sizes).
MAX_QUERY_CHARS = 500
MAX_COMMENT_CHARS = 2000
#: Queued search log rows are written when this many wait, or the oldest is this old.
FLUSH_ROWS = 50
FLUSH_SECONDS = 1.0
#: Search log rows kept in memory while the database is away (the oldest go first).
MAX_PENDING_ROWS = 100_000
#: How far back the queue looks, and how many log rows it reads at most.
QUEUE_DAYS = 90
QUEUE_SCAN_ROWS = 20_000

_ARTICLE_RE = re.compile(r"(kk|ru|en)/[a-z0-9][a-z0-9-]{0,79}")
_NOT_WORD_RE = re.compile(r"[^\w]+")


class FeedbackError(ValueError):
    """Feedback that cannot be stored; the message names the field and the fix.

    :param message: what is wrong.
    :param field: the offending field.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_query(text: str) -> str:
    """The grouping key of a query: lower case, ``ё`` as ``е``, words only, single spaces.

    :param text: the query as typed.
    :returns: the key (empty for punctuation-only text).
    """
    folded = text.casefold().replace("ё", "е")
    return " ".join(_NOT_WORD_RE.sub(" ", folded).split())[:MAX_QUERY_CHARS]


class _SearchLogBuffer:
    """Searches waiting to be written, per application and process.

    Writing each search in its own transaction made every request wait for the database
    (and, with SQLite, for the other workers' writes); one insert of a batch a second
    costs one commit. A worker that dies loses at most its last second of log rows.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []
        self.oldest = 0.0
        self.lock = threading.Lock()

    def add(self, row: dict[str, object]) -> list[dict[str, object]]:
        """Queue ``row``; return the batch to write when it is due, else ``[]``."""
        now = time.monotonic()
        with self.lock:
            if not self.rows:
                self.oldest = now
            self.rows.append(row)
            if len(self.rows) < FLUSH_ROWS and now - self.oldest < FLUSH_SECONDS:
                return []
            batch, self.rows = self.rows, []
            return batch

    def keep(self, batch: list[dict[str, object]]) -> None:
        """Put back a batch that could not be written (the database is away), bounded."""
        with self.lock:
            if not self.rows:
                self.oldest = time.monotonic()
            self.rows = (batch + self.rows)[-MAX_PENDING_ROWS:]

    def take(self) -> list[dict[str, object]]:
        """Return and forget every queued row."""
        with self.lock:
            batch, self.rows = self.rows, []
            return batch


def _buffer() -> _SearchLogBuffer:
    return current_app.extensions.setdefault("kb_search_log", _SearchLogBuffer())


def _write(batch: list[dict[str, object]]) -> None:
    """Insert a batch of search log rows in one statement (errors are logged, not raised).

    :param batch: the rows.
    """
    if not batch:
        return
    try:
        # A connection of its own: the request's session (and the signed-in user loaded
        # in it) is neither committed nor rolled back, so a database going away here
        # cannot fail the rest of the search page.
        with db.engine.begin() as conn:
            conn.execute(insert(SearchLog), batch)
    except SQLAlchemyError as exc:
        # kept and written with a later batch: the database may be restarting
        _buffer().keep(batch)
        log.warning("search log write of %d rows failed; kept for later: %s", len(batch), exc)


def log_search(
    actor: str,
    query: str,
    hits: int,
    took_ms: float,
    *,
    channel: str = "screen",
    lang: str = "",
    top_ids: Iterable[str] = (),
    when: datetime | None = None,
) -> None:
    """Log one search in ``SearchLog`` (batched: see :class:`_SearchLogBuffer`).

    :param actor: the user name.
    :param query: the query as typed.
    :param hits: how many items matched.
    :param took_ms: the search time.
    :param channel: ``screen`` (the operator screen) or ``api`` (``/api/search``).
    :param lang: the language the user chose, empty for all.
    :param top_ids: the first results, ``<lang>/<slug>`` or ``body/<id>`` (analytics).
    :param when: the time of the search (UTC; default now).
    """
    row = {
        "when": when or utcnow(),
        "actor": actor[:64],
        "query": query[:MAX_QUERY_CHARS],
        "hits": hits,
        "took_ms": round(took_ms, 2),
        "channel": channel,
        "lang": lang,
        "top_ids": " ".join(top_ids)[:600],
        "state": 0,
    }
    _write(_buffer().add(row))


def file_weak_search(actor: str, query: str) -> None:
    """File a final search answered only by weak matches in the gap queue.

    Written at once on a connection of its own; while the database is away (PostgreSQL
    restarting) the row waits in this process and goes with the next write that gets
    through, so the search itself still answers.

    :param actor: the operator.
    :param query: the query as typed.
    """
    row = {
        "when": utcnow(),
        "actor": actor[:64],
        "kind": WEAK_KIND,
        "article": "",
        "query": query[:MAX_QUERY_CHARS],
        "comment": "",
    }
    weak = _weak_buffer()
    weak.keep([row])
    _write_weak(weak)


def _write_weak(weak: _SearchLogBuffer) -> None:
    batch = weak.take()
    if not batch:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(Feedback), batch)
    except SQLAlchemyError as exc:
        weak.keep(batch)
        log.warning("%d weak-search filings kept for later: %s", len(batch), exc)


def _weak_buffer() -> _SearchLogBuffer:
    return current_app.extensions.setdefault("kb_weak_searches", _SearchLogBuffer())


def flush_search_log() -> None:
    """Write the searches (and weak-search filings) still queued in this process.

    The gap queue calls it first.
    """
    _write(_buffer().take())
    _write_weak(_weak_buffer())


def record_feedback(
    actor: str, kind: str, article: str = "", query: str = "", comment: str = ""
) -> Feedback:
    """Validate and store an operator's feedback, and note it in the audit trail.

    :param actor: the user name.
    :param kind: ``answered``, ``not_answered`` or ``gap``.
    :param article: ``<lang>/<slug>`` of the article concerned, or empty.
    :param query: the search that led there, or empty.
    :param comment: what is missing or wrong (plain text).
    :returns: the stored row.
    :raises FeedbackError: for an unknown kind, a malformed article, text too long, or a
        gap report with neither query, article nor comment.
    """
    if kind not in FEEDBACK_KINDS:
        raise FeedbackError(f"kind must be one of {', '.join(FEEDBACK_KINDS)}", "kind")
    article = (article or "").strip()
    if article and not _ARTICLE_RE.fullmatch(article):
        raise FeedbackError("article must look like ru/passport (<lang>/<slug>)", "article")
    query = " ".join((query or "").split())
    comment = (comment or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise FeedbackError(f"query is longer than {MAX_QUERY_CHARS} characters", "query")
    if len(comment) > MAX_COMMENT_CHARS:
        raise FeedbackError(f"comment is longer than {MAX_COMMENT_CHARS} characters", "comment")
    if not (article or query or comment):
        raise FeedbackError("give the article, the query or a comment", "article")
    row = Feedback(actor=actor[:64], kind=kind, article=article, query=query, comment=comment)
    db.session.add(row)
    db.session.commit()
    record(actor, "feedback", article or query[:200], f"{kind}: {comment}" if comment else kind)
    return row


@dataclass(frozen=True)
class GapComment:
    """One operator comment in a gap group."""

    when: datetime
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class GapGroup:
    """Gap reports and zero-hit searches sharing one normalised query (or one article).

    :param key: the group key (normalised query, or ``@<lang>/<slug>`` without a query).
    :param query: the query as last typed (or the article path).
    :param count: reports plus zero-hit and weak-match searches.
    :param reports: feedback rows (``not_answered`` and ``gap``).
    :param zero_hits: searches that found nothing.
    :param weak: searches answered only by weak matches (see ``search.ranking``).
    :param first_seen: the oldest entry.
    :param last_seen: the newest entry.
    :param articles: articles the reports were about.
    :param comments: operators' comments, newest first.
    :param operators: how many different operators are concerned.
    """

    key: str
    query: str
    count: int
    reports: int
    zero_hits: int
    first_seen: datetime
    last_seen: datetime
    articles: tuple[str, ...] = ()
    comments: tuple[GapComment, ...] = ()
    operators: int = 0
    weak: int = 0


@dataclass
class _Acc:
    query: str = ""
    reports: int = 0
    zero_hits: int = 0
    weak: int = 0
    first: datetime | None = None
    last: datetime | None = None
    query_at: datetime | None = None
    articles: dict[str, None] = field(default_factory=dict)
    comments: list[GapComment] = field(default_factory=list)
    actors: set[str] = field(default_factory=set)

    def see(self, when: datetime, actor: str, query: str) -> None:
        self.first = when if self.first is None or when < self.first else self.first
        self.last = when if self.last is None or when > self.last else self.last
        self.actors.add(actor)
        if query and (self.query_at is None or when >= self.query_at):
            self.query, self.query_at = query, when


def _feedback_key(row: Feedback) -> str:
    return normalise_query(row.query) or f"@{row.article}"


def gap_queue(
    sort: str = "frequency", *, days: int = QUEUE_DAYS, now: datetime | None = None
) -> list[GapGroup]:
    """The open knowledge gaps, grouped by normalised query.

    :param sort: ``frequency`` (most reported first) or ``recent`` (newest first).
    :param days: how far back to look.
    :param now: the current time (tests).
    :returns: the groups.
    """
    flush_search_log()
    since = (now or utcnow()) - timedelta(days=days)
    resolved_at: dict[str, datetime] = {}
    for key, when in db.session.execute(
        select(Feedback.query, Feedback.when).where(Feedback.kind == RESOLVED_KIND)
    ):
        resolved_at[key] = max(when, resolved_at.get(key, when))
    groups: dict[str, _Acc] = {}
    feedback = db.session.scalars(
        select(Feedback).where(
            Feedback.kind.in_(OPEN_KINDS), Feedback.resolved.is_(None), Feedback.when >= since
        )
    )
    for row in feedback:
        acc = groups.setdefault(_feedback_key(row), _Acc())
        acc.see(row.when, row.actor, row.query or row.article)
        if row.kind == WEAK_KIND:
            acc.weak += 1
            continue
        acc.reports += 1
        if row.article:
            acc.articles[row.article] = None
        if row.comment:
            acc.comments.append(GapComment(row.when, row.actor, row.kind, row.comment))
    searches = db.session.execute(
        select(SearchLog.query, SearchLog.when, SearchLog.actor)
        # state 2: a prefix of a typing burst, superseded by the query the operator settled
        # on (kb.analytics.rollup); not a gap of its own.
        .where(SearchLog.hits == 0, SearchLog.when >= since, SearchLog.state != 2)
        .order_by(SearchLog.when.desc())
        .limit(QUEUE_SCAN_ROWS)
    )
    for query, when, actor in searches:
        key = normalise_query(query)
        if not key or (key in resolved_at and when <= resolved_at[key]):
            continue
        acc = groups.setdefault(key, _Acc())
        acc.see(when, actor, query)
        acc.zero_hits += 1
    out = [
        GapGroup(
            key=key,
            query=acc.query or key,
            count=acc.reports + acc.zero_hits + acc.weak,
            reports=acc.reports,
            zero_hits=acc.zero_hits,
            weak=acc.weak,
            first_seen=acc.first,  # type: ignore[arg-type]
            last_seen=acc.last,  # type: ignore[arg-type]
            articles=tuple(acc.articles),
            comments=tuple(sorted(acc.comments, key=lambda c: c.when, reverse=True)),
            operators=len(acc.actors),
        )
        for key, acc in groups.items()
    ]
    if sort == "recent":
        out.sort(key=lambda g: (g.last_seen, g.count), reverse=True)
    else:
        out.sort(key=lambda g: (g.count, g.last_seen), reverse=True)
    return out


def resolve_gap(key: str, actor: str) -> int:
    """Close a gap group: stamp its open reports and hide its zero-hit searches so far.

    :param key: the group key from :func:`gap_queue`.
    :param actor: the editor.
    :returns: how many reports were closed.
    """
    now = utcnow()
    open_rows: Iterable[Feedback] = db.session.scalars(
        select(Feedback).where(Feedback.kind.in_(OPEN_KINDS), Feedback.resolved.is_(None))
    )
    ids = [row.id for row in open_rows if _feedback_key(row) == key]
    if ids:
        db.session.execute(
            update(Feedback)
            .where(Feedback.id.in_(ids))
            .values(resolved=now, resolved_by=actor[:64])
        )
    db.session.add(
        Feedback(
            actor=actor[:64],
            kind=RESOLVED_KIND,
            query=key[:MAX_QUERY_CHARS],
            when=now,
            resolved=now,
            resolved_by=actor[:64],
        )
    )
    db.session.commit()
    record(actor, "gap_resolved", key[:200], f"{len(ids)} reports")
    return len(ids)


# -- views ----------------------------------------------------------------------------------


@bp.route("/-/gaps")
@role_required("editor", "reviewer")
def index() -> ResponseReturnValue:
    """The gap queue, sortable by frequency or recency."""
    sort = "recent" if request.args.get("sort") == "recent" else "frequency"
    return render_template("gaps/index.html", groups=gap_queue(sort), sort=sort)


@bp.route("/-/gaps/resolve", methods=["POST"])
@role_required("editor", "reviewer")
def resolve() -> ResponseReturnValue:
    """Mark one group resolved (the content now answers it)."""
    key = request.form.get("key", "").strip()
    if not key:
        flash(_("Choose the gap to mark as resolved."), "error")
    else:
        count = resolve_gap(key, current_user.name)
        flash(_("Marked as resolved (%(count)s reports closed).", count=count))
    sort = request.form.get("sort", "frequency")
    return redirect(url_for("gaps.index", sort=sort))


@bp.route("/-/feedback", methods=["POST"])
def feedback() -> ResponseReturnValue:
    """Store feedback sent by a plain HTML form (without JavaScript), then go back."""
    target = local_target(request.form.get("next"), url_for("home.index"))
    try:
        record_feedback(
            current_user.name,
            request.form.get("kind", ""),
            request.form.get("article", ""),
            request.form.get("query", ""),
            request.form.get("comment", ""),
        )
    except FeedbackError as exc:
        flash(_("Feedback not saved: %(reason)s.", reason=str(exc)), "error")
        return redirect(target, 303)
    flash(_("Thank you: your feedback was sent to the editors."))
    return redirect(target, 303)
