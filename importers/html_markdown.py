"""HTML to Markdown for the HTML and DOCX importers: main content only, no active content.

Scripts, styles, forms and the page chrome (nav, header, footer, aside) are dropped before
conversion, and ``javascript:`` links are unwrapped. This is not the security boundary (the
store's sanitiser is, at render time); it keeps junk out of the stored Markdown.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4 import Tag
from markdownify import MarkdownConverter

from importers.images import PLACEHOLDER

# Never content: active or invisible elements and forms.
_DROP_ALWAYS = (
    *("script", "style", "noscript", "template", "iframe", "object", "embed", "form"),
    *("button", "input", "select", "textarea", "svg", "canvas", "link", "meta"),
)
# Page chrome, dropped when looking for the main content of a whole page.
_CHROME = ("nav", "header", "footer", "aside")
_CHROME_HINT = re.compile(
    r"(^|[-_ ])(nav|menu|header|footer|sidebar|breadcrumbs?|cookie)s?($|[-_ ])"
)
_BLOCKS = ("div", "section", "td", "body")
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
# Control characters that Word and saved pages carry (vertical tab, form feed, NUL): the
# store refuses them, so a converted document drops them.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse_html(html: str | bytes) -> BeautifulSoup:
    """Parse a page with the standard library parser (encoding from ``<meta charset>``).

    :param html: the page, as text or bytes.
    :returns: the parsed document.
    """
    return BeautifulSoup(html, "html.parser")


def drop_active_content(root: Tag) -> None:
    """Remove scripts, styles, forms and embedded objects; unwrap ``javascript:`` links.

    :param root: the element to clean, in place.
    """
    for tag in root.find_all(_DROP_ALWAYS):
        tag.decompose()
    for tag in root.find_all(True):
        for attribute in list(tag.attrs):
            value = tag.attrs[attribute]
            if attribute.lower().startswith("on"):
                del tag.attrs[attribute]
            elif isinstance(value, str) and value.strip().lower().startswith(_UNSAFE_SCHEMES):
                del tag.attrs[attribute]
        if tag.name == "a" and not tag.get("href"):
            tag.unwrap()


def _is_chrome(tag: Tag) -> bool:
    if tag.name in ("nav", "aside"):
        return True
    if tag.name in ("html", "body", "main") or tag.find_parent(("article", "main")):
        return False  # an article's own header holds its title, not the site's
    if tag.name in _CHROME:
        return True
    attrs = tag.attrs or {}
    if attrs.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    classes: list[str] = list(attrs.get("class") or [])
    names = " ".join([*classes, str(attrs.get("id") or "")]).lower()
    return bool(_CHROME_HINT.search(names))


def main_content(soup: BeautifulSoup) -> Tag:
    """Pick the main content of a page: ``<main>``, ``<article>``, ``[role=main]``, else the
    block with the most text once the page chrome is removed.

    :param soup: the parsed page; chrome elements are removed from it.
    :returns: the element holding the main content (``soup`` itself as a last resort).
    """
    for tag in soup.find_all(True):
        if not tag.decomposed and _is_chrome(tag):
            tag.decompose()
    for candidate in (soup.find("main"), soup.find(True, attrs={"role": "main"})):
        if isinstance(candidate, Tag) and candidate.get_text(strip=True):
            return candidate
    articles = [a for a in soup.find_all("article") if a.get_text(strip=True)]
    if len(articles) == 1:
        return articles[0]
    # The block whose own paragraphs hold the most text: a wrapper div holding the whole
    # page scores no better than the content div inside it, so prefer the innermost.
    best: Tag | None = None
    best_score = 0
    for block in soup.find_all(_BLOCKS):
        score = sum(
            len(child.get_text(" ", strip=True))
            for child in block.find_all(("p", "li", "h2", "h3", "table", "pre"), recursive=False)
        )
        if score > best_score:
            best, best_score = block, score
    if best is not None:
        return best
    body = soup.find("body")
    return body if isinstance(body, Tag) else soup


class _Converter(MarkdownConverter):
    """markdownify with ATX headings and ``-`` bullets (the style of our articles)."""

    def __init__(self) -> None:
        # Word tables have no header cells: take the first row as the header.
        super().__init__(heading_style="ATX", bullets="-", table_infer_header=True)


def to_markdown(html: str | Tag) -> str:
    """Convert HTML (already cleaned) to Markdown, with blank runs collapsed.

    Images are dropped except those a reader kept as ``attachment:<key>`` placeholders.

    :param html: an HTML string or element.
    :returns: the Markdown text, stripped.
    """
    if isinstance(html, str):
        html = parse_html(html)
    # Only images a reader kept (placeholders, see importers.images) become Markdown.
    for image in html.find_all("img"):
        if not str(image.get("src") or "").startswith(PLACEHOLDER):
            image.decompose()
    source = str(html)
    markdown = _CONTROL_RE.sub("", _Converter().convert(source))
    markdown = re.sub(r"[ \t]+\n", "\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)
    return markdown.strip()
