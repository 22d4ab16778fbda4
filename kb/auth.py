"""Sign-in, sign-out, interface language, API tokens, and the login wall."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from itertools import chain
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from kb.audit import record
from kb.config import LOCALES
from kb.models import ApiToken
from kb.models import LoginAttempt
from kb.models import User
from kb.models import UserRole
from kb.models import db
from kb.models import utcnow
from kb.web import login_manager

bp = Blueprint("auth", __name__)

#: How often a token's ``last_used`` time is written.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

# Endpoints anyone may reach: the sign-in page itself, health checks, static files.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "health.healthz", "static"})


class LoginForm(FlaskForm):
    """User name and password."""

    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=500)])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the signed-in user of a session."""
    if not user_id.isdigit():
        return None
    from kb.outage import UNAVAILABLE
    from kb.outage import known_users

    try:
        user = db.session.get(User, int(user_id))
    except UNAVAILABLE:
        # the database is restarting: searching goes on for users seen recently
        db.session.rollback()
        return known_users.recall(int(user_id))
    if user is not None:
        known_users.remember(user)
    return user


#: How long a checked token is trusted without asking the database again, per process.
#: A change to tokens, users or roles made in this process applies at once (see
#: :func:`_forget_known_tokens`); one made by another process (``kb token revoke``, the
#: admin page served by another worker) applies within this time.
TOKEN_CACHE_SECONDS = 5.0

#: At most this many tokens are remembered per process (the oldest are dropped first).
TOKEN_CACHE_SIZE = 1024


@dataclass(frozen=True)
class _KnownToken:
    """A token found valid, and its user as loaded then.

    ``user`` is detached from every session and never modified: each request gets its own
    copy through ``Session.merge(load=False)``, which costs no SQL.
    """

    user: User
    epoch: int
    checked: float


class _TokenEpoch:
    """A counter moved by every write to tokens, users or roles in this process."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        """Make every remembered token be checked again."""
        with self.lock:
            self.value += 1


_token_epoch = _TokenEpoch()


@event.listens_for(Session, "after_flush")
def _forget_known_tokens(session: Session, _flush_context: Any) -> None:
    """Drop the remembered tokens when a token, user or role was written (revocation)."""
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, ApiToken | User | UserRole):
            _token_epoch.bump()
            return


def _known_tokens() -> dict[str, _KnownToken]:
    return current_app.extensions.setdefault("kb_known_tokens", {})


def _check_token(token_hash: str) -> User | None:
    """Look the token up in the database; remember it (and its user) when valid."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
    if row is None or row.revoked is not None or not row.user.is_active:
        return None
    user_id = row.user_id
    now = utcnow()
    # A write per request would serialise every API call on the database (SQLite locks
    # the whole file): the last use is kept to the minute, which is all an admin needs.
    if row.last_used is None or now - row.last_used > TOKEN_TOUCH_INTERVAL:
        row.last_used = now
        try:
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
    epoch = _token_epoch.value  # read after the touch above, which moves it
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        return None
    user.role_names  # noqa: B018 - the roles are loaded before the user is detached
    db.session.expunge(user)
    known = _known_tokens()
    if len(known) >= TOKEN_CACHE_SIZE:
        for stale in list(known)[: TOKEN_CACHE_SIZE // 4]:
            known.pop(stale, None)
    known[token_hash] = _KnownToken(user, epoch, time.monotonic())
    return user


@login_manager.request_loader
def load_user_from_token(req: object) -> User | None:
    """Accept ``Authorization: Bearer TOKEN`` for integrations (CRM, softphone).

    The database is asked at most every :data:`TOKEN_CACHE_SECONDS` per token and
    process: an integration sends many searches a second, and three queries per request
    (token, user, roles) were a large part of a search's cost outside the engine.
    """
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token_hash = ApiToken.hash(token.strip())
    known = _known_tokens().get(token_hash)
    if (
        known is not None
        and known.epoch == _token_epoch.value
        and time.monotonic() - known.checked < TOKEN_CACHE_SECONDS
    ):
        user: User | None = known.user
    else:
        from kb.outage import GRACE_SECONDS
        from kb.outage import UNAVAILABLE

        try:
            user = _check_token(token_hash)
        except UNAVAILABLE:
            # the database is restarting: a token checked recently stays good meanwhile
            db.session.rollback()
            fresh = known is not None and time.monotonic() - known.checked < GRACE_SECONDS
            user = known.user if known is not None and fresh else None
    if user is None:
        return None
    g.token_auth = True
    return db.session.merge(user, load=False)


def _recent_failures(name: str, address: str) -> int:
    """Failed sign-ins for this name or from this address within the lock-out window."""
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])
    return int(
        db.session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.when >= since,
                or_(LoginAttempt.name == name, LoginAttempt.address == address),
            )
        )
        or 0
    )


@bp.route("/-/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with user name and password, throttled after repeated failures."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        name = form.name.data.strip()
        address = request.remote_addr or "-"
        if _recent_failures(name, address) >= current_app.config["LOGIN_MAX_FAILURES"]:
            minutes = current_app.config["LOGIN_LOCKOUT_SECONDS"] // 60 or 1
            error = _(
                "Too many failed sign-ins. Wait %(minutes)s minutes or ask an administrator.",
                minutes=minutes,
            )
            status = 429
            record(name, "login_throttled", address)
        else:
            user = db.session.scalar(select(User).where(User.name == name))
            if user is None or not user.is_active or not user.check_password(form.password.data):
                db.session.add(LoginAttempt(name=name, address=address))
                db.session.commit()
                record(name, "login_failed", address)
                error = _("Wrong user name or password.")
                status = 401
            else:
                db.session.execute(delete(LoginAttempt).where(LoginAttempt.name == name))
                db.session.commit()
                session.clear()
                login_user(user)
                session.permanent = True
                record(user.name, "login", address)
                target = request.args.get("next", "")
                # Only local paths: an open redirect would let a phishing link reuse our login.
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("home.index")
                return redirect(target)
    elif request.method == "POST":
        error = _("Enter your user name and password.")
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/-/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (POST with CSRF token, so a link elsewhere cannot sign anyone out)."""
    record(current_user.name, "logout")
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


@bp.route("/-/language", methods=["POST"])
def set_language() -> ResponseReturnValue:
    """Switch the interface language; remembered for the signed-in user."""
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home.index")
    return redirect(target)


def protect_every_page(app: Flask) -> None:
    """Require a signed-in user (or a valid token) for every endpoint not in PUBLIC_ENDPOINTS.

    Doing it once here means a new page is protected by default, not by remembering.
    """

    from kb.web import csrf

    @app.before_request
    def require_login() -> ResponseReturnValue | None:
        authenticated = current_user.is_authenticated  # runs the token loader first
        if not g.get("token_auth"):
            csrf.protect(apply_exemptions=True)
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if authenticated:
            return None
        return login_manager.unauthorized()


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """Send browsers to the sign-in page; API clients get 401 JSON."""
    from kb.errors import error_response
    from kb.errors import wants_json

    if wants_json():
        return error_response(401, _("Sign in or send an API token."), "unauthorized")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
