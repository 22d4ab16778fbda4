"""Scoring quiz answers: short answers compared word by word through the search analysers.

A short answer is right when, word for word, it means what one of the accepted answers
(the right answers and the trainer's variants) says, as the question's language's
analyser reads it: case, spacing, punctuation, ё/е, Kazakh letters typed as Russian ones
and word forms do not matter («15 дней» = «15 ДНЕЙ» = «15 дня»; «15 күнде» = «15 күн»),
while another word does: «15 дней» is not «15 күн», and «15 дн.» is right only when the
trainer lists it as a variant.

Each word is reduced to a set of keys: its analyser terms (the same lemmas and stems the
search index holds) plus its folded spelling. Two words are the same when their key sets
share a key. Words the analyser drops as stop words («да», «жоқ», «емес») are kept by
their folded spelling: in a quiz answer «иә» and «жоқ» must not become equal.

Choice questions are scored by :func:`articles.courses.is_correct` (the chosen set must be
the right set).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from articles.courses import Question
from articles.courses import is_correct
from articles.courses import normalise_answer
from search.analysis import analyze

_WORD = re.compile(r"\w+")
#: Words of an answer that are compared (longer answers are cut there).
MAX_WORDS = 40


@lru_cache(maxsize=4096)
def word_keys(lang: str, word: str) -> frozenset[str]:
    """The comparison keys of one word: analyser terms and the folded spelling.

    :param lang: ``"kk"`` or ``"ru"`` (the question's language).
    :param word: one word as typed.
    :returns: a non-empty set of keys.
    """
    keys = set(analyze(lang, word, mode="index")) if lang in ("kk", "ru") else set()
    keys.add("=" + normalise_answer(word))
    return frozenset(keys)


def answer_words(text: str) -> list[str]:
    """The words of an answer, in order (Unicode letters and digits; case folded).

    :param text: what was typed.
    :returns: the words (at most :data:`MAX_WORDS`).
    """
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())[:MAX_WORDS]


def same_answer(lang: str, given: str, accepted: str) -> bool:
    """Whether ``given`` says word for word what ``accepted`` says in ``lang``.

    >>> same_answer("ru", "15 ДНЕЙ", "15 дней"), same_answer("ru", "15 күн", "15 дней")
    (True, False)

    :param lang: the question's language.
    :param given: the operator's answer.
    :param accepted: one accepted answer.
    :returns: True when both have the same number of words and each pair shares a key.
    """
    mine, theirs = answer_words(given), answer_words(accepted)
    if not mine or len(mine) != len(theirs):
        return False
    return all(word_keys(lang, a) & word_keys(lang, b) for a, b in zip(mine, theirs, strict=True))


def score(question: Question, answer: str | Sequence[str]) -> bool:
    """Score one answer to one question.

    :param question: the question.
    :param answer: chosen option texts (``choice``) or the typed text (``short``).
    :returns: whether it is right.
    """
    if question.kind == "choice":
        return is_correct(question, answer)
    text = answer if isinstance(answer, str) else " ".join(answer)
    return any(same_answer(question.lang, text, accepted) for accepted in question.accepted)
