"""The import report in the interface language.

The importers (a domain package, no Flask) explain skipped inputs and conflicts in
English sentences. The page shows each as a translated sentence, found here by the
pattern of the importer's message, with the file and line or row; the English original
stays one click away for the few messages no pattern knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from editor.fields import field_label
from kb.messages import MatchSentence
from kb.messages import PatternCatalogue

# Patterns of the importers' English messages → translated sentence, the first found wins.
_RULES: list[tuple[re.Pattern[str], MatchSentence]] = [
    (re.compile(r"^does not exist"), lambda m: _("The file does not exist.")),
    (
        re.compile(r"^image '([^']*)' was left out of the article"),
        lambda m: _(
            "The image %(name)s was left out of the article: it is not a readable PNG, JPEG, "
            "GIF or WebP image within the attachment limits (ATTACHMENT_MAX_BYTES, "
            "ATTACHMENT_MAX_PIXELS). The text was imported.",
            name=m[1],
        ),
    ),
    (
        re.compile(r"^folder holds no (.+) files"),
        lambda m: _("The folder holds no %(suffixes)s files: nothing to import.", suffixes=m[1]),
    ),
    (
        re.compile(r"^is not a (.+) file"),
        lambda m: _(
            "The file is not a %(suffixes)s file: choose the format that matches it.",
            suffixes=m[1],
        ),
    ),
    (
        re.compile(r"is not UTF-8"),
        lambda m: _(
            "The file is not UTF-8 (probably Windows-1251): save it as UTF-8 (in Excel: "
            "CSV UTF-8) and import it again."
        ),
    ),
    (
        re.compile(r"^missing column\(s\) ([^()]+) \(found"),
        lambda m: _(
            "Columns missing: %(columns)s. The first line must name the columns id, lang, "
            "title, body.",
            columns=m[1],
        ),
    ),
    (
        re.compile(r"^has a header but no rows"),
        lambda m: _("The table has a header but no rows: nothing to import."),
    ),
    (
        re.compile(r"^not a valid CSV table"),
        lambda m: _("The line is not valid CSV: check the quotes on it."),
    ),
    (
        re.compile(r"^cannot be opened as an Excel workbook"),
        lambda m: _("The file cannot be opened as an Excel workbook: save it again as .xlsx."),
    ),
    (
        re.compile(r"^is not a readable \.docx document"),
        lambda m: _("The file is not a readable .docx document: save it again as .docx in Word."),
    ),
    (
        re.compile(r"^the id cell is empty"),
        lambda m: _("The id cell is empty: give every row a unique id."),
    ),
    (
        re.compile(r"^id '([^']*)'.* is repeated at"),
        lambda m: _("The id %(id)s is repeated: keep one row per id and language.", id=m[1]),
    ),
    (
        re.compile(r"^id '([^']*)' has no title"),
        lambda m: _("The row %(id)s has no title: fill the title cell.", id=m[1]),
    ),
    (
        re.compile(r"^id '([^']*)' has no body"),
        lambda m: _("The row %(id)s has no text: fill the body cell.", id=m[1]),
    ),
    (
        re.compile(r"^unknown language '([^']*)'"),
        lambda m: _(
            "Unknown language %(lang)s: use kk, ru or en, or leave the cell empty.", lang=m[1]
        ),
    ),
    (
        re.compile(r"^lang '([^']*)' is not one of"),
        lambda m: _("Unknown language %(lang)s: use kk, ru or en.", lang=m[1]),
    ),
    (
        re.compile(r"front matter is not closed"),
        lambda m: _("The front matter is not closed: add a line '---' after it."),
    ),
    (
        re.compile(r"front matter (is not valid YAML|cannot be read|must be)"),
        lambda m: _("The front matter could not be read."),
    ),
    (
        re.compile(r"has no text (besides its title|once scripts)"),
        lambda m: _("There is no text besides the title: nothing to import."),
    ),
    (
        re.compile(r"^(\S+) appears twice in this import"),
        lambda m: _("%(source)s appears twice in this import: keep one.", source=m[1]),
    ),
    (
        re.compile(r"^((?:kk|ru|en)/[a-z0-9-]+) already exists and was not imported"),
        lambda m: _(
            "%(path)s already exists and did not come from this source: rename the file, or "
            "move that article first.",
            path=m[1],
        ),
    ),
    (
        re.compile(r"^edited in the knowledge base since the last import"),
        lambda m: _(
            "Edited in the knowledge base since the last import, and the source changed too: "
            "the editor's version was kept; merge the source's changes by hand."
        ),
    ),
    (re.compile(r"could not be read|cannot be read"), lambda m: _("The file could not be read.")),
]
#: The importers' messages in the interface language, by pattern.
RULES = PatternCatalogue(_RULES)

_FIELD = re.compile(r"\(field ([a-z_]+)\)$")


@dataclass(frozen=True)
class ImportMessage:
    """One line of the import report as the page shows it."""

    where: str
    text: str
    original: str
    known: bool


def where(path: str, line: int | None, unit: str) -> str:
    """The file and line or row of an imported item, in the interface language.

    :param path: the file as uploaded.
    :param line: line or row number, or ``None``.
    :param unit: ``"line"`` or ``"row"``.
    :returns: e.g. «table.csv, строка 3».
    """
    if line is None:
        return path
    if unit == "row":
        return _("%(path)s, row %(n)s", path=path, n=line)
    return _("%(path)s, line %(n)s", path=path, n=line)


def explain_import(message: str) -> tuple[str, bool]:
    """Translate an importer's message.

    :param message: the English message (without the file and line).
    :returns: ``(text, known)``; unknown messages get a general sentence (``known`` False).
    """
    text = RULES.text(message)
    if text is not None:
        return text, True
    field = _FIELD.search(message)
    if field:
        return _("The field %(field)s is invalid.", field=field_label(field[1])), True
    return _("This item could not be imported."), False


def problem_line(
    path: str, line: int | None, unit: str, message: str, prefix: str
) -> ImportMessage:
    """One skipped input or conflict as the report shows it.

    :param path: the item's file.
    :param line: line or row.
    :param unit: ``"line"`` or ``"row"``.
    :param message: the importer's English message.
    :param prefix: the temporary folder to hide from paths.
    :returns: the translated line.
    """
    text, known = explain_import(message.replace(prefix, ""))
    return ImportMessage(
        where(path.replace(prefix, ""), line, unit), text, message.replace(prefix, ""), known
    )
