"""Markdown rendering: one pipeline, one fixed extension set, sanitised once at the end.

``render(markdown) -> Rendered(html, text, toc)``. The plain text used by the search
index is taken from the same sanitised HTML, so the words searched are the words shown.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from html.parser import HTMLParser
from typing import Any

import markdown
from markdown.extensions.toc import slugify_unicode

from articles.model import ArticleMeta
from articles.model import Rendered
from articles.model import TocEntry
from articles.sanitize import escape
from articles.sanitize import sanitize_html

#: The fixed extension set. ``attr_list`` and ``md_in_html`` are deliberately absent:
#: they let authors set arbitrary attributes (``{: onclick=...}``).
EXTENSIONS = ("tables", "toc", "admonition", "fenced_code", "sane_lists")
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # align="..." instead of style="text-align: ...": the sanitiser drops style.
    "tables": {"use_align_attribute": True},
    # Cyrillic and Kazakh headings keep readable anchors.
    "toc": {"slugify": slugify_unicode, "permalink": False},
}

#: Beyond these limits Python-Markdown's (and nh3's) handling of links, emphasis, tags,
#: headings and nesting turns super-linear (measured: 2,000 '[' take 0.5 s and 50,000
#: minutes; 50,000 '*a' take 8 s; 100,000 '<div>' 45 s; 2,000 nested list levels never
#: finish). Such a body is shown as escaped preformatted text instead, so one article or
#: preview cannot hang a worker; saving refuses it (``too_complex``).
MAX_BRACKETS = 1000
#: Tables: at most this many lines holding ``|`` and this many ``|`` in all (a 4,000 x 50
#: table took 8.4 s to preview).
MAX_TABLE_LINES = 500
MAX_PIPES = 6000
#: Longer text is not rendered at all: the first PREVIEW_CHARS are shown as plain text
#: (a 30 MB body used to be escaped whole, 10 s, before the save refused it).
MAX_RENDER_CHARS = 1024 * 1024
PREVIEW_CHARS = 64 * 1024
MAX_STARS = 30000
MAX_TAGS = 5000
MAX_ENTITIES = 10000
MAX_BACKSLASHES = 10000
MAX_LINES = 8000
MAX_HEADINGS = 500
MAX_ADMONITIONS = 200
MAX_INDENT = 64
MAX_QUOTE_DEPTH = 32
MAX_LIST_DEPTH = 12

_DEEP_INDENT_RE = re.compile(rf"^[ \t]{{{MAX_INDENT + 1},}}\S", re.MULTILINE)
_DEEP_QUOTE_RE = re.compile(rf"^(?:[ \t]*>){{{MAX_QUOTE_DEPTH + 1},}}", re.MULTILINE)
_HEADING_RE = re.compile(r"^[ \t]{0,3}#", re.MULTILINE)
_DEEP_LIST_RE = re.compile(
    rf"^[ \t]*(?:(?:[-*+]|\d{{1,9}}[.)])[ \t]+){{{MAX_LIST_DEPTH + 1},}}", re.MULTILINE
)

#: Elements after which the plain text gets a line break.
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "table",
        "blockquote",
        "dt",
        "dd",
        "hr",
        "ul",
        "ol",
        "dl",
    }
)
_CELLS = frozenset({"td", "th"})

# Markdown instances keep state between calls and are not thread-safe: one per thread.
_local = threading.local()


def _converter() -> markdown.Markdown:
    md: markdown.Markdown | None = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=list(EXTENSIONS),
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
        _local.md = md
    return md


class _TextExtractor(HTMLParser):
    """Collects the text content of sanitised HTML, with breaks between blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Return the plain text of an HTML fragment (tags stripped, entities decoded).

    >>> html_to_text("<p>Барлығы <b>тегін</b></p><p>Бесплатно</p>")
    'Барлығы тегін\\nБесплатно'

    :param fragment: HTML (normally already sanitised).
    :returns: text with one line per block and single spaces.
    """
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def complexity_problem(text: str) -> str | None:
    """Say why ``text`` is too complex to render as Markdown, or return ``None``.

    >>> complexity_problem("[" * 5000)
    "more than 1000 '[' characters (5000)"

    :param text: Markdown source.
    :returns: an English description of the limit exceeded, or ``None``.
    """
    if len(text) > MAX_RENDER_CHARS:
        return f"more than {MAX_RENDER_CHARS} characters ({len(text)})"
    lines = text.count("\n")
    if lines > MAX_LINES:
        return f"more than {MAX_LINES} lines ({lines})"
    pipes = text.count("|")
    if pipes > MAX_PIPES:
        return f"tables with more than {MAX_PIPES} '|' cell borders ({pipes})"
    if pipes > MAX_TABLE_LINES:
        table_lines = sum(1 for line in text.split("\n") if "|" in line)
        if table_lines > MAX_TABLE_LINES:
            return f"tables with more than {MAX_TABLE_LINES} rows ({table_lines})"
    for char, limit in (
        ("[", MAX_BRACKETS),
        ("<", MAX_TAGS),
        ("*", MAX_STARS),
        ("&", MAX_ENTITIES),
        ("\\", MAX_BACKSLASHES),
    ):
        count = text.count(char)
        if count > limit:
            return f"more than {limit} '{char}' characters ({count})"
    headings = len(_HEADING_RE.findall(text))
    if headings > MAX_HEADINGS:
        return f"more than {MAX_HEADINGS} headings ({headings})"
    admonitions = text.count("!!!")
    if admonitions > MAX_ADMONITIONS:
        return f"more than {MAX_ADMONITIONS} '!!!' blocks ({admonitions})"
    if _DEEP_LIST_RE.search(text):
        return f"a list nested more than {MAX_LIST_DEPTH} levels deep on one line"
    if _DEEP_INDENT_RE.search(text):
        return f"a line indented by more than {MAX_INDENT} spaces"
    if _DEEP_QUOTE_RE.search(text):
        return f"quotes nested more than {MAX_QUOTE_DEPTH} levels deep"
    return None


def _flatten(tokens: list[dict[str, Any]]) -> list[TocEntry]:
    out: list[TocEntry] = []
    for token in tokens:
        title = html_lib.unescape(str(token.get("name", "")))
        out.append(TocEntry(level=int(token["level"]), id=str(token["id"]), title=title))
        out.extend(_flatten(token.get("children", [])))
    return out


def render(text: str) -> Rendered:
    """Render Markdown to sanitised HTML, plain text and a table of contents.

    >>> r = render("# Паспорт\\n\\n<script>alert(1)</script>**ЦОН**")
    >>> "<script" in r.html, r.html.startswith('<h1 id="паспорт">Паспорт</h1>')
    (False, True)
    >>> r.text, r.toc[0].title
    ('Паспорт\\nЦОН', 'Паспорт')

    :param text: Markdown source (an article body).
    :returns: :class:`~articles.model.Rendered`; ``html`` is safe to insert as is.
    """
    if complexity_problem(text):
        # escape() leaves no markup at all, so this needs no sanitiser pass; a huge text
        # is cut, so neither the work nor the answer grows with it
        shown = text if len(text) <= MAX_RENDER_CHARS else text[:PREVIEW_CHARS] + "\n…"
        return Rendered(html=f"<pre>{escape(shown)}</pre>", text=shown, toc=())
    md = _converter()
    try:
        raw = md.convert(text)
        toc = tuple(_flatten(getattr(md, "toc_tokens", [])))
    finally:
        md.reset()
    safe = sanitize_html(raw)
    return Rendered(html=safe, text=html_to_text(safe), toc=toc)


def _fact_html(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(escape(str(v)) for v in value)
    return escape(str(value))


def render_article(meta: ArticleMeta, body: str) -> Rendered:
    """Render a whole article card: title, short answer, facts, then the body.

    Front-matter values are plain text and are escaped here; the whole card is then
    sanitised once more, so the result is safe whatever the metadata holds.

    :param meta: article metadata.
    :param body: Markdown body.
    :returns: :class:`~articles.model.Rendered` of the card.
    """
    parts = [f"<h1>{escape(meta.title)}</h1>"]
    if meta.answer:
        parts.append(f"<p><strong>{escape(meta.answer)}</strong></p>")
    if meta.facts:
        rows = "".join(
            f"<dt>{escape(str(k))}</dt><dd>{_fact_html(v)}</dd>" for k, v in meta.facts.items()
        )
        parts.append(f"<dl>{rows}</dl>")
    if meta.keywords:
        parts.append(f"<p>{escape(', '.join(meta.keywords))}</p>")
    body_r = render(body)
    safe = sanitize_html("\n".join(parts) + "\n" + body_r.html)
    return Rendered(html=safe, text=html_to_text(safe), toc=body_r.toc)
