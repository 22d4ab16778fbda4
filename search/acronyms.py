"""Acronyms as operators type them: ``ецп``, ``ЕЦП``, ``ECP`` and ``ЭЦП`` are one word.

The index holds an acronym folded (``ЭЦП`` → ``эцп``, ``ХҚКО`` → ``хкко``), so its case
and Kazakh letters typed as Russian ones (``ЭЦК`` for ``ЭЦҚ``) already match. What did
not match were the other spellings of a live call:

- ``Е`` for ``Э`` (``ЕЦП``, ``ецп``): Russian typists write the sound, not the letter;
- Latin letters (``ECP``, ``iin``, ``enpf``, ``zhsn``): the acronym spelled by sound in
  the Latin layout, or with Latin look-alike letters;
- a Kazakh letter left out rather than replaced (``ХКО`` for ``ХҚКО``, ``БЖЗ`` for
  ``БЖЗҚ``).

The known acronyms are the short all-capital terms of the synonym groups
(``synonyms.txt``): each is registered under a *skeleton* (folded, ``э`` as ``е``) of
its own spelling and of its spelling without Kazakh letters. A query word the index does
not know is reduced to its skeletons (as typed, and read from Latin letters) and, when
one names a known acronym, searched as that acronym. Query side only: the index is
unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.analysis.folding import fold

#: Acronyms have at most this many letters (longer all-capital words are names).
MAX_ACRONYM_LETTERS = 6
#: Skeletons shorter than this are too ambiguous to resolve (``ЭЦ`` for ``ЭЦҚ``).
MIN_SKELETON_LETTERS = 3

_KAZAKH_ONLY = re.compile("[ӘІҢҒҮҰҚӨҺәіңғүұқөһ]")
_LATIN_WORD = re.compile(r"^[A-Za-z]+$")
#: Latin spelling by sound (what an operator types for ЭЦП, ИИН, ЦОН, ЖСН), digraphs first.
_LATIN_SOUNDS: tuple[tuple[str, str], ...] = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("ts", "ц"),
    ("kh", "х"),
    ("ya", "я"),
    ("yu", "ю"),
    *zip("abcdefghijklmnopqrstuvwxyz", "абцдефгхижклмнопкрстуввхыз", strict=True),
)
_LATIN_SOUND_RE = re.compile("|".join(latin for latin, _ in _LATIN_SOUNDS))
_LATIN_SOUND_MAP = dict(_LATIN_SOUNDS)
#: Latin letters that look like Cyrillic capitals (ECP typed as Е, С, Р).
_LOOKALIKE = str.maketrans("abcehkmnoptxyi", "авсенкмпортхуі")


def is_acronym(term: str) -> bool:
    """Whether a synonym term is an acronym: one word of 2–6 letters, all capitals.

    :param term: a term as written in ``synonyms.txt``.
    :returns: True for ``ЭЦП``, ``ХҚКО``, ``ЕНПФ``; False for ``egov`` or ``NCALayer``.
    """
    letters = [ch for ch in term if ch.isalpha()]
    return (
        term.isalnum()
        and 2 <= len(letters) <= MAX_ACRONYM_LETTERS
        and all(ch.isupper() for ch in letters)
    )


def skeleton(word: str) -> str:
    """The spelling-independent form of an acronym: folded, ``э`` written as ``е``.

    :param word: one word.
    :returns: the skeleton (``ЭЦП``, ``ецп`` and ``ЕЦП`` all give ``ецп``).
    """
    return fold(word).replace("э", "е")


def _from_latin(word: str) -> list[str]:
    """Cyrillic readings of a Latin word: by sound (``ecp`` → ``ецп``) and by look."""
    lower = word.lower()
    by_sound = _LATIN_SOUND_RE.sub(lambda m: _LATIN_SOUND_MAP[m.group(0)], lower)
    return list(dict.fromkeys((by_sound, lower.translate(_LOOKALIKE))))


def spellings(word: str) -> list[str]:
    """The skeletons under which a typed word may name an acronym.

    :param word: one query word.
    :returns: skeletons, most likely first (empty for words too long to be acronyms).
    """
    letters = sum(ch.isalpha() for ch in word)
    if not 2 <= letters <= MAX_ACRONYM_LETTERS + 1:
        return []
    forms = _from_latin(word) if _LATIN_WORD.match(word) else [word]
    return [s for s in dict.fromkeys(skeleton(f) for f in forms) if len(s) >= 2]


class AcronymTable:
    """Known acronyms by skeleton.

    An acronym is found by the skeleton of its own spelling first, then by that of its
    spelling without Kazakh letters; a bare skeleton two acronyms share names neither.

    :param acronyms: the acronyms as written (``ЭЦП``, ``ХҚКО``).
    """

    def __init__(self, acronyms: Iterable[str]) -> None:
        self._exact: dict[str, str] = {}
        self._bare: dict[str, str | None] = {}
        for acronym in dict.fromkeys(acronyms):
            self._exact.setdefault(skeleton(acronym), acronym)
            bare = _KAZAKH_ONLY.sub("", acronym)
            if bare != acronym and len(bare) >= MIN_SKELETON_LETTERS:
                key = skeleton(bare)
                known = self._bare.get(key, acronym)
                self._bare[key] = acronym if known == acronym else None

    def __len__(self) -> int:
        return len(self._exact)

    def resolve(self, word: str) -> str | None:
        """The acronym a word stands for, if it is one of its spellings.

        :param word: one query word as typed.
        :returns: the acronym as written in the synonym groups, or None.
        """
        keys = spellings(word)
        for key in keys:
            found = self._exact.get(key)
            if found is not None:
                return found
        for key in keys:
            bare = self._bare.get(key)
            if bare is not None:
                return bare
        return None
