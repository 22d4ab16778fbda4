"""Russian lemmas from pymorphy3: every plausible normal form of a word, cached.

The ``MorphAnalyzer`` is created once per process by an ``lru_cache``d factory and
never stored on a Whoosh filter, so pickled schemas stay small and ``open_dir`` does
not rebuild it.  pymorphy3's analyser is safe to share between threads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from search.analysis.folding import fix_lookalikes

if TYPE_CHECKING:
    import pymorphy3

#: Readings scoring below this share of the best reading are dropped.  Measured on
#: the UD development half: 0 (every reading) conflates 0.991 with 2.0 % of lemmas
#: over-merged, 0.1 gives 0.984 / 1.6 %, 0.3 gives 0.982 / 1.4 %; recall wins.
MIN_SCORE_RATIO = 0.0


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    """Return the process-wide pymorphy3 analyser (created on first use).

    :returns: a ``pymorphy3.MorphAnalyzer`` for Russian.
    """
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def ru_lemmas(word: str) -> tuple[str, ...]:
    """Return the distinct normal forms of a Russian word, most probable first, ё as е.

    >>> ru_lemmas("стали")
    ('стать', 'сталь')
    >>> ru_lemmas("Ёлки")
    ('елка',)

    :param word: one word; lowercased here, Latin look-alikes made Cyrillic.
    :returns: a non-empty tuple of lemmas (the word itself when nothing is known).
    """
    lower = fix_lookalikes(word.lower()).replace("ё", "е")
    if not lower.isalpha() or not any("а" <= c <= "я" for c in lower):
        return (lower,)
    parses = morph().parse(lower)
    if not parses:
        return (lower,)
    best = parses[0].score
    lemmas: list[str] = []
    for parse in parses:
        if parse.score < best * MIN_SCORE_RATIO:
            continue
        lemma = parse.normal_form.replace("ё", "е")
        if lemma not in lemmas:
            lemmas.append(lemma)
    return tuple(lemmas)


@lru_cache(maxsize=200_000)
def ru_is_known(word: str) -> bool:
    """Return True when pymorphy3's dictionary holds the word (not a guessed reading).

    >>> ru_is_known("налог"), ru_is_known("салык")
    (True, False)

    :param word: one word, any case.
    :returns: whether the word is a Russian dictionary word.
    """
    lower = fix_lookalikes(word.lower()).replace("ё", "е")
    return lower.isalpha() and morph().word_is_known(lower)
