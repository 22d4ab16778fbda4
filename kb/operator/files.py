"""Serving an article's attachments: ``/-/files/<lang>/<slug>/<name>`` (sign-in required).

Operators get only what the published line holds, so a draft's new image is not served
before its text is published; editors and reviewers also get the draft line's copy (the
preview shows it). Names carry the content hash, so both lines hold the same bytes for
one name. The response's type comes from the checked type (the stored extension),
never from the bytes, with ``nosniff``; documents are sent as downloads, nothing served
here may run script (``sandbox``), and like every signed-in page it is not cached.
"""

from __future__ import annotations

from flask import Response
from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from articles.errors import ArticleError
from kb.operator.reader import bp
from kb.web import get_kb

#: Roles that also see attachments of drafts (those who write and review them).
DRAFT_READERS = ("editor", "reviewer")
#: The policy of an attachment response: nothing in it may load or run anything.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.route("/-/files/<any(kk,ru,en):lang>/<slug>/<name>")
def attachment(lang: str, slug: str, name: str) -> ResponseReturnValue:
    """Send one attachment with the headers its checked type calls for (404 if not visible)."""
    store = get_kb().store
    lines = ["published"]
    if current_user.is_authenticated and current_user.has_role(*DRAFT_READERS):
        lines.append("draft")
    found = None
    try:
        for line in lines:
            found = store.read_attachment(lang, slug, name, line)
            if found is not None:
                break
    except ArticleError:
        found = None
    if found is None:
        abort(404)
    file_type, data = found
    response = Response(data, mimetype=file_type.mime)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_POLICY
    disposition = "inline" if file_type.image else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response
