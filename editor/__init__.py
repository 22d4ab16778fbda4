"""Authoring interface for editors, reviewers and trainers (blueprint ``editor``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/-/edit", template_folder="templates")

from editor import views  # noqa: E402,F401  (routes register on import)
