"""Authoring interface for editors and reviewers (blueprint ``editor`` at ``/-/edit``).

Modules: :mod:`editor.views` (article list, editing, preview, history, diff),
:mod:`editor.review` (workflow actions and the review queue), :mod:`editor.bodies`
(competent bodies directory), :mod:`editor.synonyms`, :mod:`editor.importing` (upload),
:mod:`editor.forms` and :mod:`editor.listing` (pure form parsing and list filters),
:mod:`editor.messages` (translated error explanations).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from kb.web import register_nav

bp = Blueprint(
    "editor",
    __name__,
    url_prefix="/-/edit",
    template_folder="templates",
    static_folder="static",
)

#: Roles that write articles, bodies and synonyms (admins hold every role).
WRITERS = ("editor", "reviewer")
#: Roles that approve, publish, unpublish and roll back.
REVIEWERS = ("reviewer",)

bp.record_once(
    lambda state: register_nav(state.app, "editor.review_queue", _review_label, *REVIEWERS)
)
bp.record_once(lambda state: register_nav(state.app, "editor.bodies", _bodies_label, *WRITERS))


def _review_label() -> str:
    return _("Review")


def _bodies_label() -> str:
    return _("Competent bodies")


from editor import attachments  # noqa: E402,F401  (routes register on import)
from editor import bodies  # noqa: E402,F401
from editor import bulk  # noqa: E402,F401
from editor import importing  # noqa: E402,F401
from editor import review  # noqa: E402,F401
from editor import synonyms  # noqa: E402,F401
from editor import views  # noqa: E402,F401
