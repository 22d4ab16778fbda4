"""BM25F scores of one query word (a plan's slot), read from the index's postings.

The formula is Whoosh's BM25F, but the postings are read a block at a time and the
document lengths come from a list read once per index state (:class:`IndexView`):
Whoosh's matcher and scorer cost several Python calls per posting. ``K1``/``B`` are per
language (``BM25_BODY``), ``B`` is ``BM25_TITLE_B`` for titles, and the ``(K1 + 1)``
factor is Kazakh's for both languages, so a word matched in both scores alike.

Within a slot, the terms of one group add up over the fields and the slot takes its
best group (a word with two readings, or a typo near two terms, counts once).
"""

from __future__ import annotations

from collections.abc import Sequence
from time import perf_counter

from search.ranking import SlotScores
from search.ranking import WordScores
from search.terms import Leaf
from search.view import IndexView
from search.weights import BM25_B
from search.weights import BM25_BODY
from search.weights import BM25_K1
from search.weights import BM25_TITLE_B


def slot_scores(
    view: IndexView, slot: tuple[Leaf, ...], deadline: float | None = None
) -> tuple[SlotScores, bool]:
    """Read the BM25F scores of a slot's terms from the index: ``{docnum: score}``.

    :param view: the index state.
    :param slot: the terms of one query word.
    :param deadline: a ``time.perf_counter()`` value after which reading stops.
    :returns: the summed, boosted scores per document, and False when the deadline cut
        the reading short (such scores must not be cached).
    """
    groups: dict[str, WordScores] = {}
    parts = _group_parts(slot)
    # Multi-word groups: which of their words each document has.
    seen: dict[str, dict[int, set[int]]] = {g: {} for g, n in parts.items() if n > 1}
    for leaf in slot:
        scores = groups.setdefault(leaf.group, {})
        has = seen.get(leaf.group)
        k1, b = BM25_BODY.get(leaf.field[-2:], (BM25_K1, BM25_B))
        if leaf.field.startswith("title_"):
            b = BM25_TITLE_B
        avg = view.avg_field_length(leaf.field) or 1.0
        lengths = view.field_lengths(leaf.field)
        # (K1 + 1) scales the saturated score; one value for both languages keeps a
        # Kazakh and a Russian match of one word comparable (0.6 for Russian alone put
        # kk/passport above ru/passport for the Russian word паспорт).
        weight = view.idf(leaf.field, leaf.text) * (BM25_K1 + 1.0) * leaf.boost
        base, slope = k1 * (1.0 - b), k1 * b / avg
        get = scores.get
        for docnums, frequencies in view.postings(leaf.field, leaf.text):
            for docnum, tf in zip(docnums, frequencies, strict=True):
                scores[docnum] = get(docnum, 0.0) + weight * tf / (
                    tf + base + slope * lengths[docnum]
                )
            if has is not None and leaf.part >= 0:
                for docnum in docnums:
                    has.setdefault(docnum, set()).add(leaf.part)
            if deadline is not None and perf_counter() > deadline:
                return _best_of(groups, seen, parts), False
    return _best_of(groups, seen, parts), True


def _group_parts(slot: Sequence[Leaf]) -> dict[str, int]:
    """How many words each group of a slot has (its distinct parts)."""
    parts: dict[str, set[int]] = {}
    for leaf in slot:
        found = parts.setdefault(leaf.group, set())
        if leaf.part >= 0:
            found.add(leaf.part)
    return {group: len(found) for group, found in parts.items()}


def _best_of(
    groups: dict[str, WordScores],
    seen: dict[str, dict[int, set[int]]] | None = None,
    parts: dict[str, int] | None = None,
) -> SlotScores:
    """Per document, the score of its best-matching group, and the partial matches.

    A document is a partial match of the slot when every group it matches is a
    multi-word term of which it has only some words (``удостоверение`` alone for
    ``водительское удостоверение``).
    """
    complete: set[int] = set()
    partial_only = False
    for group, scores in groups.items():
        has = (seen or {}).get(group)
        if has is None:
            complete.update(scores)
        else:
            partial_only = True
            need = (parts or {}).get(group, 0)
            complete.update(d for d, found in has.items() if len(found) >= need)
    if len(groups) == 1:
        best = next(iter(groups.values()))
    else:
        best = {}
        for scores in groups.values():
            for docnum, value in scores.items():
                if value > best.get(docnum, 0.0):
                    best[docnum] = value
    partial = frozenset(d for d in best if d not in complete) if partial_only else frozenset()
    return SlotScores(best, partial)
