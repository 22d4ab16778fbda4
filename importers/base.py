"""Records shared by every importer: what a reader yields and how it reports a bad input.

A reader (one per source format) turns a file or folder into a stream of
:class:`ImportedArticle` and :class:`ImportProblem`. It never touches the store: deciding
what to create, update or leave alone is :mod:`importers.run`'s job, so each reader can be
tested on its own and a bad row never stops the rest of the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Protocol

from articles.slugs import LANGUAGES
from importers.images import ImportedFile

# LANGUAGES (the content repository's language folders) is re-exported for the readers.
__all__ = [
    "LANGUAGES",
    "ImportProblem",
    "ImportedArticle",
    "Importer",
    "Origin",
    "files_to_read",
    "source_id_for",
]


@dataclass(frozen=True)
class Origin:
    """Where an imported item came from, for messages: a file and, for tables, the line or row.

    :param path: the file (or folder) as the user named it.
    :param line: 1-based line (CSV, Markdown) or row (XLSX) number, ``None`` for a whole file.
    :param unit: the word used for ``line`` in messages: ``"line"`` or ``"row"``.
    """

    path: str
    line: int | None = None
    unit: str = "line"

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}, {self.unit} {self.line}"


@dataclass(frozen=True)
class ImportedArticle:
    """One article as read from a source, before it meets the store.

    :param source_id: stable id of the item within its importer (a table's ``id`` column, a
        file's path relative to the imported folder); re-imports find the article by it.
    :param lang: ``kk``, ``ru`` or ``en`` when the source says so, else ``None`` (the run
        then uses ``--lang`` or detects the language).
    :param slug: the wanted file name when the source fixes one (Markdown folders), else
        ``None`` (the run transliterates the title).
    :param title: the article title.
    :param body_markdown: the body, already converted to Markdown.
    :param meta: further front matter the source provides (``category``, ``keywords``,
        ``agencies``, ``id``...), keyed by front matter field name.
    :param origin: file and line/row, for messages.
    :param attachments: images the body shows as ``attachment:<key>`` placeholders
        (DOCX and HTML), stored beside the article by the run if they pass the checks.
    """

    source_id: str
    lang: str | None
    slug: str | None
    title: str
    body_markdown: str
    meta: Mapping[str, object] = field(default_factory=dict)
    origin: Origin = field(default_factory=lambda: Origin(""))
    attachments: tuple[ImportedFile, ...] = ()


@dataclass(frozen=True)
class ImportProblem:
    """An input that could not be read; reported, skipped, and the batch goes on.

    :param origin: the file and line/row concerned.
    :param message: what is wrong and how to fix it.
    """

    origin: Origin
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


class Importer(Protocol):
    """A source format: reads a file or folder into articles and problems."""

    #: The importer's name as typed on the command line (``kb import NAME PATH``).
    name: str

    def read(self, path: Path) -> Iterator[ImportedArticle | ImportProblem]:
        """Read ``path`` (a file or folder) lazily.

        :param path: the file or folder to import.
        :returns: the articles found, interleaved with problems for what could not be read.
        """
        ...


def files_to_read(path: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], ImportProblem | None]:
    """List the files of a file-or-folder argument that carry one of ``suffixes``.

    :param path: a file or a folder (searched recursively, hidden entries skipped).
    :param suffixes: accepted lower-case suffixes, e.g. ``(".html", ".htm")``.
    :returns: the files in a stable order, and a problem when there is nothing to read.
    """
    if not path.exists():
        return [], ImportProblem(Origin(str(path)), "does not exist: check the path")
    if path.is_file():
        if path.suffix.lower() not in suffixes:
            wanted = ", ".join(suffixes)
            return [], ImportProblem(
                Origin(str(path)), f"is not a {wanted} file: pick the importer for its format"
            )
        return [path], None
    found = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not found:
        wanted = ", ".join(suffixes)
        return [], ImportProblem(
            Origin(str(path)), f"folder holds no {wanted} files: nothing to import"
        )
    return found, None


def source_id_for(file: Path, root: Path) -> str:
    """Stable source id of a file: its path relative to the imported folder, with ``/``.

    :param file: the file read.
    :param root: the path the user gave (a folder, or the file itself).
    :returns: ``file``'s path relative to ``root`` (its name when ``root`` is the file).
    """
    if root.is_file():
        return file.name
    return file.relative_to(root).as_posix()
