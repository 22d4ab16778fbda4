"""The articles domain's refusals in the interface language, for every page and the API.

The domain (``articles/``, no Flask) raises English sentences with a stable ``code``
(:class:`articles.errors.ArticleError`). Kazakh and Russian readers get the sentence
for that code from here: the editor's pages (:func:`editor.messages.explain`, which also
shows the English detail under it) and the error handlers of :mod:`kb.errors`, which
answer a refusal no view caught (a 400, or a 409 when the thing changed meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from articles.errors import ArticleError
from articles.errors import RevisionConflict

#: Codes → translated sentence (callables: gettext must run inside a request).
ARTICLE_CODES: dict[str, Callable[[], str]] = {
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


def article_error_text(error: ArticleError) -> str:
    """The translated sentence for a domain refusal (a general one for an unknown code).

    :param error: the refusal.
    :returns: one sentence in the interface language; never the English message.
    """
    text = ARTICLE_CODES.get(error.code)
    return text() if text else _("The change was refused.")


def conflict_text(conflict: RevisionConflict) -> str:
    """What a 409 says: what moved under the user's change, that nothing was saved, what to do.

    :param conflict: the refused write (``path`` names the file).
    :returns: one sentence in the interface language.
    """
    if conflict.expected_revision is None:
        return _(
            "%(path)s already exists, so nothing was saved: open it and make your change there.",
            path=conflict.path,
        )
    if conflict.current_text is None:
        return _(
            "%(path)s was deleted by someone else after you opened it, so nothing was saved.",
            path=conflict.path,
        )
    return _(
        "%(path)s was changed by someone else after you opened it, so nothing was saved: "
        "reload the page to see the current version, then make your change again.",
        path=conflict.path,
    )
