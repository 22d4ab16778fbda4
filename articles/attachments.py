"""Attachments of an article: what a file may be, how it is checked, named and referenced.

An attachment lives in the content repository beside its article, at
``<lang>/<slug>.files/<name>``, so it is versioned with the article and travels with the
repository (push, clone, bundle). Its name is ``<stem>-<hash>.<ext>``: the stem comes
from the uploaded name, the hash from the content and the extension from the **checked**
type, so a name always means the same bytes and the published copy is the one reviewed.

Every file is checked by its content, never by its name: images are decoded whole with
Pillow (size in pixels bounded first), PDFs by their header and trailer, DOCX and XLSX by
their zip structure. SVG is refused, not sanitised: it is an XML program (scripts,
``foreignObject``, external references) that nh3, an HTML cleaner, cannot make safe, and
editors can export the same drawing as PNG. Anything else is refused with the reason.

An article body refers to its attachments with the project's own URL
``/-/files/<lang>/<slug>/<name>`` (the editor inserts the Markdown); publishing copies the
attachments the published text refers to, and nothing else, onto the published line.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from articles.errors import ArticleError
from articles.slugs import LANGUAGES
from articles.slugs import SLUG_RE
from articles.slugs import validate_lang
from articles.slugs import validate_slug

if TYPE_CHECKING:
    from articles.repository import GitRepository


@dataclass(frozen=True)
class FileType:
    """One accepted kind of file: the MIME type it is served with and its extension."""

    kind: str
    mime: str
    ext: str
    image: bool


#: Every kind the store can accept, by the name used in ``ATTACHMENT_TYPES``.
FILE_TYPES: dict[str, FileType] = {
    t.kind: t
    for t in (
        FileType("png", "image/png", "png", True),
        FileType("jpeg", "image/jpeg", "jpg", True),
        FileType("gif", "image/gif", "gif", True),
        FileType("webp", "image/webp", "webp", True),
        FileType("pdf", "application/pdf", "pdf", False),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            False,
        ),
        FileType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            False,
        ),
    )
}
#: Extension of a stored name -> its type (what the file is served as).
TYPES_BY_EXT = {t.ext: t for t in FILE_TYPES.values()}

#: Pillow's format name for each image kind.
_PIL_FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}

#: A stored attachment name: ``<stem>-<10 hex>.<ext>``.
NAME_RE = re.compile(r"([a-z0-9][a-z0-9-]{0,40})-([0-9a-f]{10})\.([a-z]{3,4})")
#: The URL prefix of attachments; an article refers to them by ``/-/files/<lang>/<slug>/<name>``.
URL_PREFIX = "/-/files/"
#: The reference the sanitiser lets through as an image source (nothing else is).
URL_RE = re.compile(
    r"/-/files/("
    + "|".join(LANGUAGES)
    + r")/("
    + SLUG_RE.pattern
    + r")/("
    + NAME_RE.pattern.replace("(", "(?:")
    + r")"
)
#: Folder suffix: an article's attachments are in ``<lang>/<slug>.files/``.
FOLDER_SUFFIX = ".files"

#: Uncompressed size a DOCX/XLSX may unpack to, as a multiple of its own size (zip bombs).
MAX_ZIP_RATIO = 100
MAX_ZIP_ENTRIES = 2000


@dataclass(frozen=True)
class AttachmentLimits:
    """What an upload may be: largest size, largest image area, the kinds accepted.

    :param max_bytes: largest file, in bytes.
    :param max_pixels: largest image, in pixels (width x height), checked before decoding.
    :param kinds: accepted kinds, keys of :data:`FILE_TYPES`.
    """

    max_bytes: int = 2 * 1024 * 1024
    max_pixels: int = 25_000_000
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(FILE_TYPES))


class AttachmentRefused(ArticleError):
    """An upload was refused; ``code`` says why and ``params`` hold the figures for messages.

    Codes: ``empty``, ``too_large``, ``svg``, ``html``, ``unknown_type``, ``kind_off``,
    ``broken_image``, ``too_many_pixels``, ``pixel_bomb``, ``broken_document``, ``macros``,
    ``no_article``.
    """

    def __init__(self, message: str, *, code: str, **params: object) -> None:
        super().__init__(message, code=code, field="file")
        self.params = params


class AttachmentInUse(ArticleError):
    """An attachment was not deleted because a text still shows it.

    Codes: ``in_published`` (the published version refers to it: operators see it, and
    the next publication of that text would lose it) and ``in_draft`` (the draft refers
    to it: take the reference out and save first).
    """

    def __init__(self, message: str, *, code: str, name: str) -> None:
        super().__init__(message, code=code, field="file")
        self.name = name


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks: its type, stored name and repository path."""

    type: FileType
    name: str
    path: str
    data: bytes = field(repr=False)
    width: int | None = None
    height: int | None = None

    @property
    def url(self) -> str:
        """The reference an article uses: ``/-/files/<lang>/<slug>/<name>``."""
        lang, rest = self.path.split("/", 1)
        slug = rest.split("/", 1)[0][: -len(FOLDER_SUFFIX)]
        return f"{URL_PREFIX}{lang}/{slug}/{self.name}"


def folder(lang: str, slug: str) -> str:
    """Return the folder of an article's attachments (``<lang>/<slug>.files``).

    :param lang: language.
    :param slug: slug.
    :returns: the repository path of the folder.
    :raises InvalidSlug: for a bad language or slug.
    """
    return f"{validate_lang(lang)}/{validate_slug(slug)}{FOLDER_SUFFIX}"


def attachment_path(lang: str, slug: str, name: str) -> str | None:
    """Return the repository path of an attachment, or ``None`` if ``name`` is not one.

    :param lang: language.
    :param slug: slug.
    :param name: a stored name (``<stem>-<hash>.<ext>``).
    :returns: ``<lang>/<slug>.files/<name>``, or ``None`` for any other name.
    """
    match = NAME_RE.fullmatch(name)
    if not match or match.group(3) not in TYPES_BY_EXT:
        return None
    return f"{folder(lang, slug)}/{name}"


def referenced(lang: str, slug: str, body: str) -> list[str]:
    """Names of this article's attachments that ``body`` refers to, in order, once each.

    :param lang: the article's language.
    :param slug: its slug.
    :param body: the Markdown body (or the whole file).
    :returns: stored names.
    """
    names = []
    for match in URL_RE.finditer(body):
        if match.group(1) == lang and match.group(2) == slug:
            names.append(match.group(3))
    return list(dict.fromkeys(names))


def is_attachment_url(url: str) -> bool:
    """Whether ``url`` is exactly an attachment reference of this project.

    >>> is_attachment_url("/-/files/ru/passport/scheme-0123456789.png")
    True
    >>> is_attachment_url("https://example.com/x.png")
    False

    :param url: a URL from rendered HTML.
    :returns: True for ``/-/files/<lang>/<slug>/<name>`` with a known extension.
    """
    match = URL_RE.fullmatch(url)
    return match is not None and match.group(3).rsplit(".", 1)[1] in TYPES_BY_EXT


def stored_name(original: str, data: bytes, file_type: FileType) -> str:
    """Return the stored name: the original's stem in ASCII, the content hash, the type's extension.

    >>> stored_name("Схема ЦОН.PNG", b"x", FILE_TYPES["png"])[-15:]
    '-2d711642b7.png'

    :param original: the uploaded file name (any language; only ASCII letters survive).
    :param data: the content.
    :param file_type: the checked type.
    :returns: a name matching :data:`NAME_RE`.
    """
    stem = original.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:40].strip("-")
    if not slug:
        slug = "image" if file_type.image else "file"
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{slug}-{digest}.{file_type.ext}"


def _looks_like_markup(head: bytes) -> str | None:
    """``"svg"``, ``"html"`` or ``None`` for the first bytes of a file."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").lower()
    if b"<svg" in head.lower() and (text.startswith(b"<") or b"<svg" in text[:1024]):
        return "svg"
    if text.startswith(b"<") or b"<html" in text or b"<script" in text or b"<body" in text:
        return "html"
    return None


def _sniff(data: bytes) -> str | None:
    """The kind the content's magic bytes claim, before it is checked further."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _check_image(data: bytes, kind: str, limits: AttachmentLimits) -> tuple[int, int]:
    """Decode the whole image; return its size. Raises :class:`AttachmentRefused`."""
    from PIL import Image  # imported on first upload: the reader does not need Pillow

    formats = [name for name, k in _PIL_FORMATS.items() if k == kind]
    try:
        with warnings.catch_warnings():
            # the limit below is the project's own (ATTACHMENT_MAX_PIXELS)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                width, height = image.size
                if width * height > limits.max_pixels:
                    raise AttachmentRefused(
                        f"The image is {width}x{height} pixels, more than the limit of "
                        f"{limits.max_pixels}: make it smaller and upload it again.",
                        code="too_many_pixels",
                        width=width,
                        height=height,
                        limit=limits.max_pixels,
                    )
                image.load()  # decodes every pixel: a truncated or forged image fails here
                # the frames of an animation too, within four images' worth of pixels
                frames = int(getattr(image, "n_frames", 1))
                budget = max(1, 4 * limits.max_pixels // max(1, width * height))
                for frame in range(1, min(frames, budget, 500)):
                    image.seek(frame)
                    image.load()
    except AttachmentRefused:
        raise
    except Image.DecompressionBombError:
        raise AttachmentRefused(
            f"The image claims far more than {limits.max_pixels} pixels: make it smaller "
            "and upload it again.",
            code="pixel_bomb",
            limit=limits.max_pixels,
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise AttachmentRefused(
            f"The file looks like a {kind.upper()} image but cannot be decoded ({exc}); it "
            "is damaged or not an image: save it again from the program that made it.",
            code="broken_image",
            kind=kind.upper(),
        ) from None
    return width, height


def _check_pdf(data: bytes) -> None:
    if not re.match(rb"%PDF-[12]\.\d", data[:8]) or b"%%EOF" not in data[-2048:]:
        raise AttachmentRefused(
            "The file starts like a PDF but is not a complete PDF document: export it "
            "again as PDF.",
            code="broken_document",
            kind="PDF",
        )


def _check_office(data: bytes, limits: AttachmentLimits) -> str:
    """Return ``docx`` or ``xlsx`` for a well-formed Office document (no macros)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            unpacked = sum(info.file_size for info in infos)
            if len(infos) > MAX_ZIP_ENTRIES or unpacked > MAX_ZIP_RATIO * max(len(data), 1):
                raise zipfile.BadZipFile("it unpacks to far more than its size")
            if "[Content_Types].xml" not in names:
                raise zipfile.BadZipFile("no [Content_Types].xml")
            if "word/document.xml" in names:
                kind = "docx"
            elif "xl/workbook.xml" in names:
                kind = "xlsx"
            else:
                raise zipfile.BadZipFile("neither word/document.xml nor xl/workbook.xml")
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise AttachmentRefused(
                    "The document contains macros: save it as a plain .docx or .xlsx "
                    "(without macros) and upload it again.",
                    code="macros",
                )
            bad = archive.testzip()
            if bad is not None:
                raise zipfile.BadZipFile(f"damaged part {bad}")
    except AttachmentRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise AttachmentRefused(
            f"The file is a zip archive but not a valid Word or Excel document ({exc}): "
            "save it again as .docx or .xlsx.",
            code="broken_document",
            kind="DOCX/XLSX",
        ) from None
    return kind


def check(
    data: bytes, original_name: str, lang: str, slug: str, limits: AttachmentLimits
) -> Checked:
    """Check an upload by its content and return it with its stored name and path.

    :param data: the file's bytes.
    :param original_name: its name as uploaded (only for the stored name and messages).
    :param lang: the article's language.
    :param slug: the article's slug.
    :param limits: size, pixel and kind limits.
    :returns: the checked file.
    :raises AttachmentRefused: naming the problem and the fix.
    """
    folder(lang, slug)  # validates both
    if not data:
        raise AttachmentRefused("The file is empty: choose the file again.", code="empty")
    if len(data) > limits.max_bytes:
        raise AttachmentRefused(
            f"The file is {len(data)} bytes, more than the limit of {limits.max_bytes}: "
            "make it smaller (a lower resolution, or a PDF instead of scans) and upload it "
            "again.",
            code="too_large",
            size=len(data),
            limit=limits.max_bytes,
        )
    kind = _sniff(data)
    if kind is None:
        markup = _looks_like_markup(data[:4096])
        if markup == "svg":
            raise AttachmentRefused(
                "SVG drawings are not accepted (they can carry scripts): export the drawing "
                "as PNG and upload that.",
                code="svg",
            )
        if markup == "html":
            raise AttachmentRefused(
                f"{original_name[:80]!r} holds HTML or text, not an image or document, "
                "whatever its name says: upload the real PNG, JPEG, GIF, WebP, PDF, DOCX "
                "or XLSX file.",
                code="html",
                name=original_name[:80],
            )
        raise AttachmentRefused(
            f"{original_name[:80]!r} is not a PNG, JPEG, GIF, WebP, PDF, DOCX or XLSX file: "
            "convert it to one of those and upload it again.",
            code="unknown_type",
            name=original_name[:80],
        )
    width = height = None
    if kind == "zip":
        kind = _check_office(data, limits)
    elif kind == "pdf":
        _check_pdf(data)
    if kind not in limits.kinds:
        raise AttachmentRefused(
            f"{kind.upper()} files are not accepted here (ATTACHMENT_TYPES): upload one of "
            f"{', '.join(sorted(limits.kinds))}.",
            code="kind_off",
            kind=kind.upper(),
            allowed=", ".join(sorted(limits.kinds)),
        )
    file_type = FILE_TYPES[kind]
    if file_type.image:
        width, height = _check_image(data, kind, limits)
    name = stored_name(original_name, data, file_type)
    return Checked(
        type=file_type,
        name=name,
        path=f"{folder(lang, slug)}/{name}",
        data=data,
        width=width,
        height=height,
    )


def markdown_reference(checked: Checked, label: str) -> str:
    """The Markdown the editor inserts: an image, or a link to download a document.

    :param checked: the stored attachment.
    :param label: alt text or link text (the original file name).
    :returns: ``![label](url)`` or ``[label](url)``.
    """
    clean = " ".join(re.sub(r"[\[\]\\]+", " ", label).split())[:120] or checked.name
    prefix = "!" if checked.type.image else ""
    return f"{prefix}[{clean}]({checked.url})"


def attachment_changes(
    repo: GitRepository,
    lang: str,
    slug: str,
    body: str,
    *,
    sources: list[str],
    target: str,
) -> dict[str, str | None]:
    """Tree changes that make ``target``'s attachment folder hold what ``body`` refers to.

    :param repo: the repository.
    :param lang: language.
    :param slug: slug.
    :param body: the text being published.
    :param sources: commits to take the files from, first found wins (the draft head,
        then for a rollback the version rolled back to).
    :param target: the published-line commit the changes apply to.
    :returns: ``{path: blob or None}`` for :meth:`GitRepository.build_tree`.
    """
    base = folder(lang, slug)
    wanted: dict[str, str] = {}
    for name in referenced(lang, slug, body):
        path = f"{base}/{name}"
        for source in sources:
            blob = repo.blob_id_at(source, path)
            if blob is not None:
                wanted[path] = blob
                break
    present = repo.ls_tree(target, [base]) if repo.has_tree(target, base) else {}
    changes: dict[str, str | None] = {p: None for p in present if p not in wanted}
    changes.update({p: b for p, b in wanted.items() if present.get(p) != b})
    return changes
