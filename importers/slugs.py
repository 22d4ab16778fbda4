"""Slugs from Kazakh and Russian titles: transliterated, ``[a-z0-9-]+``, at most 80 characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from articles.slugs import SLUG_RE

__all__ = ["MAX_SLUG_LENGTH", "SLUG_RE", "slugify", "transliterate", "unique_slug"]

MAX_SLUG_LENGTH = 80

# Russian letters in a plain, readable scheme (close to the passport one), plus the nine
# Kazakh-specific letters mapped to the Latin letter an operator would type for them.
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
    "і": "i", "№": " ",
}  # fmt: skip

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def transliterate(text: str) -> str:
    """Spell Cyrillic (Russian and Kazakh) text in Latin letters, lower-cased.

    :param text: any text; Latin letters and digits pass through, accents are dropped.
    :returns: the lower-cased transliteration.
    """
    out: list[str] = []
    for char in text.lower():
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
        else:
            # "é" -> "e"; characters without an ASCII base vanish.
            decomposed = unicodedata.normalize("NFKD", char)
            out.append(decomposed.encode("ascii", "ignore").decode("ascii") or " ")
    return "".join(out).lower()


def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """Make a slug of ``text``: transliterated, ``[a-z0-9-]+``, cut at a word boundary.

    :param text: a title or an id, in any script.
    :param max_length: the longest slug returned.
    :returns: the slug, or ``""`` when ``text`` holds no letter or digit.
    """
    slug = _NOT_SLUG.sub("-", transliterate(text)).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        # Keep whole words when a hyphen is near enough; else a hard cut.
        boundary = cut.rfind("-")
        slug = cut[:boundary] if boundary >= max_length // 2 else slug[:max_length]
        slug = slug.strip("-")
    return slug


def unique_slug(base: str, taken: Collection[str], max_length: int = MAX_SLUG_LENGTH) -> str:
    """Return ``base``, or ``base-2``, ``base-3``... whichever is not in ``taken``.

    :param base: a slug as made by :func:`slugify` (not empty).
    :param taken: slugs already used in the target language.
    :param max_length: the longest slug returned; ``base`` is shortened to fit a suffix.
    :returns: a slug not in ``taken``.
    """
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1
