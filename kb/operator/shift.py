"""Home for the shift: the caller's language, pinned answers, favourites, recently viewed,
what changed since the operator's last shift, and important articles to confirm.

- The **caller's language** (``kk``, ``ru`` or automatic) is chosen on the search screen
  (Alt+L) and remembered per user (:class:`kb.operator.shift_models.OperatorPrefs`): results in
  that language come before their translations.
- **Pinned answers**: editors pin an article from its page ("top answers of the week");
  every operator's home lists them.
- **Favourites**: an operator's own, toggled with Alt+F (or F) on an article.
- **Recently viewed**: the operator's last opened articles, from the audit trail.
- **What changed**: articles published since the operator's previous sign-in (at most
  :data:`CHANGES_DAYS` back), each with a "read" mark of its own per operator.
- **Important**: an editor flags an article (a rule in force from a date, say); each
  operator must confirm having read it, and editors see who confirmed
  (``/-/shift/flags``).

Articles are named by their translation group id, and shown in the caller's language
when chosen, else in the interface language when it is kk or ru, else in Russian.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy import select

from kb.audit import record
from kb.models import AuditEvent
from kb.models import User
from kb.models import db
from kb.models import utcnow
from kb.operator.shift_models import Confirmation
from kb.operator.shift_models import Favourite
from kb.operator.shift_models import ImportantFlag
from kb.operator.shift_models import OperatorPrefs
from kb.operator.shift_models import PinnedAnswer
from kb.operator.shift_models import ShiftRead
from kb.outage import read_or
from kb.web import get_kb

bp = Blueprint("shift", __name__, url_prefix="/-/shift")

#: Languages a caller can be served in ("" is automatic: the query's own language).
CALLER_LANGS = ("kk", "ru")
#: "What changed" looks back at most this many days (and at least to the last sign-in).
CHANGES_DAYS = 14
#: Items per home list.
HOME_ITEMS = 8
#: Changed articles listed at most (newest first).
MAX_CHANGES = 20
#: Longest note on an important flag.
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class HomeItem:
    """One article on the home page.

    :param article_id: the translation group id.
    :param lang: the language of the version shown.
    :param slug: its slug.
    :param title: its title.
    :param when: when it was published (changes) or viewed (recent), UTC, or None.
    :param version: the published time, for read marks (changes).
    :param read: the operator marked this version read.
    :param flag: the open important flag of the article, if any.
    :param confirmed: the operator confirmed the flag.
    """

    article_id: str
    lang: str
    slug: str
    title: str
    when: dt.datetime | None = None
    version: str = ""
    read: bool = False
    flag: ImportantFlag | None = None
    confirmed: bool = False

    @property
    def url(self) -> str:
        """Where the operator opens the article."""
        return f"/{self.lang}/{self.slug}"

    @property
    def path(self) -> str:
        """``<lang>/<slug>``."""
        return f"{self.lang}/{self.slug}"


# -- the caller's language ---------------------------------------------------------------


def caller_lang(user: Any) -> str:
    """The caller's language the user last chose (``""``: automatic)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    # while PostgreSQL restarts the search goes on in the query's own language
    prefs = read_or(None, lambda: db.session.get(OperatorPrefs, user.id))
    return prefs.caller_lang if prefs is not None else ""


def set_caller_lang(user: Any, lang: str) -> None:
    """Remember the caller's language for the user.

    :raises ValueError: for a language other than kk, ru or empty.
    """
    if lang not in ("", *CALLER_LANGS):
        raise ValueError(lang)
    prefs = db.session.get(OperatorPrefs, user.id)
    if prefs is None:
        prefs = OperatorPrefs(user_id=user.id)
        db.session.add(prefs)
    prefs.caller_lang = lang
    prefs.updated = utcnow()
    db.session.commit()


def display_lang(user: Any) -> str:
    """The language articles are shown in on the home page."""
    chosen = caller_lang(user)
    if chosen:
        return chosen
    locale = str(get_locale() or "")
    return locale if locale in CALLER_LANGS else "ru"


# -- articles by id ----------------------------------------------------------------------


def _version(article_id: str, lang: str) -> tuple[str, str, str] | None:
    """``(lang, slug, title)`` of the published version in ``lang``, else in another."""
    versions = get_kb().published_versions(article_id)
    for candidate in (lang, *sorted(versions)):
        if candidate in versions:
            slug, title = versions[candidate]
            return candidate, slug, title
    return None


def _items(article_ids: list[str], lang: str) -> list[HomeItem]:
    out = []
    for article_id in article_ids:
        found = _version(article_id, lang)
        if found is not None:
            out.append(HomeItem(article_id, *found))
    return out


def article_id_of(lang: str, slug: str) -> str | None:
    """The translation group id of a published article, or None."""
    return get_kb().published_id(lang, slug)


# -- pins, favourites, recent ------------------------------------------------------------


def pinned_ids() -> list[str]:
    """Pinned article ids, newest pin first."""
    rows = db.session.scalars(select(PinnedAnswer).order_by(PinnedAnswer.when.desc()))
    return [row.article_id for row in rows]


def toggle_pin(article_id: str, actor: str) -> bool:
    """Pin or unpin an article; returns True when it is now pinned."""
    row = db.session.scalar(select(PinnedAnswer).where(PinnedAnswer.article_id == article_id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
        record(actor, "unpin", article_id)
        return False
    db.session.add(PinnedAnswer(article_id=article_id, pinned_by=actor[:64]))
    db.session.commit()
    record(actor, "pin", article_id)
    return True


def is_favourite(user: Any, article_id: str) -> bool:
    """Whether the user has the article among their favourites."""
    return (
        db.session.scalar(
            select(Favourite.id).where(
                Favourite.user_id == user.id, Favourite.article_id == article_id
            )
        )
        is not None
    )


def toggle_favourite(user: Any, article_id: str) -> bool:
    """Add or remove a favourite; returns True when it is now a favourite."""
    if is_favourite(user, article_id):
        db.session.execute(
            delete(Favourite).where(
                Favourite.user_id == user.id, Favourite.article_id == article_id
            )
        )
        db.session.commit()
        return False
    db.session.add(Favourite(user_id=user.id, article_id=article_id))
    db.session.commit()
    return True


def favourite_ids(user: Any) -> list[str]:
    """The user's favourite article ids, newest first."""
    rows = db.session.scalars(
        select(Favourite).where(Favourite.user_id == user.id).order_by(Favourite.when.desc())
    )
    return [row.article_id for row in rows]


def recent_paths(name: str, limit: int = HOME_ITEMS) -> list[tuple[str, str, dt.datetime]]:
    """The user's last opened articles, ``(lang, slug, when)``, newest first, distinct."""
    rows = db.session.execute(
        select(AuditEvent.target, AuditEvent.when)
        .where(AuditEvent.actor == name, AuditEvent.action == "open")
        .order_by(AuditEvent.when.desc())
        .limit(limit * 10)
    )
    seen: dict[str, tuple[str, str, dt.datetime]] = {}
    for target, when in rows:
        lang, _, slug = target.partition("/")
        if lang in ("kk", "ru", "en") and slug and target not in seen:
            seen[target] = (lang, slug, when)
        if len(seen) >= limit:
            break
    return list(seen.values())


# -- what changed, read marks, important flags -------------------------------------------


def previous_sign_in(name: str) -> dt.datetime | None:
    """When the user signed in before the current session (UTC), or None."""
    rows = db.session.scalars(
        select(AuditEvent.when)
        .where(AuditEvent.actor == name, AuditEvent.action == "login")
        .order_by(AuditEvent.when.desc())
        .limit(2)
    ).all()
    return rows[1] if len(rows) > 1 else None


def changes_since(name: str, now: dt.datetime | None = None) -> dt.datetime:
    """Where "what changed" starts: the previous sign-in, at most CHANGES_DAYS back."""
    floor = (now or utcnow()) - dt.timedelta(days=CHANGES_DAYS)
    previous = previous_sign_in(name)
    return max(previous, floor) if previous is not None else floor


def open_flags() -> dict[str, ImportantFlag]:
    """The newest open important flag of each flagged article id."""
    rows = db.session.scalars(
        select(ImportantFlag)
        .where(ImportantFlag.withdrawn.is_(None))
        .order_by(ImportantFlag.when.asc())
    )
    return {row.article_id: row for row in rows}


def confirmed_flags(user: Any) -> set[int]:
    """Ids of the flags the user confirmed."""
    return set(
        db.session.scalars(select(Confirmation.flag_id).where(Confirmation.user_id == user.id))
    )


def flag(article_id: str, note: str, actor: str) -> ImportantFlag:
    """Flag an article as important: every operator must confirm it (a new flag each time)."""
    for old in db.session.scalars(
        select(ImportantFlag).where(
            ImportantFlag.article_id == article_id, ImportantFlag.withdrawn.is_(None)
        )
    ):
        old.withdrawn = utcnow()
    row = ImportantFlag(article_id=article_id, note=note[:MAX_NOTE_CHARS], flagged_by=actor[:64])
    db.session.add(row)
    db.session.commit()
    record(actor, "flag_important", article_id, note[:200])
    return row


def withdraw(article_id: str, actor: str) -> int:
    """Withdraw an article's open flags; returns how many."""
    count = 0
    for row in db.session.scalars(
        select(ImportantFlag).where(
            ImportantFlag.article_id == article_id, ImportantFlag.withdrawn.is_(None)
        )
    ):
        row.withdrawn = utcnow()
        count += 1
    db.session.commit()
    record(actor, "unflag_important", article_id)
    return count


def confirm(user: Any, flag_id: int) -> bool:
    """Record that the user read a flagged article; False when the flag is not open."""
    row = db.session.get(ImportantFlag, flag_id)
    if row is None or row.withdrawn is not None:
        return False
    if flag_id not in confirmed_flags(user):
        db.session.add(Confirmation(flag_id=flag_id, user_id=user.id))
        db.session.commit()
        record(user.name, "confirm_important", row.article_id)
    return True


def mark_read(user: Any, path: str, version: str) -> None:
    """Mark one published version of an article read by the user."""
    exists = db.session.scalar(
        select(ShiftRead.id).where(
            ShiftRead.user_id == user.id, ShiftRead.path == path, ShiftRead.version == version
        )
    )
    if exists is None:
        db.session.add(ShiftRead(user_id=user.id, path=path[:120], version=version[:40]))
        db.session.commit()


def changed_items(user: Any, lang: str, now: dt.datetime | None = None) -> list[HomeItem]:
    """Articles published since the user's last shift, in ``lang`` where it exists.

    Both versions of an article count as one change (the newer publication); flagged
    articles to confirm come first, then the newest.
    """
    since = changes_since(user.name, now)
    kb = get_kb()
    newest: dict[str, tuple[dt.datetime, str, str]] = {}
    for (article_lang, slug), state in kb.store.states().items():
        if not state.published_at:
            continue
        try:
            when = dt.datetime.fromisoformat(state.published_at).astimezone(dt.UTC)
        except ValueError:
            continue
        when = when.replace(tzinfo=None)
        if when < since:
            continue
        article_id = article_id_of(article_lang, slug)
        if article_id is None:
            continue
        if article_id not in newest or when > newest[article_id][0]:
            newest[article_id] = (when, article_lang, slug)
    reads = {
        (str(path), str(version))
        for path, version in db.session.execute(
            select(ShiftRead.path, ShiftRead.version).where(ShiftRead.user_id == user.id)
        )
    }
    flags = open_flags()
    confirmed = confirmed_flags(user)
    items = []
    for article_id, (when, _lang, _slug) in newest.items():
        found = _version(article_id, lang)
        if found is None:
            continue
        version = when.isoformat(timespec="seconds")
        shown = HomeItem(article_id, *found, when=when, version=version)
        row = flags.get(article_id)
        items.append(
            HomeItem(
                **{
                    **shown.__dict__,
                    "read": (shown.path, version) in reads,
                    "flag": row,
                    "confirmed": row is not None and row.id in confirmed,
                }
            )
        )
    # Flags to confirm first, then newest first; a read mark keeps its item in place.
    items.sort(key=lambda i: (i.flag is None or i.confirmed, -(i.when or since).timestamp()))
    return items[:MAX_CHANGES]


def to_confirm(user: Any, lang: str) -> list[HomeItem]:
    """Flagged articles the user has not confirmed yet, however old the flag."""
    confirmed = confirmed_flags(user)
    out = []
    for article_id, row in open_flags().items():
        if row.id in confirmed:
            continue
        found = _version(article_id, lang)
        if found is not None:
            out.append(HomeItem(article_id, *found, when=row.when, flag=row))
    return out


def home_panels(user: Any) -> dict[str, Any]:
    """Everything the home page shows for the user (the search box is empty)."""
    lang = display_lang(user)
    recent = []
    for article_lang, slug, when in recent_paths(user.name):
        article_id = article_id_of(article_lang, slug)
        found = _version(article_id, lang) if article_id else None
        if found is not None and article_id is not None:
            recent.append(HomeItem(article_id, *found, when=when))
    changes = changed_items(user, lang)
    flagged_in_changes = {i.article_id for i in changes}
    confirm_list = [i for i in to_confirm(user, lang) if i.article_id not in flagged_in_changes]
    return {
        "pinned": _items(pinned_ids(), lang)[:HOME_ITEMS],
        "favourites": _items(favourite_ids(user), lang)[:HOME_ITEMS],
        "recent": recent,
        "changes": changes,
        "to_confirm": confirm_list,
        "since": changes_since(user.name),
    }


def article_marks(user: Any, article_id: str) -> dict[str, Any]:
    """What an article page shows of the shift: favourite, pinned, its open flag."""
    row = open_flags().get(article_id)
    return {
        "favourite": is_favourite(user, article_id),
        "pinned": article_id in pinned_ids(),
        "flag": row,
        "confirmed": row is not None and row.id in confirmed_flags(user),
    }


# -- routes ------------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or request.is_json


def _back(default: str = "/") -> str:
    target = request.form.get("next", "") or default
    return target if target.startswith("/") and not target.startswith("//") else default


def _article_id_from_form() -> str:
    article_id = request.form.get("article_id", "").strip()
    if not article_id or len(article_id) > 120 or not get_kb().published_versions(article_id):
        abort(400, _("No published article with this id: open the article and try again."))
    return article_id


@bp.post("/caller-lang")
def caller_language() -> ResponseReturnValue:
    """Remember the caller's language (``lang``: kk, ru or empty for automatic)."""
    data = request.get_json(silent=True) or request.form
    lang = str(data.get("lang", ""))
    try:
        set_caller_lang(current_user, lang)
    except ValueError:
        message = _("The caller’s language must be kk, ru or empty (automatic).")
        if _wants_json():
            error = {"status": 400, "code": "invalid_parameter", "message": message}
            return jsonify(error=error), 400
        abort(400, message)
    if _wants_json():
        return jsonify(caller_lang=lang)
    return redirect(_back())


@bp.post("/favourite")
def favourite() -> ResponseReturnValue:
    """Add or remove a favourite (``article_id``)."""
    now = toggle_favourite(current_user, _article_id_from_form())
    if _wants_json():
        return jsonify(favourite=now)
    flash(_("Added to your favourites.") if now else _("Removed from your favourites."), "ok")
    return redirect(_back())


@bp.post("/read")
def read() -> ResponseReturnValue:
    """Mark a changed article version read (``path``, ``version``)."""
    path = request.form.get("path", "")[:120]
    version = request.form.get("version", "")[:40]
    if not path or not version:
        abort(400, _("Nothing to mark read: reload the page and try again."))
    mark_read(current_user, path, version)
    if _wants_json():
        return jsonify(read=True)
    return redirect(_back())


@bp.post("/confirm")
def confirm_view() -> ResponseReturnValue:
    """Confirm having read a flagged article (``flag_id``)."""
    try:
        flag_id = int(request.form.get("flag_id", ""))
    except ValueError:
        abort(400, _("Nothing to confirm: reload the page and try again."))
    if not confirm(current_user, flag_id):
        abort(404, _("This article is no longer flagged as important."))
    if _wants_json():
        return jsonify(confirmed=True)
    flash(_("Confirmed: you have read this important article."), "ok")
    return redirect(_back())


def _editor_only() -> None:
    if not current_user.has_role("editor", "reviewer"):
        abort(403, _("Only editors and reviewers may do this."))


@bp.post("/pin")
def pin() -> ResponseReturnValue:
    """Pin or unpin an article on every operator's home (editors)."""
    _editor_only()
    now = toggle_pin(_article_id_from_form(), current_user.name)
    flash(_("Pinned to the operators’ home.") if now else _("Unpinned."), "ok")
    return redirect(_back())


@bp.post("/flag")
def flag_view() -> ResponseReturnValue:
    """Flag an article as important (operators must confirm) or withdraw the flag."""
    _editor_only()
    article_id = _article_id_from_form()
    if request.form.get("withdraw") == "1":
        withdraw(article_id, current_user.name)
        flash(_("The important flag was withdrawn."), "ok")
    else:
        flag(article_id, request.form.get("note", "").strip(), current_user.name)
        flash(_("Flagged as important: every operator must confirm having read it."), "ok")
    return redirect(_back())


@bp.get("/flags")
def flags() -> ResponseReturnValue:
    """Editors: open important flags and who confirmed them."""
    _editor_only()
    rows = []
    users = list(db.session.scalars(select(User)))
    names = {u.id: u.display_name for u in users}
    operators = [u for u in users if u.active and "operator" in u.role_names]
    lang = display_lang(current_user)
    for article_id, row in sorted(open_flags().items(), key=lambda kv: kv[1].when, reverse=True):
        confirmed = {
            user_id: when
            for user_id, when in db.session.execute(
                select(Confirmation.user_id, Confirmation.when).where(
                    Confirmation.flag_id == row.id
                )
            )
        }
        rows.append(
            {
                "flag": row,
                "item": next(iter(_items([article_id], lang)), None),
                "confirmed": [
                    (names.get(uid, str(uid)), when)
                    for uid, when in sorted(confirmed.items(), key=lambda kv: kv[1])
                ],
                "missing": [u.display_name for u in operators if u.id not in confirmed],
            }
        )
    return render_template("shift/flags.html", rows=rows)
