"""The article picker of the course workspace: published articles found by the project's
own search (Kazakh and Russian morphology, typos, keyboard layouts), one JSON list.

The trainer types words; :func:`find_articles` asks the same search the operators use for
published articles only and returns what the picker lists: the ``lang/slug`` key the
course file stores, the title and the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.services import KnowledgeBase

#: Results the picker lists.
LIMIT = 12
#: Longest query the picker sends (the operator screen's own limit is higher).
MAX_QUERY_CHARS = 200
LANGS = ("kk", "ru")


@dataclass(frozen=True)
class PickerQuery:
    """What the picker asks: the words and, optionally, one language."""

    q: str
    lang: str | None


class PickerInputError(ValueError):
    """A picker request that cannot be answered (the message names the fix)."""


def parse_query(args: Any) -> PickerQuery:
    """Read ``q`` and ``lang`` from request arguments.

    :param args: a mapping with ``get`` (``request.args``).
    :returns: the query.
    :raises PickerInputError: for an unknown language or a query that is too long.
    """
    q = str(args.get("q", "")).strip()
    lang = str(args.get("lang", "")).strip() or None
    if lang is not None and lang not in LANGS:
        raise PickerInputError("lang")
    if len(q) > MAX_QUERY_CHARS:
        raise PickerInputError("q")
    return PickerQuery(q, lang)


def find_articles(kb: KnowledgeBase, query: PickerQuery) -> list[dict[str, str]]:
    """Published articles matching the query, best first.

    :param kb: the knowledge base.
    :param query: the words and language.
    :returns: ``[{key, lang, title}]`` (empty for an empty query).
    """
    if not query.q:
        return []
    result = kb.search(query.q, lang=query.lang, limit=LIMIT, filters={"kind": "article"})
    return [
        {"key": hit.key, "lang": hit.lang, "title": hit.title}
        for hit in result.hits
        if hit.kind == "article" and hit.key
    ]
