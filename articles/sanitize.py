"""The one place that sanitises HTML (and the only importer of ``nh3``).

Everything :func:`articles.render.render` produces passes through :func:`sanitize_html`
last. The allow-lists below are explicit and grouped by purpose; anything not listed is
dropped: no forms, frames, objects, ``style``, ``on*`` handlers or script URLs, and
images only from the project's own attachment URLs (:mod:`articles.attachments`).
"""

from __future__ import annotations

import html
import re

import nh3

from articles.attachments import is_attachment_url

#: Tags, grouped by purpose.
TEXT_TAGS = frozenset(
    {"p", "br", "hr", "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "sub", "sup"}
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LIST_TAGS = frozenset({"ul", "ol", "li", "dl", "dt", "dd"})
TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption"})
CODE_TAGS = frozenset({"code", "pre", "kbd", "samp"})
BLOCK_TAGS = frozenset({"div", "blockquote", "span", "abbr"})
LINK_TAGS = frozenset({"a", "img"})

ALLOWED_TAGS = (
    TEXT_TAGS | HEADING_TAGS | LIST_TAGS | TABLE_TAGS | CODE_TAGS | BLOCK_TAGS | LINK_TAGS
)

#: Tags removed together with their content (the text inside is code, not prose).
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "template", "noscript", "xmp", "noembed"})

#: Attributes per tag. ``class`` is not here: it is limited to ALLOWED_CLASSES.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    # on every tag (nh3 would otherwise add its defaults implicitly)
    "*": {"title", "lang"},
    # links and images
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    # headings carry the toc anchors
    **{tag: {"id"} for tag in HEADING_TAGS},
    # table cell alignment (python-markdown tables with use_align_attribute)
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}

#: Classes kept: admonitions (operator scripts and notes), the [TOC] block.
ALLOWED_CLASSES: dict[str, set[str]] = {
    "div": {"admonition", "script", "note", "warning", "tip", "important", "toc"},
    "p": {"admonition-title"},
}

#: URL schemes allowed in href/src (relative URLs are kept as they are).
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

#: Anchor ids the toc generates; anything else is dropped to avoid DOM clobbering.
_ID_RE = re.compile(r"[\w-]{1,100}")

#: The ``rel`` every kept link gets.
LINK_REL = "noopener noreferrer nofollow"


#: Attributes holding URLs (checked again after removing blanks, see below).
URL_ATTRIBUTES = frozenset({"href", "src"})

_BLANKS_RE = re.compile(r"[\x00-\x20\x7f\ufffd]+")
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    """Drop toc-unlike ids, foreign image sources and URLs whose scheme is hidden by blanks.

    Browsers strip tabs and newlines inside URLs (``jav&#9;ascript:``), and Markdown turns
    tabs into spaces; so the scheme is checked once more with every blank removed. An
    image is shown only from the project's own attachments (``/-/files/...``): the
    network is closed, and a foreign source would leak who reads what to its server.
    """
    if attr == "id" and not _ID_RE.fullmatch(value):
        return None
    if tag == "img" and attr == "src":
        return value if is_attachment_url(value) else None
    if attr in URL_ATTRIBUTES:
        match = _SCHEME_RE.match(_BLANKS_RE.sub("", value).lower())
        if match and match.group(1) not in ALLOWED_URL_SCHEMES:
            return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(CLEAN_CONTENT_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    strip_comments=True,
    link_rel=LINK_REL,
)


def sanitize_html(fragment: str) -> str:
    """Return ``html`` with everything outside the allow-lists removed.

    >>> sanitize_html('<p onclick="x()">Hi<script>alert(1)</script></p>')
    '<p>Hi</p>'

    :param fragment: untrusted HTML fragment.
    :returns: safe HTML fragment.
    """
    return _CLEANER.clean(fragment)


def escape(text: str) -> str:
    """Escape text for use inside HTML element content or attribute values.

    >>> escape('<b a="1">')
    '&lt;b a=&quot;1&quot;&gt;'

    :param text: plain text.
    :returns: HTML-escaped text.
    """
    return html.escape(text, quote=True)
