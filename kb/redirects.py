"""The one check for every redirect target taken from a request (``next`` and the like).

A target is accepted only when a browser cannot read it as another site: a path on this
site, starting with a single ``/``, with no backslash, no control character (browsers drop
tabs and line breaks, so ``/\\t/evil.example`` becomes ``//evil.example``; a CR or LF would
also break the ``Location`` header) and no scheme or host once parsed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: Longest target kept (a longer one is not a page of ours).
MAX_TARGET_CHARS = 2000


def local_target(target: object, fallback: str) -> str:
    """Return ``target`` if it is a path on this site, else ``fallback``.

    >>> local_target("/-/edit/?q=1", "/")
    '/-/edit/?q=1'
    >>> [local_target(t, "/") for t in ("//evil.example", "/\\t/evil.example", "/\\\\evil")]
    ['/', '/', '/']

    :param target: the value from the request (any type; non-strings are refused).
    :param fallback: where to go instead, normally ``url_for(...)`` of a known page.
    :returns: a safe, site-local target.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET_CHARS:
        return fallback
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in target):
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:
        return fallback
    if parts.scheme or parts.netloc:
        return fallback
    return target
