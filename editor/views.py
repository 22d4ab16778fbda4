"""Editor views: each parses the form, calls one KnowledgeBase method, renders or redirects."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from editor import bp
from kb.web import get_kb
from kb.web import role_required


@bp.route("/")
@role_required("editor", "reviewer", "trainer")
def index() -> ResponseReturnValue:
    """List articles of the draft line."""
    articles = get_kb().store.list()
    return render_template("editor/index.html", articles=articles)
