"""Top-k ranking over cached per-word scores, with coordination and early pruning.

Whoosh's matcher tree and collectors cost a few microseconds per matching document in
pure Python, which on 20,000 documents made a ten-word question take tens of
milliseconds. The scores themselves still come from Whoosh (its postings and BM25F
scorer); ``search.bm25`` reads them once per word into a ``{docnum: score}`` dict that
stays cached (:class:`ScoreCache`) until the index changes. Ranking is then dictionary
arithmetic:

- words are taken rarest first;
- once the k-th best partial score beats anything a document not yet seen could reach
  with the remaining words (the "MaxScore" bound), the remaining common words only
  update the candidates already found instead of adding every document they occur in;
- the final score is the sum of the word scores times ``1 + coord * matched / all``,
  where words count by weight (their best score, which follows their idf), so documents
  that match more of the query's informative words rank higher (the AND preference).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from time import perf_counter

from search.caches import LruCache

#: Scores for one word: document number -> score.
WordScores = dict[int, float]


class SlotScores(dict[int, float]):
    """A word's scores, and the documents that match it only in part.

    :param scores: document number -> score.
    :param partial: documents that have only some words of the multi-word terms the
        word matched through (they score, but do not count as matching the word).
    """

    def __init__(self, scores: WordScores, partial: frozenset[int] = frozenset()) -> None:
        super().__init__(scores)
        self.partial = partial


@dataclass(frozen=True)
class Ranking:
    """The best documents of one query.

    :param top: ``(docnum, score)`` pairs, best first.
    :param total: documents matching at least one word (a lower bound after pruning).
    :param timed_out: True when the deadline cut the ranking short.
    """

    top: tuple[tuple[int, float], ...]
    total: int
    timed_out: bool = False


class ScoreCache(LruCache[WordScores]):
    """Per-word score dicts, bounded by the postings they hold (about 100 bytes each).

    :param max_postings: evict least recently used entries beyond this many postings.
    """

    def __init__(self, max_postings: int = 1_500_000) -> None:
        super().__init__(max_postings, weigh=len)


def rank(
    words: Sequence[WordScores],
    limit: int,
    *,
    coord: float = 0.0,
    allowed: Collection[int] | None = None,
    deadline: float | None = None,
) -> Ranking:
    """Rank documents by the sum of their word scores, with a coordination factor.

    :param words: one score dict per query word.
    :param limit: how many documents to return.
    :param coord: documents matching all words score ``1 + coord`` times their sum.
    :param allowed: only these document numbers may be returned (None: all).
    :param deadline: a ``time.perf_counter()`` value after which ranking stops.
    :returns: the ranking.
    """
    if allowed is not None:
        words = [{d: s for d, s in w.items() if d in allowed} for w in words]
    order = sorted((w for w in words if w), key=len)
    if not order:
        return Ranking((), 0)
    # Upper bounds of what the remaining words can still add to one document.
    maxima = [max(w.values()) for w in order]
    remaining = [0.0] * (len(order) + 1)
    for i in range(len(order) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + maxima[i]
    # Coordination counts words by weight (their best score, which follows their idf),
    # so matching a rare word counts for more than matching "какой" or "қандай".
    total_weight = sum(maxima) or 1.0
    scores: dict[int, float] = dict(order[0])
    matched: dict[int, float] = dict.fromkeys(order[0], maxima[0])
    timed_out = False
    for i in range(1, len(order)):
        if deadline is not None and perf_counter() > deadline:
            timed_out = True
            break
        word = order[i]
        weight = maxima[i]
        closed = False
        if len(scores) >= limit and len(word) > len(scores):
            # A document not seen yet gets at most the remaining words' maxima, scaled by
            # the best coordination it could reach; if the k-th best candidate already
            # beats that, no new document can enter the top k.
            kth = heapq.nlargest(limit, scores.values())[-1]
            closed = kth > remaining[i] * (1.0 + coord * remaining[i] / total_weight)
        if closed:
            get = word.get
            for d in scores:
                value = get(d)
                if value is not None:
                    scores[d] += value
                    matched[d] += weight
        else:
            for d, value in word.items():
                if d in scores:
                    scores[d] += value
                    matched[d] += weight
                else:
                    scores[d] = value
                    matched[d] = weight
    if coord:
        factor = coord / total_weight
        final = ((s * (1.0 + factor * matched[d]), d) for d, s in scores.items())
    else:
        final = ((s, d) for d, s in scores.items())
    top = heapq.nlargest(limit, final)
    return Ranking(tuple((d, s) for s, d in top), len(scores), timed_out)


def informative(
    frequencies: Sequence[int], doc_count: int, *, share: float = 0.25, min_words: int = 4
) -> list[int]:
    """Pick the words of a long query worth scoring (Lucene's "common terms" policy).

    A word in more than ``share`` of the documents adds almost nothing to BM25 but costs
    the most to score; in a query of ``min_words`` words or more it is left out, keeping
    at least ``min_words - 1`` of the rarest words.

    :param frequencies: the document frequency of each word.
    :param doc_count: documents in the index.
    :param share: the frequency share above which a word is common.
    :param min_words: queries shorter than this keep every word.
    :returns: the indexes of the words to keep, in query order.
    """
    if len(frequencies) < min_words or not doc_count:
        return list(range(len(frequencies)))
    keep = max(min_words - 1, sum(f <= share * doc_count for f in frequencies))
    rarest = sorted(range(len(frequencies)), key=lambda i: frequencies[i])[:keep]
    return sorted(rarest)


#: Queries with more informative words than this are long (a pasted text): only the
#: words the index knows count, and half of them must match.
LONG_QUERY_WORDS = 6
#: Share of a long query's known informative words a hit must match.
LONG_QUERY_COVERAGE = 0.5


def coverage_needed(words: int) -> int:
    """How many of a query's informative words a hit must match not to be a weak match.

    Lucene's ``minimum_should_match`` idea for a question typed on a call: up to three
    words, all of them (``водительское удостоверение иностранцу`` must not be answered by
    the ИИН article for its two other words); four to six, all but one; longer (a pasted
    text), half.

    :param words: the informative words (searched, not common, plus unknown ones).
    :returns: the number of them a strong hit matches.
    """
    if words <= 3:
        return words
    if words <= LONG_QUERY_WORDS:
        return words - 1
    return math.ceil(LONG_QUERY_COVERAGE * words)


#: Strong hits are moved before weak ones only in queries of at most this many scored
#: words (an operator's few key words); in longer questions BM25's own coordination
#: ranks better (benchmarks.quality --limit 300: kazqad_kk MRR 0.754 without the move,
#: 0.722 with it for every query).
STRONG_FIRST_MAX_WORDS = 3
#: The best this many documents are sorted into strong and weak matches (a strong one
#: ranked below the first page still reaches it).
COVERAGE_POOL = 30


def matched_words(docnum: int, words: Sequence[WordScores]) -> int:
    """How many of the query's words (their score dicts) a document matches in full."""
    return sum(
        docnum in scores and docnum not in getattr(scores, "partial", ()) for scores in words
    )


def strong_first(
    top: Sequence[tuple[int, float]], words: Sequence[WordScores], needed: int, limit: int
) -> tuple[tuple[tuple[int, float], ...], bool]:
    """Put the hits that match ``needed`` of the words before the weak ones.

    Each group keeps its score order, so this only demotes a hit that scored high on
    part of the question (a rare word in its title) below one that answers all of it.

    :param top: ``(docnum, score)`` pairs, best first (a pool larger than ``limit``).
    :param words: the query's score dicts (one per scored word).
    :param needed: words a strong hit matches (:func:`coverage_needed`).
    :param limit: how many hits to return.
    :returns: the first ``limit`` hits, and True when none of them is strong (the
        result is a weak match: shown as such and counted as a gap).
    """
    strong = [hit for hit in top if matched_words(hit[0], words) >= needed]
    if not strong:
        return tuple(top[:limit]), bool(top)
    if len(words) > STRONG_FIRST_MAX_WORDS:
        return tuple(top[:limit]), False
    weak = [hit for hit in top if matched_words(hit[0], words) < needed]
    return tuple((strong + weak)[:limit]), False
