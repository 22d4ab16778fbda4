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
from whoosh.lang.snowball.russian import RussianStemmer

from search.analysis import kk
from search.analysis import ru
from search.analysis.folding import fix_lookalikes
from search.analysis.folding import fold
from search.analysis.kazakh import kk_key
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
#: Marks a stem key: a coarser, folded key indexed at a word's position beside its lemma
#: or stem (words never contain ``_``, so a stem key cannot collide with a term). The
#: query side matches it with a lower weight (``search.weights.STEM_BOOST``): it lets
#: ``Теслы`` meet ``Тесла`` where pymorphy3 guesses ``теслый`` for the unknown name, and
#: a Kazakh stem cut differently in two forms still meet on its first letters.
STEM_MARK = "_"
#: The analyzer mode that yields only the words' stem keys (what a query asks for).
STEM_MODE = "stem"
#: A Kazakh stem key is the folded stem's first letters (a longer prefix measured alike).
KK_STEM_KEY_CHARS = 5


@lru_cache(maxsize=1)
def _ru_snowball() -> RussianStemmer:
    """The Snowball Russian stemmer bundled with Whoosh (one per process)."""
    return RussianStemmer()


@lru_cache(maxsize=200_000)
def ru_stem_key(word: str) -> str:
    """Return the stem key of a Russian word: ``STEM_MARK`` + its folded Snowball stem.

    :param word: a lowercased word.
    :returns: the key (``_тесл`` for ``теслы`` and ``тесла``).
    """
    return STEM_MARK + _ru_snowball().stem(fold(word))


def kk_stem_key(stem: str) -> str:
    """Return the stem key of a Kazakh word: ``STEM_MARK`` + the folded stem's first letters.

    A stem no longer than ``KK_STEM_KEY_CHARS`` has none: its folded stem is indexed
    already, and asking for it would make ``бөл`` find ``бол``.

    :param stem: the word's stem (:func:`kk_stem`).
    :returns: the key (``_неанд`` for ``неандерталь`` and ``неандертальдық``), or ``""``.
    """
    folded = fold(stem)
    if len(folded) <= KK_STEM_KEY_CHARS:
        return ""
    return STEM_MARK + folded[:KK_STEM_KEY_CHARS]


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
    #: The word's stem key, which a query asks for with a lower weight (mode ``"stem"``).
    stem: str = ""
    #: Whether the index needs the stem key as an extra term (it is not one of ``index``).
    index_stem: bool = False


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
    if not word.isalpha():
        return WordTerms(word, False, (word,), (word,))
    stem = kk_stem(word)
    key = kk_stem_key(stem)
    marked = bool(key)
    if not _KAZAKH_LETTERS.search(stem):
        return WordTerms(word, False, (stem,), (stem,), key, marked)
    # The folded stem lets a word typed without Kazakh letters meet it; kk_key leaves
    # it out when it would spell another frequent word (бөл is not indexed as бол).
    both = tuple(dict.fromkeys((stem, kk_key(word))))
    # The folded stem is queried too when the word came with Latin look-alikes:
    # whoever typed тoлқұжат did not choose its letters.
    return WordTerms(word, False, both, both if word != lower else (stem,), key, marked)


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
    if not word.isalpha():
        return WordTerms(word, False, (word,), (word,))
    lemmas = ru_lemmas(word)
    # Every word carries its stem key in the index, and every query word asks for it
    # with a lower weight: names' lemmas are guesses (``Теслы`` → ``теслый``), and the
    # key also joins derived words (``производство``, ``производить``). Measured on
    # 2026-11-25: xquad_ru MRR@10 +0.005 (dev half +0.002, test +0.008) for 11 % more
    # indexing time on the quality corpus and none measurable on the 20,000 documents
    # of benchmarks.latency (indexing only names and unknown words was the rule before).
    return WordTerms(word, False, lemmas, lemmas, ru_stem_key(word), True)


def _emit(t: Token, terms: WordTerms) -> Iterator[Token]:
    """Yield a token's terms at its position, honouring stop words and the mode."""
    if terms.stop:
        if t.removestops:
            return
        t.stopped = True
        t.text = terms.word
        yield t
        return
    if t.mode == "query":
        for term in terms.query:
            t.text = term
            yield t
        return
    if t.mode == STEM_MODE:
        if terms.index_stem:
            t.text = terms.stem
            yield t
        return
    for term in terms.index:
        t.text = term
        yield t
    if terms.index_stem:
        t.text = terms.stem
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
                if t.mode != STEM_MODE:
                    yield t
                continue
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
                if t.mode != STEM_MODE:
                    yield t
                continue
            yield from _emit(t, ru_word_terms(t.text))
