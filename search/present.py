"""The last stage: ranked documents become hits, in the caller's language first.

Hits are built from stored fields, with a snippet that marks the words whose index keys
meet the query's (:mod:`search.snippets`). When both versions of an article are among
the hits, the one in the caller's (or the query's) language takes the better place.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from search.keys import fold
from search.keys import index_keys_of
from search.plan import Plan
from search.results import Hit
from search.schema import field_lang
from search.snippets import WordMatcher
from search.snippets import make_snippet
from search.view import IndexView


def present(view: IndexView, ranked: Sequence[tuple[int, float]], plan: Plan) -> tuple[Hit, ...]:
    """Build the hits of ranked documents, the caller's language version first.

    :param view: the index state the documents were ranked in.
    :param ranked: ``(docnum, score)`` pairs, best first (the page to show).
    :param plan: the query's plan (its keys mark the snippets, its language orders).
    :returns: the hits.
    """
    stored = [(view.stored_fields(docnum), score) for docnum, score in ranked]
    matchers: dict[str, WordMatcher] = {}
    return tuple(
        _hit(fields, score, plan, matchers) for fields, score in caller_first(stored, plan.lang)
    )


def caller_first(
    hits: Sequence[tuple[Mapping[str, Any], float]], lang: str | None
) -> tuple[tuple[Mapping[str, Any], float], ...]:
    """Put the caller's language version of each article before its translation.

    When both versions of an article (one translation group ``id``) are among the hits,
    the one in ``lang`` takes the better of the two places and its translation the other;
    nothing else moves. Competent bodies are paired the same way.

    :param hits: ``(stored fields, score)`` pairs, best first.
    :param lang: the caller's (or the query's) language, or None to keep the order.
    :returns: the hits in their new order.
    """
    if lang is None:
        return tuple(hits)
    groups: dict[tuple[str, str], list[int]] = {}
    for position, (fields, _score) in enumerate(hits):
        key = (str(fields.get("kind", "")), str(fields.get("id", "")))
        groups.setdefault(key, []).append(position)
    out = list(hits)
    for places in groups.values():
        if len(places) < 2:
            continue
        members = sorted(places, key=lambda p: (hits[p][0].get("lang") != lang, p))
        for place, member in zip(places, members, strict=True):
            out[place] = hits[member]
    return tuple(out)


def _hit(
    fields: Mapping[str, Any], score: float, plan: Plan, matchers: dict[str, WordMatcher]
) -> Hit:
    """Build a hit with its snippet from stored fields.

    :param matchers: per analysis language, the query's word matcher (shared by hits).
    """
    lang = fields.get("lang", "")
    analysed_as = field_lang(lang)
    matcher = matchers.get(analysed_as)
    if matcher is None:
        matcher = matchers[analysed_as] = WordMatcher(index_keys_of(analysed_as), plan.keys, fold)
    text = "\n".join(part for part in (fields.get("answer"), fields.get("text")) if part)
    snippet = make_snippet(text, matcher)
    agencies = tuple(a for a in (fields.get("agencies") or "").split(",") if a)
    return Hit(
        id=fields.get("id", ""),
        lang=lang,
        title=fields.get("title", ""),
        score=score,
        snippet=snippet,
        url=fields.get("url", ""),
        kind=fields.get("kind", "article"),
        category=fields.get("category", ""),
        agencies=agencies,
        review_by=fields.get("review_by"),
        valid_until=fields.get("valid_until"),
        key=fields.get("key", ""),
    )
