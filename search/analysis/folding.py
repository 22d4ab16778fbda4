"""Letter folding: Kazakh letters to Russian look-alikes, ё to е, Latin look-alikes to Cyrillic.

Operators often type Kazakh without the Kazakh letters (``салык`` for ``салық``) and
documents copied from scans or PDFs mix Latin look-alike letters into Cyrillic words
(``пacпopт`` with Latin a, c, o).  Both analysers fold every term on the index side
*and* the query side, so the folded form is the only form in the index: a query typed
either way meets the same term, and the index is no larger.
"""

from __future__ import annotations

import re

#: Kazakh-specific letters and ё folded to the Russian letter an operator types instead.
KAZAKH_FOLD: dict[str, str] = {
    "ә": "а",
    "і": "и",
    "ң": "н",
    "ғ": "г",
    "ү": "у",
    "ұ": "у",
    "қ": "к",
    "ө": "о",
    "һ": "х",
    "ё": "е",
}

#: Latin letters that look like Cyrillic ones (lower case; text is lowercased first).
LATIN_LOOKALIKES: dict[str, str] = {
    "a": "а",
    "b": "в",
    "c": "с",
    "e": "е",
    "h": "н",
    "k": "к",
    "m": "м",
    "o": "о",
    "p": "р",
    "t": "т",
    "x": "х",
    "y": "у",
    "i": "і",
}

_FOLD_TABLE = str.maketrans(KAZAKH_FOLD)
_LOOKALIKE_TABLE = str.maketrans(LATIN_LOOKALIKES)
_CYRILLIC = re.compile(r"[а-яёәіңғүұқөһ]")
_LATIN = re.compile(r"[a-z]")


def fix_lookalikes(word: str) -> str:
    """Replace Latin look-alike letters in a lowercased word that also has Cyrillic letters.

    A word written wholly in Latin letters is left alone: it may be English or Kazakh in
    the Latin alphabet, which :func:`search.analysis.query_variants` handles.

    :param word: a lowercased word.
    :returns: the word with look-alikes made Cyrillic, or ``word`` unchanged.
    """
    if _LATIN.search(word) and _CYRILLIC.search(word):
        return word.translate(_LOOKALIKE_TABLE)
    return word


def fold(text: str) -> str:
    """Fold text for matching: lowercase, Latin look-alikes in Cyrillic words, Kazakh letters.

    >>> fold("Салық")
    'салык'
    >>> fold("пacпopт")
    'паспорт'
    >>> fold("Ёлка")
    'елка'

    :param text: any text (one word or several).
    :returns: the folded text, same length when no look-alike fix applies.
    """
    words = re.split(r"(\W+)", text.lower())
    return "".join(fix_lookalikes(w) for w in words).translate(_FOLD_TABLE)
