"""HTML importer: a saved web page, or a folder of them, one article per page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup
from bs4 import Tag

from importers.base import LANGUAGES
from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.base import files_to_read
from importers.base import source_id_for
from importers.html_markdown import drop_active_content
from importers.html_markdown import main_content
from importers.html_markdown import parse_html
from importers.html_markdown import to_markdown
from importers.images import PLACEHOLDER
from importers.images import take_html_images
from importers.limits import html_problem

SUFFIXES = (".html", ".htm")
# Site names that saved pages append to their <title>: "Замена паспорта | eGov.kz".
_TITLE_SEPARATORS = (" | ", " — ", " - ", " :: ")


def _page_lang(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    if isinstance(html, Tag):
        code = str(html.get("lang") or "").strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return None


def _head_title(soup: BeautifulSoup) -> str:
    tag = soup.find("title")
    title = " ".join(tag.get_text(" ").split()) if isinstance(tag, Tag) else ""
    for separator in _TITLE_SEPARATORS:
        if separator in title:
            title = title.split(separator)[0].strip()
            break
    return title


def page_to_article(html: str | bytes, *, source_id: str, origin: Origin, fallback_title: str,
                    page: Path | None = None, folder: Path | None = None,
                    ) -> ImportedArticle | ImportProblem:  # fmt: skip
    """Convert one saved page: main content to Markdown, its ``<h1>`` (or ``<title>``) as title.

    Its images are kept (see :func:`importers.images.take_html_images`): inline
    ``data:`` images always, image files beside the page when ``page`` and ``folder`` say
    where it was read.

    :param html: the page's text or bytes.
    :param source_id: the page's stable id (its relative path).
    :param origin: the file, for messages.
    :param fallback_title: used when the page has neither ``<h1>`` nor ``<title>``.
    :param page: the page's file, for images saved beside it.
    :param folder: what the user imported; image paths may not leave it.
    :returns: the article, or a problem when the page holds no text.
    """
    problem = html_problem(html)
    if problem:
        return ImportProblem(origin, f"rejected: {problem}")
    try:
        return _convert_page(
            html,
            source_id=source_id,
            origin=origin,
            fallback_title=fallback_title,
            page=page,
            folder=folder,
        )
    except RecursionError:
        return ImportProblem(origin, "rejected: the page is nested too deeply to convert")


def _convert_page(html: str | bytes, *, source_id: str, origin: Origin, fallback_title: str,
                  page: Path | None, folder: Path | None,
                  ) -> ImportedArticle | ImportProblem:  # fmt: skip
    soup = parse_html(html)
    lang = _page_lang(soup)
    head_title = _head_title(soup)
    images = take_html_images(soup, page, folder)  # before data: URLs are dropped
    drop_active_content(soup)
    main = main_content(soup)
    heading = main.find("h1") or soup.find("h1")
    title = ""
    if isinstance(heading, Tag):
        title = " ".join(heading.get_text(" ").split())
        if heading in main.descendants:
            heading.decompose()  # the title is front matter; not repeated in the body
    title = title or head_title or fallback_title
    body = to_markdown(main)
    if not body:
        return ImportProblem(
            origin, "the page has no text once scripts and navigation are removed: nothing to do"
        )
    kept = tuple(i for i in images if f"({PLACEHOLDER}{i.key})" in body)
    return ImportedArticle(
        source_id=source_id,
        lang=lang,
        slug=None,
        title=title,
        body_markdown=body,
        origin=origin,
        attachments=kept,
    )


class HtmlImporter:
    """Reads a saved ``.html`` page or every page of a folder."""

    name = "html"

    def read(self, path: Path) -> Iterator[ImportedArticle | ImportProblem]:
        """Read ``path`` (a page or a folder of pages), one article per page.

        :param path: the file or folder.
        :returns: articles and problems (empty pages, unreadable files).
        """
        files, problem = files_to_read(path, SUFFIXES)
        if problem:
            yield problem
        for file in files:
            origin = Origin(str(file))
            try:
                data = file.read_bytes()
            except OSError as error:
                yield ImportProblem(origin, f"cannot be read ({error.strerror}): check the file")
                continue
            yield page_to_article(
                data,
                source_id=source_id_for(file, path),
                origin=origin,
                fallback_title=file.stem.replace("_", " ").replace("-", " "),
                page=file,
                folder=path,
            )
