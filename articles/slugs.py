"""Allow-lists for slugs, ids, languages, paths and revisions (before git sees them)."""

from __future__ import annotations

import re

from articles.errors import InvalidRevision
from articles.errors import InvalidSlug

#: Languages an article folder may have.
LANGUAGES = ("kk", "ru", "en")

#: Slugs and ids: lowercase ASCII letters, digits and hyphens, at most 80 characters.
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")

#: Revisions: abbreviated or full hex commit ids.  Anything else (``--upload-pack=``,
#: ``HEAD~1``, ``main``...) never reaches git, see CWE-88.
REVISION_RE = re.compile(r"[0-9a-f]{4,40}")

#: Symbolic names accepted wherever a revision is: the head of a line.
LINE_NAMES = {"draft": "refs/heads/main", "published": "refs/heads/published"}


def validate_slug(slug: object, *, what: str = "slug") -> str:
    """Return ``slug`` if it matches :data:`SLUG_RE`.

    >>> validate_slug("passport-replacement")
    'passport-replacement'

    :param slug: candidate slug or id.
    :param what: name used in the message (``"slug"`` or ``"id"``).
    :returns: the slug, unchanged.
    :raises InvalidSlug: if it has ``/``, ``..``, capitals, spaces or is too long.
    """
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        shown = repr(slug)[:100]
        hint = ""
        if isinstance(slug, str) and ("/" in slug or ".." in slug or "\\" in slug):
            hint = " Path separators and '..' are not allowed."
        raise InvalidSlug(
            f"Invalid {what} {shown}.{hint} Use 1-80 lowercase latin letters, digits and "
            f"hyphens, starting with a letter or digit (e.g. 'passport-replacement').",
            code=f"invalid_{what}",
            field=what,
        )
    return slug


def validate_lang(lang: object) -> str:
    """Return ``lang`` if it is one of :data:`LANGUAGES`.

    :param lang: candidate language code.
    :returns: the code.
    :raises InvalidSlug: for any other value.
    """
    if lang not in LANGUAGES:
        raise InvalidSlug(
            f"Invalid language {str(lang)[:20]!r}. Use one of: {', '.join(LANGUAGES)}.",
            code="invalid_lang",
            field="lang",
        )
    return str(lang)


def validate_revision(revision: object) -> str:
    """Return ``revision`` if it is hex (4-40 digits) or a line name.

    >>> validate_revision("draft")
    'draft'

    :param revision: candidate revision.
    :returns: the revision, lowercased.
    :raises InvalidRevision: for anything else.
    """
    if isinstance(revision, str):
        low = revision.lower()
        if low in LINE_NAMES or REVISION_RE.fullmatch(low):
            return low
    raise InvalidRevision(
        f"Invalid revision {repr(revision)[:60]}: use a hexadecimal commit id "
        f"(4-40 digits) from the history, or 'draft' / 'published'.",
        field="revision",
    )


def article_path(lang: str, slug: str) -> str:
    """Return the repository path of an article after validating both parts.

    >>> article_path("ru", "passport")
    'ru/passport.md'

    :param lang: language folder.
    :param slug: article slug.
    :returns: ``<lang>/<slug>.md``.
    :raises InvalidSlug: if either part fails its allow-list.
    """
    return f"{validate_lang(lang)}/{validate_slug(slug)}.md"


def workflow_path(lang: str, slug: str) -> str:
    """Return the path of an article's workflow record (``.workflow/<lang>/<slug>.yaml``).

    :param lang: language folder.
    :param slug: article slug.
    :returns: the path.
    :raises InvalidSlug: if either part fails its allow-list.
    """
    return f".workflow/{validate_lang(lang)}/{validate_slug(slug)}.yaml"


def split_article_path(path: str) -> tuple[str, str] | None:
    """Return ``(lang, slug)`` for an article path, or ``None`` for any other path.

    >>> split_article_path("kk/pasport.md")
    ('kk', 'pasport')

    :param path: repository path.
    :returns: the pair or ``None``.
    """
    lang, sep, name = path.partition("/")
    if not sep or lang not in LANGUAGES or not name.endswith(".md"):
        return None
    slug = name[:-3]
    return (lang, slug) if SLUG_RE.fullmatch(slug) else None
