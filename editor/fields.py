"""Article fields as the edit form labels them, for messages, diffs and the conflict screen.

Errors, field-by-field diffs and merges name front-matter fields (``review_by``,
``facts.fee``); editors know them by the labels of the form («Проверить до», «Пошлина»).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from articles.field_changes import BODY
from articles.field_changes import FACT_PREFIX
from articles.field_changes import RAW_HEAD

# Field → label (callables: gettext must run inside a request). Same msgids as edit.html.
_LABELS: dict[str, Callable[[], str]] = {
    "lang": lambda: _("Language"),
    "slug": lambda: _("Slug (file name)"),
    "id": lambda: _("Id (shared by the kk and ru versions)"),
    "title": lambda: _("Title"),
    "category": lambda: _("Category"),
    "answer": lambda: _("Short answer (read out first)"),
    "keywords": lambda: _("Keywords (separated by semicolons or commas)"),
    "services": lambda: _("egov.kz services (ids, separated by commas)"),
    "related": lambda: _("Related articles (ids, separated by commas)"),
    "agencies": lambda: _("Competent bodies"),
    "facts": lambda: _("Facts"),
    "facts.deadline": lambda: _("Deadline"),
    "facts.fee": lambda: _("Fee"),
    "facts.documents": lambda: _("Documents (one a line)"),
    "facts.where": lambda: _("Where"),
    "other_facts": lambda: _("Other facts ('name: value', one a line)"),
    "deadline": lambda: _("Deadline"),
    "fee": lambda: _("Fee"),
    "documents": lambda: _("Documents (one a line)"),
    "where": lambda: _("Where"),
    "review_by": lambda: _("Review by"),
    "valid_from": lambda: _("Valid from"),
    "valid_until": lambda: _("Valid until"),
    "source": lambda: _("Source"),
    "source_hash": lambda: _("Source"),
    "owner": lambda: _("Owner (keeps the article current)"),
    BODY: lambda: _("Text (Markdown)"),
    RAW_HEAD: lambda: _("Front matter"),
    "revision": lambda: _("Version"),
    "message": lambda: _("What changed (for the history)"),
}

#: Short names for lists of changed fields (the commit message, the history).
_SHORT: dict[str, Callable[[], str]] = {
    "id": lambda: _("Id"),
    "answer": lambda: _("Short answer"),
    "keywords": lambda: _("Keywords"),
    "services": lambda: _("egov.kz services"),
    "related": lambda: _("Related articles"),
    "facts.documents": lambda: _("Documents"),
    BODY: lambda: _("Text"),
    "owner": lambda: _("Owner"),
}


def field_label(name: str | None) -> str:
    """The label of a field as the edit form shows it.

    :param name: ``review_by``, ``facts.fee``, ``body`` ...; a fact without a field of
        its own is named after itself.
    :returns: the translated label (the name itself if unknown).
    """
    if not name:
        return ""
    if name in _LABELS:
        return _LABELS[name]()
    if name.startswith(FACT_PREFIX):
        return _("Fact «%(name)s»", name=name[len(FACT_PREFIX) :])
    return name


def short_label(name: str) -> str:
    """A short label for lists of fields (``Short answer, Fee``).

    :param name: field name.
    :returns: the translated short label.
    """
    if name in _SHORT:
        return _SHORT[name]()
    return field_label(name).split(" (", 1)[0]
