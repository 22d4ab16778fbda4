"""The start page after sign-in: the operator's search screen, or the role's workspace."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    """Show the start page with the search box and the links the user's roles allow."""
    return render_template("home.html")
