"""The inbox (blueprint ``notifications`` at ``/-/inbox``): list, open, mark read.

Every signed-in user has one; each sees only their own notifications (the id in a URL
is looked up together with the user, so another user's id is a 404). Opening a
notification marks it read and goes to the article's editor page. Every change is a
POST with the CSRF token.
"""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from kb.models import db
from kb.models import utcnow
from kb.notifications import texts
from kb.notifications.models import Notification
from kb.outage import read_or

bp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/-/inbox",
    template_folder="templates",
    static_folder="static",
)

#: Notifications shown on one page of the inbox.
PAGE_SIZE = 50


def unread_count() -> int:
    """How many notifications the signed-in user has not read (the header's badge; 0 while
    the database is away)."""
    if not current_user.is_authenticated:
        return 0
    user_id = current_user.id

    def count() -> int:
        query = select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        return int(db.session.scalar(query) or 0)

    # Every page's header shows it: while PostgreSQL restarts the search screen must
    # still answer (kb/outage.py), so the badge is simply left out then.
    return read_or(0, count)


def _mine(note_id: int) -> Notification:
    note = db.session.scalar(
        select(Notification).where(
            Notification.id == note_id, Notification.user_id == current_user.id
        )
    )
    if note is None:
        abort(404)
    return note


@bp.route("/")
@login_required
def inbox() -> ResponseReturnValue:
    """The signed-in user's notifications, newest first; ``?unread=1`` only unread ones."""
    only_unread = bool(request.args.get("unread"))
    page_arg = request.args.get("page", "1")[:6]
    page = max(1, int(page_arg)) if page_arg.isdigit() else 1
    query = select(Notification).where(Notification.user_id == current_user.id)
    if only_unread:
        query = query.where(Notification.read_at.is_(None))
    notes = list(
        db.session.scalars(
            query.order_by(Notification.created.desc(), Notification.id.desc())
            .limit(PAGE_SIZE + 1)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return render_template(
        "notifications/inbox.html",
        notes=notes[:PAGE_SIZE],
        more=len(notes) > PAGE_SIZE,
        page=page,
        only_unread=only_unread,
        unread=unread_count(),
        texts=texts,
    )


@bp.route("/<int:note_id>/open", methods=["POST"])
@login_required
def open_note(note_id: int) -> ResponseReturnValue:
    """Mark a notification read and go to its article."""
    note = _mine(note_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(url_for("editor.article", lang=note.lang, slug=note.slug))


@bp.route("/<int:note_id>/read", methods=["POST"])
@login_required
def mark_read(note_id: int) -> ResponseReturnValue:
    """Mark one notification read (or unread again with ``unread=1``)."""
    note = _mine(note_id)
    note.read_at = None if request.form.get("unread") else (note.read_at or utcnow())
    db.session.commit()
    return redirect(url_for(".inbox"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read() -> ResponseReturnValue:
    """Mark every notification of the user read."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    from flask import flash

    flash(_("All notifications are marked read."), "ok")
    return redirect(url_for(".inbox"))
