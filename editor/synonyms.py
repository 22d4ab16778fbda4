"""The synonyms editor: ``synonyms.txt`` as a text area, validated line by line.

Saving writes a draft; publishing (reviewers) puts it on the published line and the
search service reloads the groups in the same call, so the next search uses them.
"""

from __future__ import annotations

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from articles.errors import RevisionConflict
from editor import REVIEWERS
from editor import WRITERS
from editor import bp
from editor.messages import explain
from editor.views import audit
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required
from search.synonyms import SynonymError
from search.synonyms import parse_synonyms

PATH = "synonyms.txt"


def _read(line: str) -> tuple[str, str]:
    try:
        return get_kb().store.read_file(PATH, line=line)
    except ArticleNotFound:
        return "", ""


@bp.route("/synonyms", methods=["GET", "POST"])
@role_required(*WRITERS)
def synonyms() -> ResponseReturnValue:
    """Show and save the synonym groups (refused with the line number if one is malformed)."""
    draft, revision = _read("draft")
    published, _rev = _read("published")
    error = None
    conflict = None
    status = 200
    text = draft
    if request.method == "POST":
        text = (request.form.get("text") or "").replace("\r\n", "\n")
        expected = (request.form.get("expected_revision") or "").strip() or None
        try:
            groups = parse_synonyms(text)
            get_kb().store.save_file(PATH, text, actor=current_actor(), expected_revision=expected)
        except SynonymError as exc:
            error = {
                "summary": _("Line %(line)s is not a valid group.", line=exc.line),
                "detail": str(exc),
            }
            status = 400
        except RevisionConflict as exc:
            conflict = exc.current_text or ""
            _draft, revision = _read("draft")
            status = 409
        except ArticleError as exc:
            explained = explain(exc)
            error = {"summary": explained.summary, "detail": explained.detail}
            status = 400
        else:
            audit("synonyms_save", PATH, f"{len(groups)} groups")
            flash(_("Synonyms saved as a draft (%(count)s groups).", count=len(groups)), "ok")
            return redirect(url_for(".synonyms"))
    return (
        render_template(
            "editor/synonyms.html",
            text=text,
            revision=revision,
            unpublished=draft != published,
            error=error,
            conflict=conflict,
        ),
        status,
    )


@bp.route("/synonyms/publish", methods=["POST"])
@role_required(*REVIEWERS)
def publish_synonyms() -> ResponseReturnValue:
    """Publish the draft synonyms; search uses them from the next query."""
    draft, _rev = _read("draft")
    if not draft:
        flash(_("There is no draft of the synonyms to publish."), "error")
        return redirect(url_for(".synonyms"))
    get_kb().publish_file(PATH, actor=current_actor())
    audit("publish", PATH)
    flash(_("Synonyms published: search uses them now."), "ok")
    return redirect(url_for(".synonyms"))
