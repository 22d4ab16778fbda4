"""DOCX importer: a Word document, or a folder of them, one article per document.

mammoth turns the document's styles into HTML (headings, lists, tables, bold, italic);
markdownify then writes Markdown. Images are kept as attachments (:mod:`importers.images`).
The first heading (or the document's title property, or the file name) becomes the title.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

import docx as python_docx  # python-docx, for the properties mammoth does not read
import mammoth
from bs4 import Tag

from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.base import files_to_read
from importers.base import source_id_for
from importers.html_markdown import drop_active_content
from importers.html_markdown import parse_html
from importers.html_markdown import to_markdown
from importers.images import MAX_IMAGES
from importers.images import PLACEHOLDER
from importers.images import ImportedFile
from importers.images import clean_alt
from importers.limits import docx_problem

# What a truncated or non-DOCX file raises inside mammoth: a broken zip, a missing part, or
# malformed XML in a part.
_BROKEN_FILE = (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError, ExpatError)


def _core_title(file: Path) -> str:
    """The title in the document's properties (File > Info), if any."""
    try:
        return (python_docx.Document(str(file)).core_properties.title or "").strip()
    except Exception:  # optional metadata: the body was already read fine, never fail on it
        return ""


def document_to_article(file: Path, *, source_id: str) -> ImportedArticle | ImportProblem:
    """Convert one ``.docx`` file.

    :param file: the document.
    :param source_id: its stable id (relative path).
    :returns: the article, or a problem for a truncated, corrupt or empty document.
    """
    origin = Origin(str(file))
    problem = docx_problem(file)
    if problem:
        return ImportProblem(origin, f"rejected: {problem}")
    try:
        return _convert_document(file, source_id=source_id, origin=origin)
    except RecursionError:
        return ImportProblem(origin, "rejected: the document is nested too deeply to convert")


def _convert_document(
    file: Path, *, source_id: str, origin: Origin
) -> ImportedArticle | ImportProblem:
    images: list[ImportedFile] = []

    def keep_image(image: Any) -> dict[str, str]:
        """mammoth's image hook: the bytes are kept, the source becomes a placeholder."""
        if len(images) >= MAX_IMAGES:
            return {}
        with image.open() as stream:
            data = stream.read()
        key = f"img{len(images) + 1}"
        kind = str(image.content_type or "").rsplit("/", 1)[-1] or "bin"
        images.append(ImportedFile(key=key, name=f"{file.stem}-{key}.{kind}", data=data))
        return {"src": PLACEHOLDER + key, "alt": clean_alt(str(image.alt_text or ""))}

    try:
        with file.open("rb") as stream:
            result = mammoth.convert_to_html(
                stream, convert_image=mammoth.images.img_element(keep_image)
            )
    except _BROKEN_FILE as error:
        return ImportProblem(
            origin,
            f"is not a readable .docx document ({type(error).__name__}: {error}); it may be "
            f"truncated or an old .doc: open it in Word and save it again as .docx",
        )
    soup = parse_html(result.value)
    drop_active_content(soup)
    heading = soup.find(("h1", "h2"))
    title = ""
    if isinstance(heading, Tag):
        title = " ".join(heading.get_text(" ").split())
        heading.decompose()  # the title is front matter; not repeated in the body
    title = title or _core_title(file) or file.stem.replace("_", " ")
    body = to_markdown(soup)
    if not body:
        return ImportProblem(origin, "the document has no text besides its title: nothing to do")
    kept = tuple(i for i in images if f"({PLACEHOLDER}{i.key})" in body)
    return ImportedArticle(
        source_id=source_id,
        lang=None,
        slug=None,
        title=title,
        body_markdown=body,
        origin=origin,
        attachments=kept,
    )


class DocxImporter:
    """Reads a ``.docx`` document or every document of a folder."""

    name = "docx"

    def read(self, path: Path) -> Iterator[ImportedArticle | ImportProblem]:
        """Read ``path`` (a document or a folder of documents), one article per document.

        :param path: the file or folder.
        :returns: articles and problems (truncated, corrupt or empty documents).
        """
        files, problem = files_to_read(path, (".docx",))
        if problem:
            yield problem
        for file in files:
            if file.name.startswith("~$"):
                continue  # Word's lock file next to an open document, not a document
            yield document_to_article(file, source_id=source_id_for(file, path))
