"""Alternative readings of a query typed in the wrong layout or in Kazakh Latin script.

Three slips an operator makes all day:

- the wrong keyboard layout: ``cfksr`` typed on QWERTY for ``салық``-ish Russian
  ``салык``, or ``зфыыщкв`` on ЙЦУКЕН for ``password``;
- the Russian layout when Kazakh was meant: the Kazakh layout puts ә і ң ғ ү ұ қ ө һ
  on the digit row, so ``салы0`` is ``салық`` typed with the Russian layout;
- Kazakh in the Latin alphabet of 2021 (``Salyq``, ``Qazaqstan``, ``tölqūjat``), or
  in its informal ASCII habits (``sh``, ``zh``, ``ch``).

These are query-time fallbacks, tried when the query as typed finds little; the index
never holds them.
"""

from __future__ import annotations

import re

_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./"
_JCUKEN = "ёйцукенгшщзхъфывапролджэячсмитьбю."
_QWERTY_UP = '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?'
_JCUKEN_UP = "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,"

#: Latin key → the Cyrillic letter on the same key of the Russian (ЙЦУКЕН) layout.
LATIN_TO_CYRILLIC = str.maketrans(_QWERTY + _QWERTY_UP, _JCUKEN + _JCUKEN_UP)
#: Cyrillic letter → the Latin key it sits on.
CYRILLIC_TO_LATIN = str.maketrans(_JCUKEN + _JCUKEN_UP, _QWERTY + _QWERTY_UP)

#: Kazakh letters on the digit row of the Kazakh layout (Windows "Kazakh").
KAZAKH_DIGIT_ROW: dict[str, str] = {
    "2": "ә",
    "3": "і",
    "4": "ң",
    "5": "ғ",
    "8": "ү",
    "9": "ұ",
    "0": "қ",
    "-": "ө",
    "=": "һ",
}
_DIGITS_TO_KAZAKH = str.maketrans(KAZAKH_DIGIT_ROW)
_KAZAKH_TO_DIGITS = str.maketrans({v: k for k, v in KAZAKH_DIGIT_ROW.items()})

#: Kazakh Latin alphabet of 2021 → Cyrillic, digraphs first; also the 2018 acute
#: letters and common ASCII spellings.
KAZAKH_LATIN: tuple[tuple[str, str], ...] = (
    ("shch", "щ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("zh", "ж"),
    ("ts", "ц"),
    ("iu", "ю"),
    ("ia", "я"),
    ("ä", "ә"),
    ("á", "ә"),
    ("ö", "ө"),
    ("ó", "ө"),
    ("ü", "ү"),
    ("ú", "ү"),
    ("ū", "ұ"),
    ("ñ", "ң"),
    ("ń", "ң"),
    ("ğ", "ғ"),
    ("ǵ", "ғ"),
    ("ş", "ш"),
    ("ç", "ч"),
    # Russian-style ASCII: ya, yu, yo (ыа, ыу, ыо never occur in Kazakh)
    ("ya", "я"),
    ("yu", "ю"),
    ("yo", "ё"),
    # 2021: dotless ı is і, y is ы; dotted i is и/й
    ("ı", "і"),
    ("ĭ", "й"),
    ("i̇", "и"),
    ("a", "а"),
    ("b", "б"),
    ("c", "ц"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    # dotted i of 2021 is и/й, but typists use plain i for і far more often
    ("i", "і"),
    ("j", "ж"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "қ"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "у"),
    ("x", "х"),
    ("y", "ы"),
    ("ý", "у"),
    ("z", "з"),
)
_KAZAKH_LATIN_RE = re.compile(
    "|".join(re.escape(latin) for latin, _ in KAZAKH_LATIN), re.IGNORECASE
)
_KAZAKH_LATIN_MAP = dict(KAZAKH_LATIN)
_I_AS_Y = re.compile(r"(?<=[aeouyıäöüūáóúý])i(?![aeiouyıäöüūáóúý])", re.IGNORECASE)

_LATIN = re.compile(r"[a-zäöüūñğşçıáóúńǵý]", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яёәіңғүұқөһ]", re.IGNORECASE)
_KAZAKH_LETTERS = re.compile(r"[әіңғүұқөһ]", re.IGNORECASE)
_LATIN_DIACRITICS = re.compile("[äöüūñğşçıáóúńǵýÄÖÜŪÑĞŞÇÁÓÚŃǴÝ]")
#: Latin letters only Kazakh uses (q for қ and the 2021 diacritics).
#: (No IGNORECASE: under it dotless ı matches every i.)
_KAZAKH_LATIN_ONLY = re.compile("[qäöüūñğşıáóúńǵýQÄÖÜŪÑĞŞÁÓÚŃǴÝ]")
_LATIN_VOWELS = frozenset("aeiouyäöüūıáóúý")
#: A digit-row key inside or at the end of a Cyrillic word (``салы0``, ``2кім``).
_DIGIT_IN_WORD = re.compile(r"(?<=[а-яё])[0-9=\-]+|[0-9=\-]+(?=[а-яё])", re.IGNORECASE)


def kazakh_latin_to_cyrillic(text: str) -> str:
    """Transliterate Kazakh written in Latin letters (2021 alphabet and habits).

    >>> kazakh_latin_to_cyrillic("Salyq tölqūjat")
    'Салық төлқұжат'

    :param text: text in Latin letters.
    :returns: the Cyrillic reading; letters of other scripts pass unchanged.
    """

    def one(match: re.Match[str]) -> str:
        latin = match.group(0)
        cyr = _KAZAKH_LATIN_MAP[latin.lower()]
        return cyr.upper() if latin[0].isupper() else cyr

    # i after a vowel and before a non-vowel is й (zeinetaqy, mekenjai, Qoi)
    text = _I_AS_Y.sub("ĭ", text)
    return _KAZAKH_LATIN_RE.sub(one, text)


def latin_layout_to_cyrillic(text: str) -> str:
    """Read Latin text as keys pressed while the Russian layout was meant.

    Digits next to the letters become the Kazakh letters of the Kazakh layout.

    >>> latin_layout_to_cyrillic("cfkszr")
    'салыяк'

    :param text: text typed in the Latin layout.
    :returns: the Cyrillic reading.
    """
    return digits_to_kazakh(text.translate(LATIN_TO_CYRILLIC))


def cyrillic_layout_to_latin(text: str) -> str:
    """Read Cyrillic text as keys pressed while the Latin layout was meant.

    >>> cyrillic_layout_to_latin("упщм")
    'egov'

    :param text: text typed in the Russian layout.
    :returns: the Latin reading.
    """
    return text.translate(CYRILLIC_TO_LATIN)


def digits_to_kazakh(text: str) -> str:
    """Turn digit-row keys inside Cyrillic words into the Kazakh layout's letters.

    >>> digits_to_kazakh("салы0 2024")
    'салық 2024'

    Only digits touching Cyrillic letters change, so ``2024 жыл`` keeps its year.

    :param text: text typed with the Russian layout.
    :returns: the text with Kazakh letters for digit-row keys inside words.
    """
    return _DIGIT_IN_WORD.sub(lambda m: m.group(0).translate(_DIGITS_TO_KAZAKH), text)


#: Share of vowels above which Latin letters read as words, not as layout garble:
#: Russian words typed on QWERTY keys are nearly vowel-free (``ghjdthrf``), Kazakh or
#: English words are not (``Shymkent`` 0.25, ``egov`` 0.5).
MIN_VOWEL_SHARE = 0.2


def _vowel_share(text: str) -> float:
    letters = [c.lower() for c in text if c.isalpha()]
    return sum(c in _LATIN_VOWELS for c in letters) / max(1, len(letters))


def query_variants(text: str) -> list[str]:
    """Return alternative readings of a raw query, most plausible first.

    Tried when the query as typed finds little.  Kinds, in order of plausibility
    decided from the text itself:

    - Latin text: Kazakh Latin → Cyrillic first when it has Kazakh Latin diacritics
      or enough vowels to be words, otherwise the wrong-layout reading first;
    - Cyrillic text with digit-row keys inside words: the Kazakh-layout reading;
    - Cyrillic text: the Latin-layout reading (``упщм`` → ``egov``), last;
    - Kazakh letters: the folded spelling, in case the index holds a word typed
      without them.

    >>> query_variants("salyq")
    ['салық', 'ыфднй']
    >>> query_variants("gfcgjhn")
    ['паспорт', 'гфцгжхн']

    :param text: the query as typed.
    :returns: distinct readings, without the original; empty when none applies.
    """
    from search.analysis.folding import fold

    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    latin = len(_LATIN.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    if latin and latin >= cyrillic:
        translit = kazakh_latin_to_cyrillic(text)
        layout = latin_layout_to_cyrillic(text)
        readings = [translit]
        if not _KAZAKH_LATIN_ONLY.search(text):
            # Russian in Latin letters (pensiya, spravka): i is и, not і
            readings.append(translit.replace("і", "и").replace("І", "И"))
        if _LATIN_DIACRITICS.search(text) or _vowel_share(text) >= MIN_VOWEL_SHARE:
            out += [*readings, layout]
        else:
            out += [layout, *readings]
    if cyrillic:
        digits = digits_to_kazakh(text)
        if digits != text:
            out.append(digits)
        as_latin = cyrillic_layout_to_latin(text)
        if not _CYRILLIC.search(as_latin) and _vowel_share(as_latin) >= MIN_VOWEL_SHARE:
            out.append(as_latin)
        if _KAZAKH_LETTERS.search(text):
            out.append(fold(text))
    seen = {text}
    result = []
    for variant in out:
        if variant not in seen:
            seen.add(variant)
            result.append(variant)
    return result
