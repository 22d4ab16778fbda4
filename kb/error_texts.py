"""The articles domain's refusals in the interface language, for every page and the API.

The domain (``articles/``, no Flask) raises English sentences with a stable ``code``
(:class:`articles.errors.ArticleError`). Kazakh and Russian readers get the sentence
for that code from here: the editor's pages (:func:`editor.messages.explain`, which also
shows the English detail under it) and the error handlers of :mod:`kb.errors`, which
answer a refusal no view caught (a 400, or a 409 when the thing changed meanwhile).
"""

from __future__ import annotations

from flask_babel import gettext as _

from articles.errors import ArticleError
from articles.errors import RevisionConflict
from kb.messages import Catalogue
from kb.messages import Sentence

# Codes → translated sentence (callables: gettext must run inside a request).
_ARTICLE_SENTENCES: dict[str, Sentence] = {
    "missing_field": lambda p: _("A required field is empty."),
    "unknown_field": lambda p: _("The front matter has a field the knowledge base does not know."),
    "invalid_date": lambda p: _("A date is invalid: use the YYYY-MM-DD form."),
    "invalid_id": lambda p: _(
        "The id or slug may contain only lowercase latin letters, digits and hyphens."
    ),
    "invalid_slug": lambda p: _(
        "The id or slug may contain only lowercase latin letters, digits and hyphens."
    ),
    "invalid_title": lambda p: _("The title must be one line of at most 300 characters."),
    "invalid_category": lambda p: _("Choose a category from the list."),
    "invalid_lang": lambda p: _("The language must be kk, ru or en."),
    "lang_mismatch": lambda p: _("The language field does not match the language of the article."),
    "front_matter_syntax": lambda p: _("The front matter could not be read."),
    "front_matter_missing": lambda p: _("The front matter could not be read."),
    "front_matter_unclosed": lambda p: _("The front matter could not be read."),
    "invalid_type": lambda p: _("A field has a value of the wrong kind."),
    "too_large": lambda p: _("The article is too large: split it into several articles."),
    "encoding": lambda p: _("The text contains characters that are not valid UTF-8."),
    "too_complex": lambda p: _(
        "The text is too large or complex to show (huge tables, deep lists): split the article."
    ),
    "control_character": lambda p: _(
        "The text contains an invisible control character: delete it (the line is named below)."
    ),
    "invalid_fact": lambda p: _("A fact line must look like 'name: value'."),
    "invalid_body": lambda p: _("The competent body record is incomplete or invalid."),
    "conflict": lambda p: _("Someone else changed this in the meantime."),
    "self_approval": lambda p: _(
        "You wrote the last version of this article; another reviewer must approve it."
    ),
    "not_in_review": lambda p: _("Only an article waiting for review can be approved or rejected."),
    "not_approved": lambda p: _("Only an approved article can be published."),
    "approval_stale": lambda p: _(
        "The draft changed after it was approved: submit it for review again."
    ),
    "comment_required": lambda p: _("Say why: a comment is required."),
    "already_in_review": lambda p: _("The article is already waiting for review."),
    "already_approved": lambda p: _("The article is already approved: publish it."),
    "no_changes": lambda p: _("Nothing to review: the draft is the published version."),
    "not_published": lambda p: _("The article is not published."),
    "was_published": lambda p: _(
        "An article that has been published is not deleted: unpublish it to retire it."
    ),
    "confirm_required": lambda p: _("Type the article's slug to confirm the deletion."),
    "never_published": lambda p: _(
        "That version was never published, so it cannot be rolled back to."
    ),
    "unknown_revision": lambda p: _("No such version: pick one from the history."),
    "invalid_revision": lambda p: _("No such version: pick one from the history."),
    "duplicate": lambda p: _("The same article appears twice."),
    "unknown_owner": lambda p: _(
        "The owner must be the login of an active user (an editor or a reviewer)."
    ),
    "invalid_owner": lambda p: _(
        "The owner must be the login of an active user (an editor or a reviewer)."
    ),
}
#: The articles domain's refusals, by code (:attr:`articles.errors.ArticleError.code`).
ARTICLE_CODES = Catalogue(_ARTICLE_SENTENCES)


def article_error_text(error: ArticleError) -> str:
    """The translated sentence for a domain refusal (a general one for an unknown code).

    :param error: the refusal.
    :returns: one sentence in the interface language; never the English message.
    """
    return ARTICLE_CODES.text(error.code) or _("The change was refused.")


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
