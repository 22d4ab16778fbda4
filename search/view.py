"""Everything the query pipeline reads from Whoosh's storage, in one place.

:class:`IndexView` is one searcher's view of the index: term statistics, postings read a
block at a time, per-document field lengths, stored fields, filter and phrase matches,
and the vocabulary (for typo lookups). The rest of ``search/`` asks it and never touches
Whoosh's readers, matchers or collectors.

Two reads go past Whoosh's public API, because the API costs several Python calls per
posting or per document (half of a query's time on 20,000 documents):

- :func:`term_postings` reads the decoded blocks of Whoosh 3's on-disk leaf matcher
  (``W3LeafMatcher._data``, ``_weights``, ``_byteids``, ``_read_data``,
  ``_read_weights``, ``_next_block``: whoosh-reloaded 2.7);
- :meth:`IndexView.field_lengths` reads the lengths once per segment and keeps them;
- :func:`reopen_searcher` opens the latest generation keeping the open segment readers
  of the segments that are still live (``FileIndex._read_toc``, ``SegmentReader._segment``
  and ``_perdoc._segment``), with the new generation's deletions.

``tests/search/test_view.py`` checks both, and every other read here, against the public
API on a small multi-segment index with deletions; no other module of ``search/``
accesses a private attribute of a Whoosh object (the same test checks that too).
"""

from __future__ import annotations

import copy
import heapq
import time
from bisect import bisect_left
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TimeLimit
from whoosh.collectors import TimeLimitCollector
from whoosh.index import Index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import EmptyReader
from whoosh.reading import IndexReader
from whoosh.reading import MultiReader
from whoosh.reading import SegmentReader
from whoosh.reading import TermNotFound
from whoosh.scoring import Weighting
from whoosh.searching import Searcher

from search.schema import TEXT_FIELDS

#: Entries of the shared document-frequency cache before it is cleared.
MAX_DF_CACHE = 500_000

#: A quoted phrase as the plan states it: alternatives ``(field, keys)``, one of which a
#: hit must match (one key: the term; more: the keys in order).
Phrase = tuple[tuple[str, tuple[str, ...]], ...]

#: Identifies one index state (an opened index's serial, the reader's generation).
StateKey = tuple[int, int | None]


class ReadCaches:
    """What is read once per index state and shared by every thread's queries.

    Document frequencies (a term lookup costs tens of microseconds per segment) and
    every document's length per field are kept for the current index state; the lengths
    are also kept per segment, so after a publish only the new small segment is read.
    """

    def __init__(self) -> None:
        self._dfs: tuple[StateKey | None, dict[tuple[str, str], int]] = (None, {})
        self._lengths: tuple[StateKey | None, dict[str, list[int]]] = (None, {})
        self._segment_lengths: dict[tuple[str, str], list[int]] = {}
        self._segment_terms: dict[tuple[str, str], list[str]] = {}
        self._segment_dfs: dict[tuple[str, str, str], int] = {}

    def frequencies_for(self, state: StateKey) -> dict[tuple[str, str], int]:
        """Return the document-frequency cache of ``state`` (shared, mutable).

        The statistics of another state are forgotten first (the field lengths too). One
        read of the pair, so a thread never gets the cache of a state another thread
        switched to meanwhile.

        :param state: the index state a query reads.
        :returns: ``(field, term) -> document frequency``.
        """
        found = self._dfs
        if found[0] != state:
            found = (state, {})
            self._dfs = found
            self._lengths = (state, {})
        return found[1]

    def lengths_for(self, state: StateKey) -> dict[str, list[int]]:
        """Return the field-length cache of ``state``, emptied when the state changed.

        :param state: the index state.
        :returns: ``field -> lengths by document number``.
        """
        cached_state, cache = self._lengths
        if cached_state != state:
            cache = {}
            self._lengths = (state, cache)
        return cache

    @property
    def segment_lengths(self) -> dict[tuple[str, str], list[int]]:
        """Lengths per ``(segment id, field)``, for the segments still live."""
        return self._segment_lengths

    @property
    def segment_dfs(self) -> dict[tuple[str, str, str], int]:
        """Document frequencies per ``(segment id, field, term)``: a segment's never change."""
        return self._segment_dfs

    @property
    def segment_terms(self) -> dict[tuple[str, str], list[str]]:
        """Each segment's sorted terms per ``(segment id, field)`` (for prefix expansion)."""
        return self._segment_terms


class IndexView:
    """One searcher's view of the index, for one query.

    :param searcher: the thread's Whoosh searcher.
    :param state: identifies the index state the searcher sees.
    :param caches: the statistics shared by the index's threads.
    :param filter_cache: docnums per filter, kept with the searcher.
    """

    def __init__(
        self,
        searcher: Searcher,
        state: StateKey,
        caches: ReadCaches,
        filter_cache: dict[Hashable, set[int]],
    ) -> None:
        self._searcher = searcher
        self._reader = searcher.reader()
        self.state = state
        self._caches = caches
        self._df = caches.frequencies_for(state)
        self._filters = filter_cache
        self._field_used: dict[str, bool] = {}

    # -- statistics ----------------------------------------------------------

    def doc_count(self) -> int:
        """Return the number of live documents."""
        return self._reader.doc_count()

    def doc_count_all(self) -> int:
        """Return the number of document numbers, deleted ones included."""
        return self._reader.doc_count_all()

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Return how many documents have ``text`` in ``fieldname`` (cached).

        :param fieldname: the field.
        :param text: the analysed term.
        :returns: the document frequency.
        """
        cache_key = (fieldname, text)
        found = self._df.get(cache_key)
        if found is None:
            if not self._field_has_terms(fieldname):
                return 0
            if len(self._df) > MAX_DF_CACHE:
                self._df.clear()
            found = self._df[cache_key] = self._segments_frequency(fieldname, text)
        return found

    def _segments_frequency(self, fieldname: str, text: str) -> int:
        """The document frequency summed over the segments, each segment's kept.

        A segment never changes (deletions do not change Whoosh's frequencies), so after
        a publish only the new small segment is looked up: the state's cache above starts
        empty, and looking a term up costs tens of microseconds per segment.
        """
        kept = self._caches.segment_dfs
        if len(kept) > MAX_DF_CACHE:
            kept.clear()
        total = 0
        for leaf, _offset in self._reader.leaf_readers():
            key = (_segment_id(leaf), fieldname, text)
            found = kept.get(key)
            if found is None:
                found = kept[key] = leaf.doc_frequency(fieldname, text)
            total += found
        return total

    def _field_has_terms(self, fieldname: str) -> bool:
        """Whether any document has terms in ``fieldname`` (an empty field needs no lookups).

        Each term lookup costs tens of microseconds per segment; fields no document uses
        (keywords, in a corpus without them) would take a third of them.
        """
        found = self._field_used.get(fieldname)
        if found is None:
            found = self._field_used[fieldname] = bool(self._reader.field_length(fieldname))
        return found

    def idf(self, fieldname: str, text: str) -> float:
        """Return Whoosh's inverse document frequency of a term.

        :param fieldname: the field.
        :param text: the analysed term.
        :returns: the idf.
        """
        return self._searcher.idf(fieldname, text)

    def avg_field_length(self, fieldname: str) -> float:
        """Return the mean length of ``fieldname`` over the documents.

        :param fieldname: the field.
        :returns: the mean number of terms (0 for an unused field).
        """
        return self._searcher.avg_field_length(fieldname)

    def field_lengths(self, fieldname: str) -> list[int]:
        """Every document's length in a field, read once per index state.

        Lengths are kept per segment as well: a publish adds a small segment, and the
        large ones keep their lengths (deletions do not change them), so the first query
        after a publish does not re-read 20,000 lengths.

        :param fieldname: the field.
        :returns: lengths indexed by document number.
        """
        cache = self._caches.lengths_for(self.state)
        found = cache.get(fieldname)
        if found is None:
            kept = self._caches.segment_lengths
            found = []
            live: dict[tuple[str, str], list[int]] = {}
            for segment_reader, _offset in self._reader.leaf_readers():
                seg_id = _segment_id(segment_reader)
                lengths = kept.get((seg_id, fieldname))
                if lengths is None:
                    count = segment_reader.doc_count_all()
                    if not segment_reader.field_length(fieldname):
                        # No document of the segment has the field: Whoosh has no length
                        # column then, and looks for its file once per document (20,000
                        # stat calls, a quarter of a second).
                        lengths = [0] * count
                    else:
                        lengths = [
                            segment_reader.doc_field_length(d, fieldname, 0) for d in range(count)
                        ]
                live[(seg_id, fieldname)] = lengths
                found.extend(lengths)
            # Forget segments of this field that merges have removed.
            for key in [k for k in kept if k[1] == fieldname and k not in live]:
                del kept[key]
            kept.update(live)
            cache[fieldname] = found
        return found

    # -- terms and postings --------------------------------------------------

    def postings(
        self, fieldname: str, text: str
    ) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
        """Yield a term's postings a block at a time (see :func:`term_postings`).

        :param fieldname: the field.
        :param text: the analysed term.
        :returns: an iterator over ``(docnums, frequencies)`` blocks.
        """
        return term_postings(self._reader, fieldname, text)

    def expand_prefix(self, fieldname: str, prefix: str) -> Iterator[str]:
        """Yield the terms of ``fieldname`` that start with ``prefix``, in term order.

        Each segment's terms are read once into a sorted list (kept per segment, as the
        lengths are: a publish adds a small segment and the large one keeps its list), and
        a prefix is a binary search in it. Whoosh's own ``expand_prefix`` binary-searches
        the on-disk term index a few bytes per read: it was 30 % of a typed query's time on
        20,000 documents. Terms of deleted documents stay until a merge, as in Whoosh.

        :param fieldname: the field.
        :param prefix: the folded start of a word.
        :returns: an iterator over the terms.
        """
        lists = [self.segment_terms(fieldname, leaf) for leaf, _ in self._reader.leaf_readers()]
        starts = [_completions(terms, prefix) for terms in lists if terms]
        if len(starts) == 1:
            yield from starts[0]
            return
        last = None
        for term in heapq.merge(*starts):
            if term != last:
                yield term
                last = term

    def segment_terms(self, fieldname: str, segment_reader: IndexReader) -> list[str]:
        """One segment's terms of ``fieldname``, sorted, read once and kept per segment.

        :param fieldname: the field.
        :param segment_reader: a leaf reader of this view's reader.
        :returns: the terms (shared: do not change the list).
        """
        kept = self._caches.segment_terms
        seg_id = _segment_id(segment_reader)
        found = kept.get((seg_id, fieldname))
        if found is None:
            found = [
                t.decode("utf-8") if isinstance(t, bytes) else t
                for t in segment_reader.lexicon(fieldname)
            ]
            live = {_segment_id(leaf) for leaf, _ in self._reader.leaf_readers()}
            # Forget the lists of segments that merges have removed.
            for key in [k for k in kept if k[0] not in live]:
                del kept[key]
            kept[(seg_id, fieldname)] = found
        return found

    def prepare(self, prefix_fields: Iterable[str], scored_fields: Iterable[str]) -> int:
        """Read what a first query would read from disk now (a worker's warm-up).

        :param prefix_fields: fields whose term lists complete unfinished words.
        :param scored_fields: fields whose document lengths BM25 reads.
        :returns: how many terms the term lists hold.
        """
        for fieldname in scored_fields:
            self.field_lengths(fieldname)
        return sum(
            len(self.segment_terms(fieldname, leaf))
            for fieldname in prefix_fields
            for leaf, _ in self._reader.leaf_readers()
        )

    # -- documents -----------------------------------------------------------

    def stored_fields(self, docnum: int) -> Mapping[str, Any]:
        """Return the stored fields of one document.

        :param docnum: the document number.
        :returns: ``{field: value}``.
        """
        return self._searcher.stored_fields(docnum)

    def stored_keys(self, kind: str | None = None) -> dict[str, str]:
        """Return every live document's key with its stamp.

        :param kind: only documents of this kind (read through the ``kind`` postings
            instead of every stored document).
        :returns: ``{key: stamp}``.
        """
        searcher = self._searcher
        if kind is None:
            stored = self._reader.all_stored_fields()
        else:
            stored = (searcher.stored_fields(n) for n in searcher.document_numbers(kind=kind))
        return {fields["key"]: fields.get("stamp", "") for fields in stored}

    def docnums_of(self, keys: Iterable[str]) -> dict[str, int]:
        """Return the document numbers of live documents by their index key.

        A retrieval stage that finds articles by key (a vector store, say) hands
        :func:`search.fuse.fuse` document numbers of the state the query reads.

        :param keys: index keys (``ru/passport``); unknown or deleted ones are left out.
        :returns: ``{key: docnum}``.
        """
        found: dict[str, int] = {}
        for key in keys:
            docnum = self._searcher.document_number(key=key)
            if docnum is not None:
                found[key] = docnum
        return found

    def filter_docs(self, pairs: tuple[tuple[str, str], ...]) -> set[int] | None:
        """Docnums having every ``(field, value)`` (cached per searcher); None for none.

        :param pairs: the filters as ``SearchFilters.terms()`` gives them.
        :returns: the document numbers, or None when ``pairs`` is empty.
        """
        if not pairs:
            return None
        docs = self._filters.get(pairs)
        if docs is None:
            terms = [wq.Term(name, value) for name, value in pairs]
            docs = set(self._searcher.docs_for_query(wq.And(terms)))
            self._filters[pairs] = docs
        return docs

    def phrase_docs(
        self, phrases: Sequence[Phrase], allowed: set[int] | None, deadline: float
    ) -> tuple[set[int], bool]:
        """Documents matching every phrase (and in ``allowed``), within the budget.

        Runs under Whoosh's ``TimeLimitCollector`` with a timer thread, so it works
        outside the main thread.

        :param phrases: the plan's quoted phrases (see :data:`Phrase`).
        :param allowed: only these docnums (the filters), or None.
        :param deadline: a ``time.perf_counter()`` value.
        :returns: the docnums, and True when the budget cut the search short.
        """
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return set(), True
        clauses = [_phrase_query(phrase) for phrase in phrases]
        required = clauses[0] if len(clauses) == 1 else wq.And(clauses)
        collector = self._searcher.collector(limit=None, scored=False)
        timed = _FilteredTimeLimitCollector(collector, remaining, allowed)
        timed_out = False
        try:
            self._searcher.search_with_collector(required, timed)
        except TimeLimit:
            timed_out = True
        finally:
            if timed.timer is not None:
                timed.timer.cancel()
        return set(collector.results().docs()), timed_out

    def vocabulary(self, fieldnames: Sequence[str]) -> Iterator[tuple[str, int]]:
        """Yield ``(term, document frequency)`` for every term of the given fields.

        :param fieldnames: fields to read.
        :returns: an iterator over the pairs.
        """
        return vocabulary(self._reader, fieldnames)


def _completions(terms: list[str], prefix: str) -> Iterator[str]:
    """The terms of a sorted list that start with ``prefix`` (no copy of the list)."""
    for i in range(bisect_left(terms, prefix), len(terms)):
        term = terms[i]
        if not term.startswith(prefix):
            return
        yield term


def _segment_id(leaf: IndexReader) -> str:
    """The segment id of a leaf reader (a reader without a segment: its object id)."""
    segment_of = getattr(leaf, "segment", None)
    segment = segment_of() if segment_of is not None else None
    return segment.segment_id() if segment is not None else f"reader-{id(leaf)}"


def reopen_searcher(ix: Index, old: Searcher, weighting: Weighting) -> Searcher:
    """Open a searcher on the latest generation of ``ix``, reusing ``old``'s open segments.

    A publish adds a small segment and marks the article's old version deleted in a large
    one. Opening every segment again (``ix.searcher()``) reads each segment's term index
    from disk: at 5,000 documents that was half of the first query's time after each
    publish, in every searching thread. Here a segment that is still live keeps its open
    term and per-document readers, rebound to the new generation's segment record, so
    it sees the new deletions; only new segments are opened, and the readers of segments
    a merge removed are closed. Whoosh's own ``reader(reuse=...)`` reuses a reader with
    the deletions it was opened with (and keeps merged-away segments), so it is not used.

    ``old`` must not be used afterwards: its live parts now belong to the new searcher.

    :param ix: the opened index (a file index; another kind is simply reopened).
    :param old: the thread's current searcher on ``ix``.
    :param weighting: the scorer of the new searcher.
    :returns: the new searcher.
    """
    read_toc = getattr(ix, "_read_toc", None)
    if read_toc is None:
        old.close()
        return ix.searcher(weighting=weighting)
    toc = read_toc()
    previous: dict[str, SegmentReader] = {}
    for leaf, _offset in old.reader().leaf_readers():
        if isinstance(leaf, SegmentReader) and not leaf.is_closed:
            previous[leaf.segment().segment_id()] = leaf
    readers: list[IndexReader] = []
    opened: list[SegmentReader] = []
    try:
        for segment in toc.segments:
            kept = previous.pop(segment.segment_id(), None)
            if kept is None:
                fresh = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
                opened.append(fresh)
                readers.append(fresh)
            else:
                readers.append(_rebound(kept, segment, toc.generation))
    except BaseException:
        # ``old`` is untouched: close what was opened here and leave it to the caller.
        for fresh in opened:
            fresh.close()
        raise
    for gone in previous.values():
        gone.close()
    reader: IndexReader
    if not readers:
        reader = EmptyReader(toc.schema)
    elif len(readers) == 1:
        reader = readers[0]
    else:
        reader = MultiReader(readers, generation=toc.generation)
    return Searcher(reader, weighting=weighting, fromindex=ix)


def _rebound(reader: SegmentReader, segment: Any, generation: int) -> SegmentReader:
    """A copy of ``reader`` sharing its open files, with ``segment``'s deletions.

    The deletions live in the segment record of the generation's table of contents, read
    by the segment reader and its per-document reader; both get the new record. The
    cached set of deleted documents is dropped (it is recomputed on first use).
    """
    rebound = copy.copy(reader)
    rebound.__dict__.pop("deleted_docs_set", None)
    rebound._segment = segment
    rebound._gen = generation
    perdoc = copy.copy(reader._perdoc)
    perdoc._segment = segment
    rebound._perdoc = perdoc
    return rebound


def read_vocabulary(lang: str, source: IndexView | Index) -> tuple[list[tuple[str, int]], int]:
    """Read ``lang``'s vocabulary for the typo index, and the live document count.

    :param lang: the language of the fields.
    :param source: a view (a build in the query's thread) or an opened index (a build in
        a background thread, which opens its own searcher).
    :returns: the ``(term, document frequency)`` pairs and the document count.
    """
    fields = [f"{kind}_{lang}" for kind in TEXT_FIELDS]
    if isinstance(source, Index):
        with source.searcher() as searcher:
            reader = searcher.reader()
            return list(vocabulary(reader, fields)), reader.doc_count()
    return list(source.vocabulary(fields)), source.doc_count()


def vocabulary(reader: IndexReader, fieldnames: Sequence[str]) -> Iterator[tuple[str, int]]:
    """Yield ``(term, document frequency)`` for every term of the given fields.

    :param reader: the index reader.
    :param fieldnames: fields to read.
    :returns: an iterator over the pairs.
    """
    for fieldname in fieldnames:
        for text, info in reader.iter_field(fieldname):
            term = text.decode("utf-8") if isinstance(text, bytes) else text
            yield term, info.doc_frequency()


def term_postings(
    reader: IndexReader, fieldname: str, text: str
) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """Yield a term's postings a block at a time: ``(docnums, frequencies)``.

    Document numbers are the reader's (segment offsets added); deleted documents are left
    out. Whoosh's matcher API costs several Python calls per posting (``is_active``,
    ``id``, ``weight``, ``next`` through the deletion filter and the multi-segment
    wrapper), which was half of a query's time; its on-disk block matcher already decodes
    a whole block (up to 128 postings) at once, so the blocks are read directly. A
    matcher of another kind (another codec) is read posting by posting.

    :param reader: the searcher's reader.
    :param fieldname: the field.
    :param text: the analysed term.
    :returns: an iterator over the blocks.
    """
    for segment, offset in reader.leaf_readers():
        try:
            matcher = segment.postings(fieldname, text)
        except TermNotFound:
            continue
        deleted = segment.deleted_docs_set if segment.has_deletions() else frozenset()
        leaf = matcher.child if isinstance(matcher, FilterMatcher) else matcher
        if not isinstance(leaf, W3LeafMatcher):
            docnums, frequencies = [], []
            while matcher.is_active():
                docnums.append(matcher.id() + offset)
                frequencies.append(matcher.weight())
                matcher.next()
            yield docnums, frequencies
            continue
        leaf.reset()
        while leaf.is_active():
            # Private to W3LeafMatcher (whoosh-reloaded 2.7): the block's decoded ids and
            # weights; tests/search/test_view.py compares them with the matcher API.
            leaf._read_data()
            leaf._read_weights()
            raw, weights = leaf._data[0], leaf._weights
            # Ids are stored as gaps unless they are bytes; accumulate() runs in C where
            # Whoosh's delta_decode is a Python generator.
            ids = raw if leaf._byteids else tuple(accumulate(raw))
            if deleted:
                pairs = zip(ids, weights, strict=True)
                kept = [(d + offset, w) for d, w in pairs if d not in deleted]
                yield [d for d, _ in kept], [w for _, w in kept]
            elif offset:
                yield [d + offset for d in ids], weights
            else:
                yield ids, weights
            leaf._next_block()


def _phrase_query(phrase: Phrase) -> wq.Query:
    """The Whoosh query of one phrase: a term or a phrase per field, OR-ed."""
    options: list[wq.Query] = [
        wq.Term(fieldname, keys[0]) if len(keys) == 1 else wq.Phrase(fieldname, list(keys))
        for fieldname, keys in phrase
    ]
    return options[0] if len(options) == 1 else wq.Or(options)


class _FilteredTimeLimitCollector(TimeLimitCollector):
    """A time-limited collector that also applies a docnum filter.

    Whoosh's ``FilterCollector`` filters in its own ``collect_matches``, which a wrapping
    ``TimeLimitCollector`` bypasses (and vice versa), so both are done here. The timer is
    a thread (``use_alarm=False``): signals only work in the main thread.
    """

    def __init__(self, child: Any, timelimit: float, allow: set[int] | None) -> None:
        super().__init__(child, timelimit=timelimit, use_alarm=False)
        self._allow = allow

    def collect_matches(self) -> None:
        child = self.child
        allow = self._allow
        for sub_docnum in child.matches():
            if self.timedout:
                raise TimeLimit
            if allow is None or sub_docnum + child.offset in allow:
                child.collect(sub_docnum)
