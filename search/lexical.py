"""The third stage, lexical: a plan's BM25F scores ranked into candidates.

Every slot's scores are read once per index state (:func:`search.bm25.slot_scores`) and
kept in a :class:`search.ranking.ScoreCache`; ranking (:func:`search.ranking.rank`) sums
them with the coordination factor and MaxScore-style pruning. In queries of
``COMMON_MIN_WORDS`` words or more, words in more than ``COMMON_WORD_SHARE`` of the
documents are left out (Lucene's "common terms"). Quoted phrases restrict the documents.
The best ``COVERAGE_POOL`` are then sorted into strong and weak matches
(:func:`search.ranking.strong_first`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from search.analysis.filters import STEM_MARK
from search.bm25 import slot_scores
from search.candidates import Candidates
from search.plan import Plan
from search.ranking import COVERAGE_POOL
from search.ranking import LONG_QUERY_WORDS
from search.ranking import ScoreCache
from search.ranking import WordScores
from search.ranking import coverage_needed
from search.ranking import informative
from search.ranking import rank
from search.ranking import strong_first
from search.view import IndexView
from search.weights import COORD_WEIGHT

#: In queries of COMMON_MIN_WORDS words or more, words found in more than this share of
#: the documents are left out (see search.ranking.informative).
COMMON_WORD_SHARE = 0.25
COMMON_MIN_WORDS = 4


def retrieve(
    view: IndexView,
    plan: Plan,
    limit: int,
    allowed: set[int] | None,
    deadline: float,
    cache: ScoreCache,
) -> Candidates:
    """Rank a plan's documents under the time budget.

    :param view: the index state.
    :param plan: the query's plan.
    :param limit: the hits the caller will show (at least ``COVERAGE_POOL`` are ranked).
    :param allowed: only these docnums (the filters), or None for all.
    :param deadline: a ``time.perf_counter()`` value.
    :param cache: the slots' scores kept per index state.
    :returns: the ranked pool, strong matches first in short queries.
    """
    if not plan.slots and not plan.phrases:
        return Candidates()
    if time.perf_counter() >= deadline:
        return Candidates(timed_out=True)
    timed_out = False
    if plan.phrases:
        allowed, timed_out = view.phrase_docs(plan.phrases, allowed, deadline)
    words = []
    # A word's frequency is its lemma's or stem's: the coarser stem key (``_``) would
    # make a rare word look common.
    frequencies = [
        max(
            (
                view.doc_frequency(leaf.field, leaf.text)
                for leaf in slot
                if not leaf.text.startswith(STEM_MARK)
            ),
            default=0,
        )
        for slot in plan.slots
    ]
    kept = informative(
        frequencies,
        view.doc_count_all(),
        share=COMMON_WORD_SHARE,
        min_words=COMMON_MIN_WORDS,
    )
    for slot in (plan.slots[i] for i in kept):
        key = (view.state, slot)
        scores = cache.get(key)
        if scores is None:
            scores, complete = slot_scores(view, slot, deadline)
            if complete:
                cache.put(key, scores)
            else:
                timed_out = True
        words.append(scores)
    if not words:
        # A phrase of stop words only: every document with the phrase, in index order.
        words = [dict.fromkeys(sorted(allowed or ()), 1.0)]
    pool = max(limit, COVERAGE_POOL)
    ranking = rank(words, pool, coord=COORD_WEIGHT, allowed=allowed, deadline=deadline)
    counted = [w for w, i in zip(words, kept, strict=False) if not _optional(plan, i)]
    top, weak = strong_first(ranking.top, counted, _needed(plan, counted), len(ranking.top))
    return Candidates(top, ranking.total, timed_out or ranking.timed_out, weak)


def _optional(plan: Plan, slot: int) -> bool:
    """Whether a hit need not match the plan's ``slot`` (a stop word of one language)."""
    return slot < len(plan.optional) and plan.optional[slot]


def _needed(plan: Plan, words: Sequence[WordScores]) -> int:
    """How many of the plan's scored words a hit must match not to be weak.

    Common words left out of a long query do not count; words the index does not know
    count against every hit in a short query and are ignored in a long one (a pasted
    text holds names and numbers no article has). A quoted phrase already demands its
    words: nothing more is needed.
    """
    if plan.phrases:
        return 0
    informative_words = len(words)
    if informative_words + plan.unknown <= LONG_QUERY_WORDS:
        informative_words += plan.unknown
    return coverage_needed(informative_words)
