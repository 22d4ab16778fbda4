"""The competent bodies directory (Rules 10): list, view, create, edit, publish.

Bodies are versioned files (``bodies/<id>.yaml``) with a draft and a published line like
articles: editors save drafts; a reviewer publishes, and the search index follows.
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
from articles.slugs import validate_slug
from editor import REVIEWERS
from editor import WRITERS
from editor import bp
from editor.forms import BodyForm
from editor.forms import body_form_from_body
from editor.forms import body_form_from_mapping
from editor.forms import body_from_form
from editor.messages import ErrorText
from editor.messages import explain
from editor.views import audit
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required


def _path(body_id: str) -> str:
    return f"bodies/{validate_slug(body_id, what='id')}.yaml"


@bp.route("/bodies")
@role_required(*WRITERS)
def bodies() -> ResponseReturnValue:
    """List the directory (draft line), marking entries whose draft is not published."""
    store = get_kb().store
    published = {b.id: b for b in store.bodies(line="published")}
    rows = [(b, published.get(b.id)) for b in store.bodies()]
    return render_template("editor/bodies.html", rows=rows)


@bp.route("/bodies/<body_id>")
@role_required(*WRITERS)
def body(body_id: str) -> ResponseReturnValue:
    """Show one body: its draft, whether it is published, and the articles citing it."""
    store = get_kb().store
    draft = store.body(body_id)
    try:
        published = store.body(body_id, line="published")
    except ArticleNotFound:
        published = None
    citing = [a for a in store.list() if body_id in a.meta.agencies]
    return render_template("editor/body.html", body=draft, published=published, citing=citing[:200])


def _form_page(
    form: BodyForm,
    *,
    is_new: bool,
    error: ErrorText | None = None,
    conflict: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return (
        render_template(
            "editor/body_edit.html", form=form, is_new=is_new, error=error, conflict=conflict
        ),
        status,
    )


def _save(form: BodyForm, *, is_new: bool) -> ResponseReturnValue:
    store = get_kb().store
    try:
        record = body_from_form(form)
        store.save_body(
            record, actor=current_actor(), expected_revision=form.expected_revision or None
        )
    except RevisionConflict as exc:
        _text, head = store.read_file(_path(form.id)) if exc.current_text else ("", "")
        fresh = BodyForm(**{**form.__dict__, "expected_revision": head})
        return _form_page(fresh, is_new=is_new, conflict=exc.current_text or "", status=409)
    except ArticleError as exc:
        return _form_page(form, is_new=is_new, error=explain(exc), status=400)
    audit("body_save", f"bodies/{form.id}")
    flash(_("Competent body saved as a draft."), "ok")
    return redirect(url_for(".body", body_id=form.id))


@bp.route("/bodies/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def new_body() -> ResponseReturnValue:
    """Add a body to the directory."""
    if request.method == "POST":
        form = body_form_from_mapping(request.form)
        return _save(BodyForm(**{**form.__dict__, "expected_revision": ""}), is_new=True)
    return _form_page(BodyForm(), is_new=True)[0]


@bp.route("/bodies/<body_id>/edit", methods=["GET", "POST"])
@role_required(*WRITERS)
def edit_body(body_id: str) -> ResponseReturnValue:
    """Edit a body (optimistic concurrency as for articles)."""
    store = get_kb().store
    if request.method == "POST":
        form = body_form_from_mapping(request.form)
        return _save(BodyForm(**{**form.__dict__, "id": body_id}), is_new=False)
    _text, revision = store.read_file(_path(body_id))
    return _form_page(body_form_from_body(store.body(body_id), revision), is_new=False)[0]


@bp.route("/bodies/<body_id>/publish", methods=["POST"])
@role_required(*REVIEWERS)
def publish_body(body_id: str) -> ResponseReturnValue:
    """Publish the draft of a body; search shows it at once."""
    get_kb().publish_file(_path(body_id), actor=current_actor())
    audit("publish", f"bodies/{body_id}")
    flash(_("Competent body published."), "ok")
    return redirect(url_for(".body", body_id=body_id))
