"""Bounds checked on HTML and DOCX files before they are parsed, so one file cannot tie up
a worker: 100,000 nested ``<div>`` kept both server workers busy for 14 minutes, and from
depth 500 the converters hit Python's recursion limit (a 500 for the whole upload).

The checks read the file once, in time linear in its size, with no tree built: tags are
counted and their nesting followed (an end tag closes up to its start tag, as parsers do;
unclosed ``<p>`` and ``<li>`` count as nested, which is what the tree builder makes of
them). A file over a limit is reported as rejected, with the limit, and the rest of the
batch goes on.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.parsers import expat

#: Largest HTML page read, in bytes (saved eGov pages are 50-300 KB).
MAX_HTML_BYTES = 2 * 1024 * 1024
#: Deepest element nesting accepted in HTML and in a DOCX document's XML.
MAX_DEPTH = 100
#: Most elements in one HTML page.
MAX_ELEMENTS = 10_000
#: Largest ``word/document.xml`` once unpacked, in bytes.
MAX_DOCX_XML_BYTES = 30 * 1024 * 1024
#: Deepest nesting of tables in a DOCX document (a table in a cell of a table ...).
MAX_TABLE_NESTING = 5
#: XML nesting allowed in a DOCX beyond the tables (runs, paragraphs, fields...).
MAX_DOCX_DEPTH = 200

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW_TEXT = ("script", "style", "textarea", "title")
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]*)[^>]*?(/?)>|<!--.*?-->", re.DOTALL)
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW_TEXT}


def html_problem(data: str | bytes) -> str | None:
    """Why an HTML page is too big or too deeply nested to convert, or ``None``.

    >>> html_problem("<div>" * 150)[:48]
    'elements are nested more than 100 levels deep (a'
    >>> html_problem("<p>Паспорт</p>" * 10) is None
    True
    """
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_HTML_BYTES:
        return (
            f"the page is {size} bytes, over the limit of {MAX_HTML_BYTES} bytes: save only "
            "the article's part of the page"
        )
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    stack: list[str] = []
    elements = 0
    position = 0
    while True:
        match = _TAG_RE.search(text, position)
        if match is None:
            return None
        position = match.end()
        closing, name, self_closing = match.group(1), match.group(2), match.group(3)
        if name is None:
            continue  # a comment
        name = name.lower()
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
            continue
        elements += 1
        if elements > MAX_ELEMENTS:
            return (
                f"the page has more than {MAX_ELEMENTS} elements: split it or save only "
                "the article's part"
            )
        if name in _VOID or self_closing:
            continue
        if name in _RAW_END:
            end = _RAW_END[name].search(text, position)
            position = end.end() if end else len(text)
            continue
        stack.append(name)
        if len(stack) > MAX_DEPTH:
            return (
                f"elements are nested more than {MAX_DEPTH} levels deep (at {len(stack)}): "
                "flatten the page or save only its main part"
            )


class _TooDeep(Exception):
    """Raised inside the XML scan to stop at the first limit exceeded."""


def docx_problem(file: Path) -> str | None:
    """Why a ``.docx`` is too big or too deeply nested to convert, or ``None``.

    Reads ``word/document.xml`` as a stream (expat, no tree); a broken zip is left to
    the converter, which reports it.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            try:
                info = archive.getinfo("word/document.xml")
            except KeyError:
                return None
            if info.file_size > MAX_DOCX_XML_BYTES:
                return (
                    f"the document's text part unpacks to {info.file_size} bytes, over "
                    f"{MAX_DOCX_XML_BYTES}: split the document"
                )
            depth = 0
            tables = 0

            def start(name: str, _attrs: object) -> None:
                nonlocal depth, tables
                depth += 1
                if name.endswith("}tbl") or name == "w:tbl":
                    tables += 1
                    if tables > MAX_TABLE_NESTING:
                        raise _TooDeep(
                            f"tables are nested more than {MAX_TABLE_NESTING} deep (a table "
                            "in a cell of a table ...): move the inner tables out"
                        )
                if depth > MAX_DOCX_DEPTH:
                    raise _TooDeep(
                        f"the document's structure is nested more than {MAX_DOCX_DEPTH} "
                        "levels deep: simplify it (nested lists or tables)"
                    )

            def end(name: str) -> None:
                nonlocal depth, tables
                depth -= 1
                if name.endswith("}tbl") or name == "w:tbl":
                    tables -= 1

            parser = expat.ParserCreate()
            parser.StartElementHandler = start
            parser.EndElementHandler = end
            with archive.open(info) as stream:
                while chunk := stream.read(1 << 16):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
    except _TooDeep as reason:
        return str(reason)
    except (zipfile.BadZipFile, expat.ExpatError, OSError, EOFError):
        return None  # the converter reports a broken file with its own message
    return None
