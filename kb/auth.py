"""Sign-in, sign-out, interface language, API tokens, and the login wall."""

from __future__ import annotations

import secrets
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
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from kb.audit import record
from kb.audit import record_repeated
from kb.config import LOCALES
from kb.models import ApiToken
from kb.models import LoginAttempt
from kb.models import User
from kb.models import UserRole
from kb.models import db
from kb.models import utcnow
from kb.redirects import local_target
from kb.web import login_manager

bp = Blueprint("auth", __name__)

#: How often a token's ``last_used`` time is written.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

# Endpoints anyone may reach: the sign-in page itself, health checks, static files.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "auth.set_language", "health.healthz", "health.readyz", "static"}
)


class LoginForm(FlaskForm):
    """User name and password."""

    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=500)])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the signed-in user of a session: ``<id>:<session version>`` (see ``User.get_id``).

    A session from before a sign-out, a password or role change or a deactivation carries
    an older version and loads nobody, so the cookie is worthless from then on.
    """
    number, _sep, version = user_id.partition(":")
    if not number.isdigit() or not version.isdigit() or len(number) > 10:
        return None
    from kb.outage import UNAVAILABLE
    from kb.outage import known_users

    try:
        user = db.session.get(User, int(number))
    except UNAVAILABLE:
        # the database is restarting: searching goes on for users seen recently
        from kb.outage import rollback

        rollback()
        user = known_users.recall(int(number))
    else:
        if user is not None:
            known_users.remember(user)
    if user is None or not user.is_active or (user.session_version or 0) != int(version):
        return None
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
    from kb.outage import known_users

    known_users.remember(user)  # its copy serves the rest of a request the database leaves
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
            from kb.outage import rollback

            rollback()
            fresh = known is not None and time.monotonic() - known.checked < GRACE_SECONDS
            user = known.user if known is not None and fresh else None
    if user is None:
        return None
    g.token_auth = True
    return db.session.merge(user, load=False)


def _throttled(name: str, address: str) -> bool:
    """Whether sign-in for ``name`` from ``address`` is refused for now.

    Three counts of failures within ``LOGIN_LOCKOUT_SECONDS``: this name from this address
    (``LOGIN_MAX_FAILURES``), this name from anywhere (``LOGIN_ACCOUNT_MAX_FAILURES``) and
    anything from this address (``LOGIN_ADDRESS_MAX_FAILURES``, much higher: a whole shift
    signs in through one NAT address, and one mistyped name must not lock out the others).
    """
    config = current_app.config
    since = utcnow() - timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
    same_name = LoginAttempt.name == name
    same_address = LoginAttempt.address == address
    pair, account, place = db.session.execute(
        select(
            func.coalesce(func.sum(case((and_(same_name, same_address), 1), else_=0)), 0),
            func.coalesce(func.sum(case((same_name, 1), else_=0)), 0),
            func.coalesce(func.sum(case((same_address, 1), else_=0)), 0),
        ).where(LoginAttempt.when >= since, or_(same_name, same_address))
    ).one()
    return (
        int(pair) >= config["LOGIN_MAX_FAILURES"]
        or int(account) >= config["LOGIN_ACCOUNT_MAX_FAILURES"]
        or int(place) >= config["LOGIN_ADDRESS_MAX_FAILURES"]
    )


class _DummyHash:
    """A password hash made once per process, checked when the user does not exist.

    Checking it costs the same key derivation as a real user's, so the answer time does
    not tell whether a user name exists (it did: 137 ms against 8 ms).
    """

    value: str | None = None

    @classmethod
    def get(cls) -> str:
        if cls.value is None:
            cls.value = generate_password_hash(secrets.token_hex(16))
        return cls.value


def _authenticate(name: str, password: str) -> User | None:
    """The active user ``name`` if ``password`` is theirs; the same work either way."""
    user = db.session.scalar(select(User).where(User.name == name))
    if user is None:
        check_password_hash(_DummyHash.get(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def _failed(name: str, address: str, action: str) -> None:
    """Count a failed or refused sign-in; the audit trail keeps one row per name, address
    and window with the number of attempts (an attacker's flood adds no rows)."""
    window = current_app.config["LOGIN_LOCKOUT_SECONDS"]
    if action == "login_failed":
        db.session.add(LoginAttempt(name=name[:64], address=address[:64]))
        db.session.execute(
            delete(LoginAttempt).where(LoginAttempt.when < utcnow() - timedelta(seconds=window))
        )
        db.session.commit()
    record_repeated(name, action, address, window_seconds=window)


@bp.route("/-/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with user name and password, throttled after repeated failures."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        name = form.name.data.strip()
        address = request.remote_addr or "-"
        if _throttled(name, address):
            minutes = current_app.config["LOGIN_LOCKOUT_SECONDS"] // 60 or 1
            error = _(
                "Too many failed sign-ins. Wait %(minutes)s minutes or ask an administrator.",
                minutes=minutes,
            )
            status = 429
            _failed(name, address, "login_throttled")
        else:
            user = _authenticate(name, form.password.data)
            if user is None:
                _failed(name, address, "login_failed")
                error = _("Wrong user name or password.")
                status = 401
            else:
                chosen = session.get("locale")
                db.session.execute(
                    delete(LoginAttempt).where(
                        LoginAttempt.name == name, LoginAttempt.address == address
                    )
                )
                if chosen in LOCALES:
                    # The language picked on the sign-in page is the user's choice.
                    user.locale = chosen
                db.session.commit()
                session.clear()
                if chosen in LOCALES:
                    session["locale"] = chosen
                login_user(user)
                session.permanent = True
                record(user.name, "login", address)
                return redirect(safe_next(request.args.get("next"), signed_in=True))
    elif request.method == "POST":
        error = _("Enter your user name and password.")
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/-/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (POST with CSRF token, so a link elsewhere cannot sign anyone out)."""
    record(current_user.name, "logout")
    current_user.end_sessions()  # a copy of this cookie kept elsewhere stops working too
    db.session.commit()
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
    return redirect(safe_next(request.form.get("next")))


def safe_next(target: str | None, *, signed_in: bool = False) -> str:
    """Return ``target`` if it is a local page a browser may open, else the home page.

    Only local paths, through the one vetted check (:func:`kb.redirects.local_target`:
    an open redirect would let a phishing link reuse our sign-in), and only paths
    answering GET: a sign-in that began at a form's address (``/-/language``,
    ``/-/logout``) must not end on "405 Method not allowed".

    :param target: the ``next`` value of the request.
    :param signed_in: the user has just signed in (the sign-in page is no place to land).
    :returns: a local path.
    """
    home = url_for("home.index")
    target = local_target(target, home)
    if target == home:
        return home
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(target.split("?", 1)[0], method="GET")
    except HTTPException:
        return home
    return home if signed_in and endpoint == "auth.login" else target


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
