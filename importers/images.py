"""Images kept by the DOCX and HTML importers.

A reader replaces each image it keeps by a placeholder source ``attachment:<key>`` and
hands the bytes over as an :class:`ImportedFile`. :mod:`importers.run`, once it knows the
article's language and slug, checks each file with the store's attachment checks (the
same as an upload: decoded, sized, typed by content) and writes the accepted ones beside
the article; the placeholder becomes the attachment's URL. A refused image is left out
and reported.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from bs4 import Tag

#: The placeholder scheme of an image source until the run stores the file.
PLACEHOLDER = "attachment:"
#: Images kept from one document or page at most (more are left out, and reported).
MAX_IMAGES = 50
#: A data: URL's image, decoded, at most (the store's own limit applies after).
MAX_DATA_URL_BYTES = 16 * 1024 * 1024

_DATA_URL_RE = re.compile(r"data:image/([a-z0-9.+-]+);base64,(.*)", re.IGNORECASE | re.DOTALL)
_ALT_RE = re.compile(r"[\[\]\\\n\r]+")


@dataclass(frozen=True)
class ImportedFile:
    """An image found in a source document, before the store checks and keeps it.

    :param key: the placeholder key (``attachment:<key>`` in the body).
    :param name: a file name for it (from the source, or made up).
    :param data: the bytes as found.
    """

    key: str
    name: str
    data: bytes


def clean_alt(text: str) -> str:
    """Alt text safe inside Markdown's ``![...]``.

    :param text: the source's alt text.
    :returns: one line without brackets.
    """
    return " ".join(_ALT_RE.sub(" ", text).split())[:120]


def _read_local(src: str, page: Path, root: Path) -> bytes | None:
    """The bytes of a relative image path next to a saved page, if inside ``root``."""
    if re.match(r"[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or src.startswith(("/", "\\")):
        return None  # absolute or remote: a closed network has no way to fetch it
    target = (page.parent / unquote(src.split("?", 1)[0].split("#", 1)[0])).resolve()
    try:
        target.relative_to(root.resolve())
    except ValueError:
        return None  # a path leaving the imported folder is never read
    try:
        return target.read_bytes() if target.is_file() else None
    except OSError:
        return None


def take_html_images(root: Tag, page: Path | None, folder: Path | None) -> list[ImportedFile]:
    """Replace the sources of a page's images by placeholders and collect their bytes.

    Kept: ``data:image/...;base64`` sources and relative paths to files inside the
    imported folder (a page saved "complete" with its ``_files`` folder). Other images
    (remote, missing) are removed from the page.

    :param root: the parsed page (changed in place).
    :param page: the page's file, for relative paths (``None``: only data: URLs).
    :param folder: the folder (or file) the user imported; paths may not leave it.
    :returns: the images, in page order.
    """
    found: list[ImportedFile] = []
    for image in root.find_all("img"):
        src = str(image.get("src") or "").strip()
        data: bytes | None = None
        name = ""
        match = _DATA_URL_RE.fullmatch(src)
        if match:
            try:
                if len(match.group(2)) <= MAX_DATA_URL_BYTES * 4 // 3 + 4:
                    data = base64.b64decode(match.group(2), validate=False)
            except (binascii.Error, ValueError):
                data = None
            name = f"image.{match.group(1).lower()}"
        elif src and page is not None and folder is not None:
            base = folder if folder.is_dir() else folder.parent
            data = _read_local(src, page, base)
            name = unquote(src.rsplit("/", 1)[-1])
        if not data or len(found) >= MAX_IMAGES:
            image.decompose()
            continue
        key = f"img{len(found) + 1}"
        found.append(ImportedFile(key=key, name=name or key, data=data))
        image.attrs = {"src": PLACEHOLDER + key, "alt": clean_alt(str(image.get("alt") or ""))}
    return found
