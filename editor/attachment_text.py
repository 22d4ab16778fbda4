"""Translated messages for refused attachments: uploads (codes of :class:`AttachmentRefused`)
and deletions (codes of :class:`AttachmentInUse`)."""

from __future__ import annotations

from flask_babel import gettext as _

from articles.attachments import AttachmentInUse
from articles.attachments import AttachmentRefused
from kb.messages import Catalogue
from kb.messages import Sentence


def kilobytes(size: object) -> str:
    """A byte count as whole kilobytes (rounded up), for messages."""
    return str(-(-int(size) // 1024)) if isinstance(size, int) else "?"


# Codes → translated sentence naming the problem and the fix (gettext inside a request).
_REFUSALS: dict[str, Sentence] = {
    "empty": lambda p: _("The file is empty: choose the file again."),
    "too_large": lambda p: _(
        "The file is %(size)s KB, more than the limit of %(limit)s KB: make it smaller "
        "(a lower resolution, or a PDF instead of scans) and upload it again.",
        size=kilobytes(p.get("size")),
        limit=kilobytes(p.get("limit")),
    ),
    "svg": lambda p: _(
        "SVG drawings are not accepted, because they can carry scripts: export the drawing "
        "as PNG and upload that."
    ),
    "html": lambda p: _(
        "«%(name)s» holds a web page or text, not an image or document, whatever its name "
        "says: upload the real PNG, JPEG, GIF, WebP, PDF, DOCX or XLSX file.",
        name=p.get("name", ""),
    ),
    "unknown_type": lambda p: _(
        "«%(name)s» is not a PNG, JPEG, GIF, WebP, PDF, DOCX or XLSX file: convert it to one "
        "of those and upload it again.",
        name=p.get("name", ""),
    ),
    "kind_off": lambda p: _(
        "%(kind)s files are not accepted: upload one of these kinds: %(allowed)s.",
        kind=p.get("kind", ""),
        allowed=p.get("allowed", ""),
    ),
    "broken_image": lambda p: _(
        "The file looks like a %(kind)s image but cannot be decoded: it is damaged or not an "
        "image. Save it again from the program that made it.",
        kind=p.get("kind", ""),
    ),
    "too_many_pixels": lambda p: _(
        "The image is %(width)s × %(height)s pixels, more than the limit of %(limit)s "
        "pixels: make it smaller and upload it again.",
        width=p.get("width", ""),
        height=p.get("height", ""),
        limit=p.get("limit", ""),
    ),
    "pixel_bomb": lambda p: _(
        "The image claims far more than %(limit)s pixels: make it smaller and upload it again.",
        limit=p.get("limit", ""),
    ),
    "broken_document": lambda p: _(
        "The file looks like a %(kind)s document but is damaged or incomplete: save it again "
        "from the program that made it.",
        kind=p.get("kind", ""),
    ),
    "macros": lambda p: _(
        "The document contains macros: save it as a plain .docx or .xlsx without macros and "
        "upload it again."
    ),
    "no_article": lambda p: _("Save the article first, then attach files."),
}
#: Codes of :class:`AttachmentRefused` → sentence naming the problem and the fix.
REFUSALS = Catalogue(_REFUSALS)


def refusal_text(error: AttachmentRefused) -> str:
    """The translated reason an attachment was refused (the English one if the code is new).

    :param error: the refusal.
    :returns: one sentence naming the problem and the fix.
    """
    return REFUSALS.text(error.code, error.params) or error.message


_IN_USE: dict[str, Sentence] = {
    "in_published": lambda p: _(
        "%(name)s was not deleted: the published version shows it. Publish a version "
        "without it (or retire the article) first, then delete it.",
        name=p.get("name", ""),
    ),
    "in_draft": lambda p: _(
        "%(name)s was not deleted: the draft refers to it. Take the reference out of the "
        "text and save, then delete it.",
        name=p.get("name", ""),
    ),
}
#: Codes of :class:`AttachmentInUse` → sentence naming the problem and the fix.
IN_USE = Catalogue(_IN_USE)


def in_use_text(error: AttachmentInUse) -> str:
    """The translated reason an attachment was not deleted.

    :param error: the refusal.
    :returns: one sentence naming the problem and the fix.
    """
    return IN_USE.text(error.code, {"name": error.name}) or error.message
