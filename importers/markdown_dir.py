"""Markdown importer: a folder in the content format (``kk/<slug>.md``, ``ru/<slug>.md``).

Front matter is optional: a plain Markdown file takes its title from its first ``# `` heading
(or its file name), its language from its folder (``kk/``, ``ru/``, ``en/``) or detection,
and its slug from its file name. ``source`` and ``source_hash`` found in a file are ignored:
the import run sets its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from articles.yaml_guard import yaml_problem
from importers.base import LANGUAGES
from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.base import files_to_read
from importers.base import source_id_for
from importers.csv_table import decode_utf8
from importers.slugs import SLUG_RE
from importers.slugs import slugify

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*$\n?", re.MULTILINE)
# Fields the run owns (or takes from the item's own attributes), not copied as extras.
_OWN_FIELDS = ("title", "lang", "source", "source_hash")


def _front_matter(text: str, origin: Origin) -> tuple[dict[str, object], str, ImportProblem | None]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        if text.startswith("---\n"):
            return (
                {},
                text,
                ImportProblem(
                    Origin(origin.path, 1),
                    "the front matter is not closed: add a line '---' after it",
                ),
            )
        return {}, text, None
    refused = yaml_problem(match.group(1))
    if refused:
        problem = f"the front matter {refused[0]}: write every value out in full"
        return {}, text, ImportProblem(Origin(origin.path, refused[1] + 1), problem)
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 2 if mark is not None else 1
        return (
            {},
            text,
            ImportProblem(
                Origin(origin.path, line),
                f"the front matter is not valid YAML ({error.problem}): check quotes, colons and "
                f"indentation",
            ),
        )
    except (yaml.YAMLError, ValueError) as error:
        return (
            {},
            text,
            ImportProblem(
                Origin(origin.path, 1), f"the front matter cannot be read ({error}): fix it"
            ),
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return (
            {},
            text,
            ImportProblem(Origin(origin.path, 2), "the front matter must be 'field: value' lines"),
        )
    return {str(k): v for k, v in data.items()}, text[match.end() :], None


def file_to_article(text: str, *, file: Path, source_id: str) -> ImportedArticle | ImportProblem:
    """Read one Markdown file.

    :param text: the decoded file.
    :param file: the file, for the language folder, the slug and messages.
    :param source_id: its stable id (relative path).
    :returns: the article, or a problem naming the line.
    """
    origin = Origin(str(file))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, problem = _front_matter(text, origin)
    if problem:
        return problem
    title = " ".join(str(meta.get("title") or "").split())
    if not title:
        heading = _HEADING.match(body)
        if heading:
            title = heading.group(1).strip()
            body = body[heading.end() :]
    title = title or file.stem.replace("_", " ").replace("-", " ")
    lang = str(meta.get("lang") or "").strip().lower() or None
    folder = file.parent.name.lower()
    if lang is None and folder in LANGUAGES:
        lang = folder
    if lang is not None and lang not in LANGUAGES:
        return ImportProblem(
            origin, f"lang {lang!r} is not one of {', '.join(LANGUAGES)}: correct the front matter"
        )
    body = body.strip()
    if not body:
        return ImportProblem(origin, "the file has no text besides its title: nothing to import")
    slug = file.stem if SLUG_RE.fullmatch(file.stem) else slugify(file.stem)
    extras = {k: v for k, v in meta.items() if k not in _OWN_FIELDS}
    return ImportedArticle(
        source_id=source_id,
        lang=lang,
        slug=slug or None,
        title=title,
        body_markdown=body,
        meta=extras,
        origin=origin,
    )


class MarkdownImporter:
    """Reads a folder of Markdown files (or one file) in the content format."""

    name = "markdown"

    def read(self, path: Path) -> Iterator[ImportedArticle | ImportProblem]:
        """Read ``path`` (a ``.md`` file or a folder, recursively), one article per file.

        :param path: the file or folder.
        :returns: articles and problems (encoding, front matter syntax, empty files).
        """
        files, problem = files_to_read(path, (".md", ".markdown"))
        if problem:
            yield problem
        for file in files:
            if file.name.lower() == "readme.md":
                continue  # a folder's description, not an article
            text, bad = decode_utf8(file.read_bytes(), str(file))
            if bad or text is None:
                yield bad or ImportProblem(Origin(str(file)), "could not be read")
                continue
            yield file_to_article(text, file=file, source_id=source_id_for(file, path))
