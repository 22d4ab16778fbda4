"""The last stage's snippets: the passage of a hit with the most query words, marked.

Everything is HTML-escaped; only the ``<mark>`` tags are markup, so a snippet is safe to
insert into a page. Words are marked when their index keys meet the query's, within the
first ``SNIPPET_SCAN_CHARS`` of answer + text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from collections.abc import Collection
from functools import lru_cache

#: Characters of context around the matches shown in a snippet.
SNIPPET_CHARS = 220

#: Only this much of a long text is scanned for the snippet (the start of an article is
#: where its answer is; scanning everything would cost milliseconds per hit).
SNIPPET_SCAN_CHARS = 4000

_WORD_RE = re.compile(r"\w+(?:[-'’]\w+)*")


#: Words are analysed for highlighting only when they start like one of the query's keys.
MATCH_PREFIX_CHARS = 2


class WordMatcher:
    """Decides which words of a text match a query, remembering each word's verdict.

    One instance serves all hits of a query in one language, so a word that recurs in
    several hits is analysed once. Only words whose first ``MATCH_PREFIX_CHARS`` letters
    (folded) begin one of the query's keys are analysed at all: stems and lemmas keep the
    start of the word, and this skips nine words in ten. A suppletive form (``шёл`` for
    ``идти``) is therefore not highlighted, though it is found.

    :param keys_of: analyses one word as the index did.
    :param wanted: the analysed keys of the query.
    :param fold: folds text as the analysers do (case, Kazakh letters).
    """

    def __init__(
        self,
        keys_of: Callable[[str], Collection[str]],
        wanted: Collection[str],
        fold: Callable[[str], str] = str.lower,
    ) -> None:
        self._keys_of = keys_of
        self._wanted = frozenset(wanted)
        self._fold_start = _start_folder(fold)
        self._starts = {fold(key[:MATCH_PREFIX_CHARS]) for key in self._wanted}
        self._start_ok: dict[str, bool] = {}
        self._seen: set[str] = set()
        self._hits: set[str] = set()

    def matched(self, words: set[str]) -> set[str]:
        """Return the words of ``words`` that match the query.

        :param words: distinct words as written in a text.
        :returns: the matching ones.
        """
        wanted = self._wanted
        keys_of = self._keys_of
        starts, start_ok, fold_start = self._starts, self._start_ok, self._fold_start
        new = words - self._seen
        # A loop rather than a method call per word: ten hits hold ~1,000 distinct words.
        for word in new:
            start = word[:MATCH_PREFIX_CHARS]
            plausible = start_ok.get(start)
            if plausible is None:
                plausible = start_ok[start] = fold_start(start) in starts
            if plausible and not wanted.isdisjoint(keys_of(word)):
                self._hits.add(word)
        self._seen |= new
        return words & self._hits


@lru_cache(maxsize=8)
def _start_folder(fold: Callable[[str], str]) -> Callable[[str], str]:
    """``fold`` with a cache, for word starts (a few thousand distinct ones in all)."""
    return lru_cache(maxsize=65_536)(fold)


def _occurrences(scan: str, words: Collection[str]) -> list[tuple[int, int, str]]:
    """Find whole-word occurrences of ``words`` in ``scan`` (few words: ``str.find``)."""
    spans = []
    for word in words:
        start = scan.find(word)
        while start != -1:
            stop = start + len(word)
            before = scan[start - 1] if start else " "
            after = scan[stop] if stop < len(scan) else " "
            if not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "-_"):
                spans.append((start, stop, word))
            start = scan.find(word, stop)
    spans.sort()
    return spans


def make_snippet(text: str, matcher: WordMatcher, *, size: int = SNIPPET_CHARS) -> str:
    """Cut the passage of ``text`` with the most matched words and mark them.

    Everything is HTML-escaped; only the ``<mark>`` tags are markup, so the result is safe
    to insert into a page.

    :param text: the plain text (answer and body).
    :param matcher: decides which words match the query.
    :param size: the approximate length of the snippet in characters.
    :returns: the snippet as HTML.
    """
    scan = text[:SNIPPET_SCAN_CHARS]
    # Distinct words are judged (once per query), then found with str.find: a long text
    # costs a C-speed scan rather than a Python call per word.
    spans = _occurrences(scan, matcher.matched(set(_WORD_RE.findall(scan))))
    if not spans:
        return _escape_cut(text, 0, size)
    # The window (starting at a match) that holds the most distinct matched words wins.
    best_start, best_count = spans[0][0], 0
    for i, (start, _, _) in enumerate(spans):
        seen = {word.lower() for s, _, word in spans[i : i + 12] if s < start + size}
        if len(seen) > best_count:
            best_start, best_count = start, len(seen)
    begin = max(0, best_start - size // 4)
    # Start on a word boundary so the snippet does not begin mid-word.
    if begin:
        space = text.find(" ", begin, best_start)
        begin = space + 1 if space != -1 else begin
    end = min(len(text), begin + size)
    out: list[str] = ["…" if begin else ""]
    cursor = begin
    for start, stop, _ in spans:
        if start < begin or stop > end:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:stop])}</mark>")
        cursor = stop
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).replace("\n", " ")


def _escape_cut(text: str, begin: int, size: int) -> str:
    """Return the escaped start of ``text`` with an ellipsis when cut."""
    cut = text[begin : begin + size]
    tail = "…" if begin + size < len(text) else ""
    return html.escape(cut).replace("\n", " ") + tail
