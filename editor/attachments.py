"""Attachments from the editor: upload (JSON for the edit page's script), list, delete.

``POST /-/edit/<lang>/<slug>/attachments`` with the file in ``file`` checks it by its
content (:func:`articles.attachments.check`), commits it beside the article's draft and
answers the Markdown reference to insert; a refusal answers 400 (413 when too large)
with the reason in the user's language.

The edit page lists the draft's attachments (name, type, size, upload time in local
time, whether the draft or the published text shows it) through
``article_attachments()``; ``POST /-/edit/<lang>/<slug>/attachments/<name>/delete``
removes one as a commit on the draft line, refused while a text still shows it
(:meth:`articles.attachment_store.AttachmentStore.delete_attachment`).
"""

from __future__ import annotations

from typing import Any

from flask import flash
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from articles.attachment_store import Attachment
from articles.attachments import AttachmentInUse
from articles.attachments import AttachmentRefused
from articles.attachments import markdown_reference
from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from editor import WRITERS
from editor import bp
from editor.attachment_text import in_use_text
from editor.attachment_text import kilobytes
from editor.attachment_text import refusal_text
from editor.views import LANG
from editor.views import audit
from kb.web import current_actor
from kb.web import get_kb
from kb.web import role_required

#: Room for the form's other fields and the multipart framing beyond the file itself.
FORM_OVERHEAD = 64 * 1024


@bp.context_processor
def attachment_globals() -> dict[str, Any]:
    """``attachment_limit_kb()`` for the upload hint; ``article_attachments(lang, slug)``
    and ``kilobytes(size)`` for the edit page's list."""

    def attachment_limit_kb() -> str:
        return kilobytes(get_kb().store.attachment_limits.max_bytes)

    def article_attachments(lang: str, slug: str) -> list[Attachment]:
        try:
            return get_kb().store.attachment_list(lang, slug)
        except ArticleError:  # a new article's form: nothing attached yet
            return []

    return {
        "attachment_limit_kb": attachment_limit_kb,
        "article_attachments": article_attachments,
        "kilobytes": kilobytes,
    }


def _refused(error: AttachmentRefused) -> ResponseReturnValue:
    status = 413 if error.code == "too_large" else 400
    return jsonify(ok=False, code=error.code, error=refusal_text(error)), status


@bp.route(f"/{LANG}/<slug>/attachments", methods=["POST"])
@role_required(*WRITERS)
def upload_attachment(lang: str, slug: str) -> ResponseReturnValue:
    """Check and store an uploaded file beside the draft; answer the Markdown to insert."""
    store = get_kb().store
    limit = store.attachment_limits.max_bytes
    if (request.content_length or 0) > limit + FORM_OVERHEAD:
        # refused on the announced size, before the file is read into memory
        return _refused(
            AttachmentRefused(
                "too large", code="too_large", size=request.content_length, limit=limit
            )
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(ok=False, code="no_file", error=_("Choose a file to attach.")), 400
    data = upload.read(limit + 1)
    try:
        checked = store.save_attachment(lang, slug, data, upload.filename, actor=current_actor())
    except AttachmentRefused as error:
        return _refused(error)
    except ArticleError as error:  # a bad language or slug in the URL
        return jsonify(ok=False, code=error.code, error=error.message), 400
    audit("attach", f"{lang}/{slug}", checked.name)
    return jsonify(
        ok=True,
        name=checked.name,
        url=checked.url,
        image=checked.type.image,
        markdown=markdown_reference(checked, upload.filename),
        message=_(
            "Attached: %(name)s. The reference is in the text at the cursor.", name=upload.filename
        ),
    )


@bp.route(f"/{LANG}/<slug>/attachments/<name>/delete", methods=["POST"])
@role_required(*WRITERS)
def delete_attachment(lang: str, slug: str, name: str) -> ResponseReturnValue:
    """Remove an attachment from the draft (a commit), unless a text still shows it."""
    back = redirect(url_for("editor.edit", lang=lang, slug=slug) + "#attachments")
    try:
        get_kb().store.delete_attachment(lang, slug, name, actor=current_actor())
    except AttachmentInUse as error:
        flash(in_use_text(error), "error")
        return back
    except ArticleNotFound:
        flash(_("%(name)s is not attached to this article (any more).", name=name[:80]), "error")
        return back
    audit("detach", f"{lang}/{slug}", name)
    flash(_("Deleted: %(name)s. The history keeps it.", name=name), "ok")
    return back
