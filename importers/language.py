"""Guess whether a text is Kazakh or Russian, for imports run without ``--lang``.

Kazakh Cyrillic has nine letters Russian lacks (ә і ң ғ ү ұ қ ө һ); a Kazakh text uses them
in a large share of its words, while a Russian text shows them only in the odd Kazakh name
(«Қазақстан», «ХҚКО»). Frequent function words settle short texts with few such letters.
"""

from __future__ import annotations

import re

KAZAKH_LETTERS = frozenset("әіңғүұқөһ")

# Frequent words that are Kazakh and not Russian (and vice versa); small on purpose: these
# only tip the balance for short texts, the letters do the work.
_KAZAKH_WORDS = frozenset(
    "және мен бен пен немесе үшін бойынша туралы арқылы бұл осы сол қалай қайда қашан "
    "керек болады болып жоқ бар емес деп да де та те ма ме ба бе па пе ол олар біз сіз "
    "қажет алу беру жылы күні".split()
)
_RUSSIAN_WORDS = frozenset(
    "и в во на с со по для не что как это или из от до при за же если то также который "
    "которые можно нужно необходимо быть есть его её их".split()
)

_WORD = re.compile(r"[^\W\d_]+")

# Share of words carrying a Kazakh-specific letter. Kazakh prose is typically above 0.3;
# Russian pages about Kazakhstan stay far below (a few names per hundred words), but a
# short Russian title with one Kazakh name can reach 0.2, hence two thresholds.
_CLEARLY_KAZAKH_SHARE = 0.3
_KAZAKH_LETTER_SHARE = 0.12


def detect_language(text: str, default: str = "ru") -> str:
    """Guess the language of ``text``: ``"kk"`` or ``"ru"``.

    :param text: the title and body (Markdown is fine).
    :param default: returned when the text gives no signal at all (no Cyrillic words).
    :returns: ``"kk"`` or ``"ru"`` (or ``default``).
    """
    words = [w.lower() for w in _WORD.findall(text)]
    cyrillic = [w for w in words if any("а" <= c <= "я" or c in "ёәіңғүұқөһ" for c in w)]
    if not cyrillic:
        return default
    with_kazakh_letters = sum(1 for w in cyrillic if KAZAKH_LETTERS.intersection(w))
    kazakh_words = sum(1 for w in cyrillic if w in _KAZAKH_WORDS)
    russian_words = sum(1 for w in cyrillic if w in _RUSSIAN_WORDS)
    share = with_kazakh_letters / len(cyrillic)
    if share >= _CLEARLY_KAZAKH_SHARE:
        return "kk"
    # Short texts: function words decide, so that one Kazakh name in a Russian title
    # ("Справка из ЦОН Қазақстан") does not make it Kazakh.
    if kazakh_words != russian_words:
        if kazakh_words > russian_words:
            return "kk" if with_kazakh_letters or kazakh_words >= 2 else "ru"
        return "ru"
    return "kk" if share >= _KAZAKH_LETTER_SHARE else "ru"
