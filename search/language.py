"""The query's own language, voted by the words only one language claims.

When only one language gets votes (or the operator chose the caller's language), the
plan weighs that language's fields ``LANG_PREFERENCE`` times more, and the presentation
puts each article's version in it before its translation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from search.analysis.filters import STEM_MARK
from search.analysis.russian import ru_is_known
from search.keys import word_keys
from search.question_words import QUESTION_WORDS
from search.schema import TEXT_FIELDS
from search.terms import Leaf
from search.terms import TermFinder

#: A word votes for a language when that language's titles and bodies hold its terms at
#: least this many times as often as the other's (see :func:`query_lang`).
LANG_VOTE_RATIO = 2

_KAZAKH_LETTERS = re.compile(r"[әіңғүұқөһ]")


def query_lang(
    finder: TermFinder,
    words: Sequence[str],
    leaves: Sequence[Sequence[Leaf] | None] | None = None,
) -> str | None:
    """Guess the language of a query from words only one language claims.

    A word is Kazakh when it has Kazakh letters; it is Russian when pymorphy3 knows it
    and no Kazakh field has its Kazakh key. Any other word (an acronym such as ``ЭЦП`` or
    ``ЖСН``, ``салык`` typed without Kazakh letters, a typo, a word cut short) votes for
    the language whose titles and bodies hold its index terms (exact, corrected or
    completed) at least ``LANG_VOTE_RATIO`` times as often: keywords are left out, as they
    list both languages' spellings on purpose. Names and shared loanwords fall between
    and do not vote.

    :param finder: finds the words' index terms in the view the query reads.
    :param words: the query words (acronyms already respelled).
    :param leaves: per word, its own index terms (not its synonyms'), as the plan found
        them; looked up here when not given (or None).
    :returns: ``"kk"`` or ``"ru"`` when only that language got votes, else None.
    """
    doc_frequency = finder.doc_frequency
    votes = {"kk": 0, "ru": 0}
    own = list(leaves) if leaves is not None and len(leaves) == len(words) else None
    for position, word in enumerate(words):
        lower = word.lower()
        if lower in QUESTION_WORDS or not any(ch.isalpha() for ch in lower):
            continue
        if not word_keys("kk", word) or not word_keys("ru", word):
            continue  # a stop word in either language
        if _KAZAKH_LETTERS.search(lower):
            votes["kk"] += 1
            continue
        kk_keys = word_keys("kk", word)
        in_kk = any(doc_frequency(f"{kind}_kk", key) for key in kk_keys for kind in TEXT_FIELDS)
        if lower.isalpha() and ru_is_known(lower) and not in_kk:
            votes["ru"] += 1
            continue
        word_leaves = own[position] if own is not None else None
        if word_leaves is None:
            word_leaves = finder.word_leaves(word, False, 1.0, None)[0]
        text = {"kk": 0, "ru": 0}
        for leaf in word_leaves:
            kind, _, lang = leaf.field.partition("_")
            if kind in ("title", "body") and not leaf.text.startswith(STEM_MARK):
                text[lang] += doc_frequency(leaf.field, leaf.text)
        if text["kk"] >= LANG_VOTE_RATIO * text["ru"] + 1:
            votes["kk"] += 1
        elif text["ru"] >= LANG_VOTE_RATIO * text["kk"] + 1:
            votes["ru"] += 1
    if votes["kk"] and not votes["ru"]:
        return "kk"
    if votes["ru"] and not votes["kk"]:
        return "ru"
    return None
