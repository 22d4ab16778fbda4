"""Administration: users and roles, API tokens, audit export (admins only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import Blueprint
from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import stream_with_context
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from kb.accounts import AccountError
from kb.accounts import check_account
from kb.accounts import check_password
from kb.admin.audit_labels import action_label
from kb.admin.audit_labels import action_labels
from kb.audit import AuditFilter
from kb.audit import as_csv_lines
from kb.audit import local_day_bounds
from kb.audit import page
from kb.audit import record
from kb.audit import stream_events
from kb.config import ROLES
from kb.errors import error_response
from kb.localtime import current_zone
from kb.models import ApiToken
from kb.models import User
from kb.models import db
from kb.models import utcnow
from kb.web import role_required

bp = Blueprint("admin", __name__, url_prefix="/-/admin")

NAME_PATTERN = r"^[A-Za-z0-9_.@-]{2,64}$"


class RolesField(SelectMultipleField):
    """Roles as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    """Create or edit a user."""

    name = StringField("name", validators=[DataRequired(), Regexp(NAME_PATTERN)])
    full_name = StringField("full_name", validators=[Optional(), Length(max=200)])
    email = StringField("email", validators=[Optional(), Email(check_deliverability=False)])
    password = PasswordField("password", validators=[Optional(), Length(min=10, max=500)])
    roles = RolesField("roles", choices=list(ROLES))
    active = BooleanField("active", default=True)


class TokenForm(FlaskForm):
    """Issue an API token for a user."""

    label = StringField("label", validators=[Optional(), Length(max=100)])


def _account_refusal(name: str, full_name: str, email: str, password: str | None) -> str | None:
    """Why the account's details or new password are refused (translated), or ``None``."""
    try:
        check_account(name, full_name, email)
        if password:
            check_password(password, user_inputs=(name, full_name, email))
    except AccountError as exc:
        return str(exc)
    return None


def _user_page(user: User, form: UserForm | None = None, new_token: str | None = None) -> str:
    """The user's page: the details form (as stored unless given), tokens, a new token once."""
    if form is None:
        form = UserForm(obj=user)
        form.roles.data = sorted(user.role_names)
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    return render_template(
        "admin/user.html",
        user=user,
        form=form,
        tokens=tokens,
        token_form=TokenForm(),
        new_token=new_token,
        roles=ROLES,
    )


@bp.route("/users")
@role_required("admin")
def users() -> ResponseReturnValue:
    """List users with their roles and tokens."""
    rows = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows, form=UserForm(), roles=ROLES)


@bp.route("/users/new", methods=["POST"])
@role_required("admin")
def create_user() -> ResponseReturnValue:
    """Create a user with roles and a password."""
    form = UserForm()
    if not form.validate_on_submit() or not form.password.data:
        flash(
            _("Give a user name of 2-64 letters, digits or ._@- and a password of 10+ characters."),
            "error",
        )
        return redirect(url_for("admin.users"))
    if db.session.scalar(select(User).where(User.name == form.name.data)):
        flash(_("User %(name)s already exists: pick another name.", name=form.name.data), "error")
        return redirect(url_for("admin.users"))
    full_name, email = form.full_name.data or "", form.email.data or ""
    refusal = _account_refusal(form.name.data, full_name, email, form.password.data)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.users"))
    user = User(name=form.name.data, full_name=full_name, email=email)
    user.set_password(form.password.data)
    user.set_roles(form.roles.data or ["operator"])
    db.session.add(user)
    db.session.commit()
    record(current_user.name, "user_create", user.name, ",".join(sorted(user.role_names)))
    flash(_("User %(name)s created.", name=user.name))
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a user's roles, details, password or active flag."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(user.role_names)
        form.active.data = user.active
    elif form.validate_on_submit():
        if user.id == current_user.id and "admin" not in (form.roles.data or []):
            flash(_("You cannot remove your own admin role."), "error")
            return redirect(url_for("admin.edit_user", user_id=user.id))
        full_name, email = form.full_name.data or "", form.email.data or ""
        refusal = _account_refusal(user.name, full_name, email, form.password.data)
        if refusal:
            flash(refusal, "error")
            return redirect(url_for("admin.edit_user", user_id=user.id))
        before = (user.active, user.role_names)
        user.full_name = full_name
        user.email = email
        user.active = bool(form.active.data) or user.id == current_user.id
        user.set_roles(form.roles.data or [])
        if form.password.data:
            user.set_password(form.password.data)
        if form.password.data or before != (user.active, user.role_names):
            user.end_sessions()  # a stolen or shared session ends with the old rights
        db.session.commit()
        if user.id == current_user.id:
            login_user(user)  # the admin's own session goes on with the new version
        record(current_user.name, "user_update", user.name, ",".join(sorted(user.role_names)))
        flash(_("User %(name)s saved.", name=user.name))
        return redirect(url_for("admin.users"))
    else:
        flash(
            _("Check the fields: the password needs 10+ characters, the e-mail must be valid."),
            "error",
        )
    return _user_page(user, form)


@bp.route("/users/<int:user_id>/tokens", methods=["POST"])
@role_required("admin")
def add_token(user_id: int) -> ResponseReturnValue:
    """Issue an API token; it is shown once and stored only as a hash."""
    user = db.get_or_404(User, user_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.edit_user", user_id=user.id))
    row, clear = ApiToken.issue(user, form.label.data or "")
    db.session.add(row)
    db.session.commit()
    record(current_user.name, "token_add", user.name, f"token {row.id}")
    return _user_page(user, new_token=clear)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke an API token at once."""
    row = db.get_or_404(ApiToken, token_id)
    if row.revoked is None:
        row.revoked = utcnow()
        db.session.commit()
        record(current_user.name, "token_revoke", row.user.name, f"token {row.id}")
    flash(_("Token revoked."))
    return redirect(url_for("admin.edit_user", user_id=row.user_id))


def _audit_filter() -> tuple[AuditFilter, dict[str, str], list[str]]:
    """The audit filter from the query string, the values to show back, and the problems.

    Dates are local days (``TIMEZONE``), inclusive; a bad date is reported, not a 500.
    """
    args = {
        key: request.args.get(key, "").strip()[:200]
        for key in ("actor", "action", "target", "from", "to")
    }
    problems = []
    days: dict[str, dt.date | None] = {}
    for key in ("from", "to"):
        try:
            days[key] = dt.date.fromisoformat(args[key]) if args[key] else None
        except ValueError:
            days[key] = None
            problems.append(_("%(value)s is not a date: use YYYY-MM-DD.", value=args[key][:20]))
    since, until = local_day_bounds(days["from"], days["to"], current_zone())
    chosen = AuditFilter(args["actor"], args["action"], args["target"], since, until)
    return chosen, args, problems


def _utc_moment(key: str) -> dt.datetime | None:
    """Query argument ``key`` as an ISO date or time in UTC (naive), or ``None``."""
    value = request.args.get(key, "")[:40]
    try:
        moment = dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _page_number() -> int:
    value = request.args.get("page", "1")
    return min(int(value), 1_000_000) if value.isdigit() and len(value) < 8 else 1


@bp.route("/audit")
@role_required("admin")
def audit() -> ResponseReturnValue:
    """The audit trail, newest first: filters, pages and the export of what is shown."""
    chosen, args, problems = _audit_filter()
    number = _page_number()
    rows, more = page(chosen, number)
    query: dict[str, Any] = {k: v for k, v in args.items() if v}
    return render_template(
        "admin/audit.html",
        rows=rows,
        args=args,
        problems=problems,
        labels=action_labels(),
        label=action_label,
        number=number,
        previous_url=url_for("admin.audit", **query, page=number - 1) if number > 1 else None,
        next_url=url_for("admin.audit", **query, page=number + 1) if more else None,
        export_url=url_for("admin.audit_csv", **query),
        zone=current_zone().key,
    )


@bp.route("/audit.csv")
@role_required("admin")
def audit_csv() -> ResponseReturnValue:
    """Export the filtered audit trail as CSV, streamed (same filters as the page).

    ``since`` and ``until`` (ISO dates or times, UTC) are still accepted, as before.
    """
    chosen, args, problems = _audit_filter()
    if problems:
        return error_response(400, " ".join(problems), "invalid_date")
    since, until = _utc_moment("since"), _utc_moment("until")
    if since is not None:
        chosen = dataclasses.replace(chosen, since=since)
    if until is not None:
        chosen = dataclasses.replace(chosen, until=until)
    record(
        current_user.name, "audit_export", "", " ".join(f"{k}={v}" for k, v in args.items() if v)
    )
    zone = current_zone()
    body = stream_with_context(as_csv_lines(stream_events(chosen), zone))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=kb-audit.csv"},
    )
