"""Whoosh tokenizer and filters for Kazakh and Russian (composed in ``analyzers.py``).

They follow Whoosh's conventions: a filter takes a token stream and yields the same
``Token`` object, changed; it keeps no tokens.  Filters hold only their configuration,
so the analyzers pickle into an index schema in a few bytes; morphology comes from
``lru_cache``d factories (:func:`search.analysis.russian.morph`).  The class paths are
an on-disk format: renaming a class here needs a new ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import Filter
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer

from search.analysis import kk
from search.analysis import ru
from search.analysis.folding import fix_lookalikes
from search.analysis.folding import fold
from search.analysis.kazakh import kk_stem
from search.analysis.russian import ru_lemmas
from search.analysis.terms import term_key

#: Words: letters and digits, joined by inner hyphens (ХҚКО-ға, Брютон-стрит).
WORD_RE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
_HYPHENS = re.compile(r"[-‐‑]")
#: Longest word kept; longer runs are noise (base64, hashes) and would bloat the index.
MAX_WORD = 40
_KK_STOP = frozenset(fold(w) for w in kk.STOP_WORDS)
_RU_STOP = frozenset(w.replace("ё", "е") for w in ru.STOP_WORDS)
_KAZAKH_LETTERS = re.compile(r"[әіңғүұқөһ]")


class WordTokenizer(Tokenizer):
    """Split text into words; split hyphenated words unless they are a term.

    ``ХҚКО-ға`` stays one token so :class:`TermFilter` can map it to ``хкко``;
    ``Брютон-стрит`` becomes ``Брютон`` and ``стрит``, each with its own position,
    so either part finds the document.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        """Yield one token per word of ``value`` (Whoosh tokenizer protocol)."""
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        if not tokenize:
            t.term = False
            t.original = t.text = value
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for match in WORD_RE.finditer(value):
            text = match.group(0)
            if len(text) > MAX_WORD:
                continue
            if "-" in text or "‐" in text or "‑" in text:
                if term_key(text) is not None:
                    parts = [(text, match.start())]
                else:
                    parts = []
                    offset = match.start()
                    for part in _HYPHENS.split(text):
                        parts.append((part, offset))
                        offset += len(part) + 1
            else:
                parts = [(text, match.start())]
            for part, start in parts:
                t.term = False
                t.text = part
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = part
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + start
                    t.endchar = start_char + start + len(part)
                pos += 1
                yield t


class TermFilter(Filter):
    """Map domain terms and acronyms to their key before any morphology.

    Sets ``token.term`` (``True`` when the text is now a key) so the language filters
    pass the key through unchanged.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Replace each term's text by its key (Whoosh filter protocol)."""
        for t in tokens:
            key = term_key(t.text)
            t.term = key is not None
            if key is not None:
                t.text = key
            yield t


@dataclass(frozen=True)
class WordTerms:
    """What a language filter makes of one word (cached per word)."""

    #: The lowercased word, yielded when a stop word is kept with ``removestops=False``.
    word: str
    stop: bool
    index: tuple[str, ...]
    query: tuple[str, ...]


@lru_cache(maxsize=300_000)
def kk_word_terms(text: str) -> WordTerms:
    """Return the Kazakh index and query terms of one token text.

    :param text: a token as the tokenizer cut it (any case).
    :returns: the word's :class:`WordTerms`.
    """
    lower = text.lower()
    word = fix_lookalikes(lower).replace("ё", "е")
    if fold(word) in _KK_STOP:
        return WordTerms(word, True, (), ())
    stem = kk_stem(word) if word.isalpha() else word
    if not _KAZAKH_LETTERS.search(stem):
        return WordTerms(word, False, (stem,), (stem,))
    both = (stem, fold(stem))
    # The folded stem is queried too when the word came with Latin look-alikes:
    # whoever typed тoлқұжат did not choose its letters.
    return WordTerms(word, False, both, both if word != lower else (stem,))


@lru_cache(maxsize=300_000)
def ru_word_terms(text: str) -> WordTerms:
    """Return the Russian index (= query) terms of one token text.

    :param text: a token as the tokenizer cut it (any case).
    :returns: the word's :class:`WordTerms`.
    """
    word = fix_lookalikes(text.lower()).replace("ё", "е")
    if word in _RU_STOP:
        return WordTerms(word, True, (), ())
    if _KAZAKH_LETTERS.search(word):
        word = fold(word)
    lemmas = ru_lemmas(word) if word.isalpha() else (word,)
    return WordTerms(word, False, lemmas, lemmas)


def _emit(t: Token, terms: WordTerms) -> Iterator[Token]:
    """Yield a token's terms at its position, honouring stop words and the mode."""
    if terms.stop:
        if t.removestops:
            return
        t.stopped = True
        t.text = terms.word
        yield t
        return
    for term in terms.query if t.mode == "query" else terms.index:
        t.text = term
        yield t


class KazakhFilter(Filter):
    """Lowercase, drop stop words, and stem Kazakh words with :func:`kk_stem`.

    At index time a word yields its stem and, when the stem has Kazakh letters, the
    folded stem at the same position (``салық`` and ``салык``), so a query typed with
    Russian letters for the Kazakh ones finds it.  At query time a word yields its stem
    only: a query typed with Kazakh letters stays precise (``бөл`` does not find
    ``бол``), one typed without them is already folded and meets the folded terms.
    """

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Yield stems (Whoosh filter protocol)."""
        for t in tokens:
            if t.term:
                yield t
            else:
                yield from _emit(t, kk_word_terms(t.text))


class RussianFilter(Filter):
    """Lowercase, ё → е, drop stop words, and yield every pymorphy3 lemma of a word.

    Ambiguous words yield one token per distinct normal form at the same position
    (``стали`` → ``стать``, ``сталь``), so the query and the document meet whichever
    reading each has.  Kazakh letters are folded first, so Kazakh names in Russian
    text match typing without them.
    """

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Yield lemmas (Whoosh filter protocol)."""
        for t in tokens:
            if t.term:
                yield t
            else:
                yield from _emit(t, ru_word_terms(t.text))
