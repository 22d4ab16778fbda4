"""Translated explanations of the domain's error codes, for the editor's pages.

The domain raises English messages with a stable ``code`` and, where known, a ``field``
and a ``line``. Editors read Kazakh or Russian, so the common codes get a translated
sentence here; the English detail is always shown under it, so nothing is hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from articles.errors import ArticleError
from articles.remote import RemoteUnavailable
from editor.forms import FormError
from kb.localtime import format_local

# Codes → translated sentence (callables: gettext must run inside a request).
_CODES: dict[str, Callable[[], str]] = {
    "missing_field": lambda: _("A required field is empty."),
    "unknown_field": lambda: _("The front matter has a field the knowledge base does not know."),
    "invalid_date": lambda: _("A date is invalid: use the YYYY-MM-DD form."),
    "invalid_id": lambda: _(
        "The id or slug may contain only lowercase latin letters, digits and hyphens."
    ),
    "invalid_slug": lambda: _(
        "The id or slug may contain only lowercase latin letters, digits and hyphens."
    ),
    "invalid_title": lambda: _("The title must be one line of at most 300 characters."),
    "invalid_category": lambda: _("Choose a category from the list."),
    "invalid_lang": lambda: _("The language must be kk, ru or en."),
    "lang_mismatch": lambda: _("The language field does not match the language of the article."),
    "front_matter_syntax": lambda: _("The front matter could not be read."),
    "front_matter_missing": lambda: _("The front matter could not be read."),
    "front_matter_unclosed": lambda: _("The front matter could not be read."),
    "invalid_type": lambda: _("A field has a value of the wrong kind."),
    "too_large": lambda: _("The article is too large: split it into several articles."),
    "encoding": lambda: _("The text contains characters that are not valid UTF-8."),
    "too_complex": lambda: _(
        "The text is too large or complex to show (huge tables, deep lists): split the article."
    ),
    "control_character": lambda: _(
        "The text contains an invisible control character: delete it (the line is named below)."
    ),
    "invalid_fact": lambda: _("A fact line must look like 'name: value'."),
    "invalid_body": lambda: _("The competent body record is incomplete or invalid."),
    "conflict": lambda: _("Someone else changed this in the meantime."),
    "self_approval": lambda: _(
        "You wrote the last version of this article; another reviewer must approve it."
    ),
    "not_in_review": lambda: _("Only an article waiting for review can be approved or rejected."),
    "not_approved": lambda: _("Only an approved article can be published."),
    "approval_stale": lambda: _(
        "The draft changed after it was approved: submit it for review again."
    ),
    "comment_required": lambda: _("Say why: a comment is required."),
    "already_in_review": lambda: _("The article is already waiting for review."),
    "already_approved": lambda: _("The article is already approved: publish it."),
    "no_changes": lambda: _("Nothing to review: the draft is the published version."),
    "not_published": lambda: _("The article is not published."),
    "was_published": lambda: _(
        "An article that has been published is not deleted: unpublish it to retire it."
    ),
    "confirm_required": lambda: _("Type the article's slug to confirm the deletion."),
    "never_published": lambda: _(
        "That version was never published, so it cannot be rolled back to."
    ),
    "unknown_revision": lambda: _("No such version: pick one from the history."),
    "invalid_revision": lambda: _("No such version: pick one from the history."),
    "duplicate": lambda: _("The same article appears twice."),
    "unknown_owner": lambda: _(
        "The owner must be the login of an active user (an editor or a reviewer)."
    ),
    "invalid_owner": lambda: _(
        "The owner must be the login of an active user (an editor or a reviewer)."
    ),
}


@dataclass(frozen=True)
class ErrorText:
    """An error as the page shows it: translated sentence, field and English detail."""

    summary: str
    detail: str
    field: str | None = None
    line: int | None = None
    code: str = ""


def explain(exc: ArticleError | FormError) -> ErrorText:
    """Turn a domain or form error into the text the page shows.

    :param exc: the error.
    :returns: a translated summary (generic when the code is not known), the English
        detail, the field and line.
    """
    code = getattr(exc, "code", "") or ""
    summary = _CODES.get(code, lambda: _("The change was refused."))()
    if isinstance(exc, RemoteUnavailable):
        summary = _(
            "Remote unreachable: %(remote)s. Nothing was saved: your text is below; try "
            "again in a minute.",
            remote=exc.remote,
        )
    return ErrorText(
        summary=summary,
        detail=getattr(exc, "message", str(exc)),
        field=getattr(exc, "field", None),
        line=getattr(exc, "line", None),
        code=code,
    )


def status_label(status: str) -> str:
    """The translated name of a workflow status.

    :param status: a :class:`~articles.model.Status` value.
    :returns: the label (the raw value if unknown).
    """
    labels = {
        "draft": _("draft"),
        "in_review": _("in review"),
        "approved": _("approved"),
        "scheduled": _("scheduled"),
        "published": _("published"),
        "retired": _("retired"),
    }
    return labels.get(str(status), str(status))


def person(value: str | None) -> str:
    """Show a stored ``Name <email>`` as the name only (the e-mail is in the history).

    :param value: the stored person, or ``None``.
    :returns: the name, or an empty string.
    """
    if not value:
        return ""
    name, sep, _rest = value.rpartition(" <")
    return name if sep else value


def when(value: str | None) -> str:
    """Show a stored ISO time in the Center's local time as ``YYYY-MM-DD HH:MM``.

    Dates stay as they are; the zone is the ``TIMEZONE`` setting (Asia/Almaty).

    :param value: ISO date or time, or ``None``.
    :returns: readable text, or an empty string.
    """
    return format_local(value)
