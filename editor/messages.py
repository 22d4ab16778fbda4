"""Translated explanations of the domain's error codes, for the editor's pages.

The domain raises English messages with a stable ``code`` and, where known, a ``field``
and a ``line``. Editors read Kazakh or Russian, so the common codes get a translated
sentence (from :mod:`kb.error_texts`, which the error pages share); the English detail is
always shown under it, so nothing is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from articles.errors import ArticleError
from articles.remote import RemoteBusy
from articles.remote import RemoteUnavailable
from editor.forms import FormError
from kb.error_texts import ARTICLE_CODES
from kb.localtime import format_local


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
    summary = ARTICLE_CODES.text(code) or _("The change was refused.")
    if isinstance(exc, RemoteBusy):
        summary = _(
            "Others were saving to %(remote)s at the same moment, again and again, so "
            "nothing was saved: your text is below; try again in a few seconds.",
            remote=exc.remote,
        )
    elif isinstance(exc, RemoteUnavailable):
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
