"""Domain terms and acronyms of public services, mapped to one key before morphology.

pymorphy3 turns ЦОН, ЦОНе, ЦОНом into three keys and knows neither ИИН nor ЭЦП; the
Kazakh stemmer would cut ХҚКО-ға at random.  So acronyms, with their Russian case
endings (``ЦОНе``, ``ЦОНом``) and Kazakh case suffixes with or without the hyphen
(``ХҚКО-ға``, ``ЖСН-ді``), map to one key: the acronym lowercased and folded
(``цон``, ``хкко``).  The same rule applies to any word written in capitals of two to
six letters, so a new acronym works without an entry here.

Synonym groups (ЦОН = ХҚКО = центр обслуживания населения) are not kept here: the
editors' synonym dictionary expands them at query time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from search.analysis import kk
from search.analysis.folding import fold

#: Acronyms of the 1414 domain, Russian and Kazakh (each maps to itself, folded).
ACRONYMS: tuple[str, ...] = tuple(
    (
        # service centres, identifiers, signatures
        "ЦОН ХҚКО ГК НАО ИИН ЖСН БИН БСН ЭЦП ЭЦҚ ЕСП "
        # pensions, benefits, insurance, indices
        "ЕНПФ БЖЗҚ МРП АЕК МЗП ЕТЖ ОПВ МЗЖ ОППВ ОСМС МӘМС ВОСМС ГФСС МӘСҚ ГЦВП "
        # legal forms and taxes
        "ИП ЖК ТОО ЖШС АО АҚ НДС ҚҚС ИПН ЖТС КПН КТС ОКЭД ЭҚЖЖ "
        # state bodies and documents
        "РК ҚР МВД ІІМ МТСЗН ЕХӘҚМ МЮ ӘМ МИД СІМ ЗАГС АХАЖ ГБД ФЛ ЮЛ МСЭК "
        "ЕНТ ҰБТ ВУЗ ЖОО ПМСП МСАК ДДУ СМС ПИН PIN QR"
    ).split()
)

#: Russian case endings written straight after an acronym (ЦОНе, ЦОНом, ИИНа).
RU_ENDINGS: tuple[str, ...] = tuple("а у ом ем е ы и ов ев ам ами ах ой ою ей".split())

#: Latin-script names of services that operators type in either script.
NAMES: dict[str, tuple[str, ...]] = {
    "egov": ("egov", "егов", "eгов", "игов"),
    "enbek": ("enbek", "енбек"),
    "kaspi": ("kaspi", "каспи"),
}

_CAPS = "A-ZА-ЯЁӘІҢҒҮҰҚӨҺ"
_LOWER = "a-zа-яёәіңғүұқөһ"
#: A capitalised acronym of 2-6 letters, then an optional hyphen and ending.
ACRONYM_RE = re.compile(rf"^([{_CAPS}]{{2,6}})(?:-?([{_LOWER}]{{1,6}}))?$")


def _kk_endings() -> frozenset[str]:
    """Kazakh case, plural and possessive suffixes that may follow an acronym."""
    slots = (kk.PLURAL, kk.POSSESSIVE, kk.CASE)
    endings = {fold(s) for slot in slots for s in kk.SUFFIXES[slot]}
    endings |= {fold(s) for s in kk.POSSESSIVE_CASE}
    # plural + case and possessive + case chains are common after acronyms too
    plural = {fold(s) for s in "лар лер дар дер тар тер".split()}
    case = {fold(s) for s in kk.SUFFIXES[kk.CASE]}
    endings |= {p + c for p in plural for c in case}
    return frozenset(endings)


ENDINGS: frozenset[str] = _kk_endings() | frozenset(RU_ENDINGS)


@lru_cache(maxsize=1)
def listed() -> frozenset[str]:
    """Return the folded listed acronyms.

    :returns: e.g. ``{"цон", "хкко", "иин", ...}``.
    """
    return frozenset(fold(a) for a in ACRONYMS)


@lru_cache(maxsize=1)
def surface_keys() -> dict[str, str]:
    """Return the known folded lowercase forms of domain terms → their key.

    Two-letter acronyms are left out in lower case: ``ақ``, ``ао``, ``ип`` are words
    or parts of words (``ақша`` would otherwise read as АҚ + ша).

    :returns: a mapping such as ``{"цоне": "цон", "хкко-га": "хкко", "егов": "egov"}``.
    """
    table: dict[str, str] = {}
    for key in listed():
        if len(key) < 3:
            continue
        table[key] = key
        for ending in ENDINGS:
            table[key + "-" + ending] = key
            table.setdefault(key + ending, key)
    for key, forms in NAMES.items():
        for form in forms:
            table[fold(form)] = key
    return table


@lru_cache(maxsize=300_000)
def term_key(word: str) -> str | None:
    """Return the domain key of a word as written, or ``None`` when it is no term.

    >>> term_key("ЦОНе"), term_key("ХҚКО-ға"), term_key("иин"), term_key("центр")
    ('цон', 'хкко', 'иин', None)

    Capitals followed by a case ending (``НДСом``, ``ЕНПФ-ке``) make an acronym even
    when it is not listed; capitals alone only when listed, so a heading in capitals
    (``ТОГО``, ``САЛЫҚ``) still goes through morphology.  In lower case only listed
    acronyms of three letters or more count, with their endings (``цоне``).

    :param word: one token as written (case kept).
    :returns: the key, or ``None``.
    """
    match = ACRONYM_RE.match(word)
    if match:
        head, tail = fold(match.group(1)), match.group(2)
        if tail is None:
            if head in listed():
                return head
        elif fold(tail) in ENDINGS:
            return head
    return surface_keys().get(fold(word))
