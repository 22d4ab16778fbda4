"""Our Kazakh stemmer: suffix chains stripped from the end in morphological order.

The cut is decided on the *folded* word (:func:`search.analysis.folding.fold`), so a
word typed with Russian letters for the Kazakh ones (``салыгы`` for ``салығы``) is cut
exactly where the correctly spelled word is.  :func:`kk_stem` then cuts the word as
typed at that place, so its stem keeps the Kazakh letters it had, and :func:`kk_key`
is the folded stem (the stem itself when folding would make another frequent word:
``бөл`` would read ``бол``).  The analyzer indexes both and queries the stem as typed.

For a word longer than two letters:

1. exceptions (pronouns, auxiliaries, irregular verbs, ``жылы``) map to their lemma;
2. a known stem (the hand list, matched in Kazakh letters when the word has them)
   or a stop word is kept whole;
3. otherwise every stem the suffix rules can reach is listed (:func:`candidates`):
   suffixes are stripped from the end in slot order (particle, person, case,
   possessive, plural, verbal forms, negation, voice), each agreeing in vowel harmony
   with what precedes it and in the variant its first sound takes after the stem's
   last sound (``тұрмыс-ы``, never ``тұрмы-сы``), one-letter suffixes only after the
   opposite sound class (``үй-і``, ``бала-м``), voice and negation only right inside
   a verbal suffix, and first-person or bare ``-ң`` possessives never outermost;
4. the longest known stem among them wins (``мемлекеті`` → ``мемлекет``, not
   ``мемлеке``), a derived ``-лы``/``-шы`` lemma counting as known (``белгілі``);
   failing that, the shortest stem attested in real text (KazNERD: ``адамның`` →
   ``адам``, not ``ада``); failing that, the shortest stem of three letters or more;
5. dropped vowels come back (``орн`` → ``орын``; ``оқу``, ``оқиды`` → ``оқы``) and
   the final consonant is devoiced (к/г, қ/ғ, п/б), so ``кітабы`` gives ``кітап``.

docs/analysis.md lists every rule with its reason and the measured figures.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from search.analysis import kk
from search.analysis.folding import fix_lookalikes
from search.analysis.folding import fold

#: Longest word stemmed; longer strings are returned as they are.
MAX_WORD = 60
#: Shortest stem the rules may leave (letters).
MIN_STEM = 2
#: Shortest stem left by a one-letter suffix: such suffixes are the riskiest.
MIN_STEM_SHORT_SUFFIX = 3
#: Shortest known stem that may be chosen over a longer reading.
MIN_KNOWN = 2
#: Shortest stem the rules may leave when it is not a known stem.
MIN_UNKNOWN = 3
#: Shortest attested stem (KazNERD list) that may be chosen.  With MIN_UNKNOWN, 4 / 4
#: trades 3–4 points of conflation for 1–2 points less over-merging
#: (docs/analysis.md).
MIN_ATTESTED = 3

#: Known-stem lists shipped with the package (see :func:`lexicon`).
LEXICON_FILES = ("kk_stems.txt",)
#: Stems attested in real text (KazNERD, CC BY 4.0), written by
#: ``benchmarks/kk_lexicon.py`` (see :func:`attested`).
ATTESTED_FILE = "kk_stems_kaznerd.txt"

_VOWELS = frozenset("аеиоуыэюя")
#: Suffixes without harmony variants.
_NEUTRAL = frozenset(["мен", "бен", "пен", "менен", "бенен", "пенен"])
_NOT_FINAL = frozenset([kk.VOICE, kk.NEGATION])
#: First-person and bare second-person possessives end a word rarely in documents and
#: a stem often (folded ң is н; басым, жайылым):
#: stripped only inside a longer chain (бала-м-а, бала-ң-ды).
_NOT_FINAL_SUFFIX = frozenset(["м", "н", "ым", "им"])
#: Whether to check vowel harmony between stem and suffix (folded harmony can only
#: tell ы and е apart; on the development half it changes little either way).
HARMONY = True
#: Whether to check that a suffix variant fits the stem's last sound.
ASSIMILATION = True
_VOICELESS = frozenset("кпстфхцчшщ")
#: After these, Kazakh takes the voiceless variant (б, в, г, д end loanwords only).
_VOICELESS_OR_FINAL = _VOICELESS | frozenset("бвгд")
_BACK_ONLY = frozenset("ы")
_FRONT_ONLY = frozenset("е")
_DEVOICE_KK = {"б": "п", "г": "к", "ғ": "қ"}


def _build_suffixes() -> dict[str, tuple[tuple[int, int], ...]]:
    """Map each folded suffix to its readings ``(slot, next_limit)``: the slot checked
    against the previous strip and the limit left for the next one."""
    table: dict[str, set[tuple[int, int]]] = {}

    def add(suffix: str, slot: int, next_limit: int) -> None:
        folded = fold(suffix)
        vowels = {c for c in folded if c in _VOWELS}
        if vowels & {"а", "ы"} and vowels & {"е", "и"}:
            return  # mixed harmony never occurs
        table.setdefault(folded, set()).add((slot, next_limit))

    for slot, suffixes in kk.SUFFIXES.items():
        for suffix in suffixes:
            add(suffix, slot, slot)
    for suffix in kk.PAST_PERSON:
        add(suffix, kk.PERSON, kk.VERBAL)
    for suffix in kk.POSSESSIVE_CASE:  # the plural is written into these (лары-на)
        add(suffix, kk.CASE, kk.PLURAL)
    for suffix in kk.POSSESSIVE_DATIVE:  # a plural may precede (бала-лар-ым-а)
        add(suffix, kk.CASE, kk.POSSESSIVE)
    return {suffix: tuple(sorted(readings)) for suffix, readings in table.items()}


_SUFFIXES = _build_suffixes()
#: Folded suffixes that start with the possessive -сы/-сі (only after a vowel).
_POSSESSIVE_S = frozenset(
    fold(s) for s in (*kk.POSSESSIVE_CASE, *kk.SUFFIXES[kk.POSSESSIVE]) if s[:2] in ("сы", "сі")
)
#: The aorist -ар/-ер/-р, folded: only on a known or attested verb stem.
_AORIST = frozenset(["ар", "ер", "р"])
#: The plural suffixes, folded (also read by benchmarks/kk_lexicon.py).
PLURAL_SUFFIXES = frozenset(fold(s) for s in "лар лер дар дер тар тер".split())
#: Folded suffixes that are or contain a possessive (``ы``, ``сы``, ``ына``, ``ыма``).
_POSSESSIVE_ANY = frozenset(
    fold(s) for s in (*kk.SUFFIXES[kk.POSSESSIVE], *kk.POSSESSIVE_CASE, *kk.POSSESSIVE_DATIVE)
)
#: Last letter → lengths of the suffixes ending in it, longest first (a word is only
#: sliced at lengths that can match).
_SIZES_BY_LAST: dict[str, tuple[int, ...]] = {
    last: tuple(sorted({len(s) for s in _SUFFIXES if s[-1] == last}, reverse=True))
    for last in {s[-1] for s in _SUFFIXES}
}
#: folded form → (form, lemma); a form typed with other Kazakh letters does not match.
_EXCEPTIONS = {fold(k): (k, v) for k, v in kk.EXCEPTIONS.items()}
_VOWEL_DROP = {fold(k): v for k, v in kk.VOWEL_DROP.items()}
#: Case endings with the pronominal -н- that follow a known compound ending in the
#: possessive -сы/-сі (отбасы-на, отбасы-нда, отбасы-нан), folded.
_PRONOMINAL = tuple(fold(s) for s in "ндағы ндегі нда нде нан нен на не н".split())
#: Converbs (folded): a verb form that only person endings may follow.
_CONVERB = frozenset(["а", "е", "й", "ып", "ип", "п"])
#: Finite verb forms and converbs that end a word (folded): the imperative -сын/-сін,
#: the volitive -айын/-ейін, and the converbs 'since', 'until', 'after'.  Nothing but a
#: particle follows them, so ``маңай-ы-нда`` is no ``маң-айын-да``.
_FINAL_ONLY = frozenset(
    fold(s)
    for s in "сын сін айын ейін йын йін ғалы гелі қалы келі ғанша генше қанша кенше "
    "ғасын гесін қасын кесін".split()
)
#: The negated aorist -мас/-мес (folded): a participle that takes no possessive, so
#: ``бастама-сы`` is no ``баста-мас-ы``.
_NEGATED_AORIST = frozenset(fold(s) for s in "мас мес бас бес пас пес".split())
#: Ordinal suffixes (folded) and the numerals they follow.
_ORDINAL = frozenset(fold(s) for s in ("ыншы", "інші", "ншы", "нші"))
_NUMERALS = frozenset(fold(w) for w in kk.NUMERALS)
#: Derivational suffixes that make a lemma of their own from a known stem: the
#: adjective -лы/-лі 'having' (белгі-лі, түр-лі) and the agent -шы/-ші (жылқы-шы).
#: A word of this shape is not read as a stem in -л/-ш with a possessive -ы/-і.
_DERIVED = {"лы": "аеиоуыэюярйу", "ли": "аеиоуыэюярйу", "шы": "", "ши": ""}
#: Folded stop words: kept whole when they are the word (кейін, бері), but no stem to
#: stop at inside a longer word (бері would swallow беріл-ген).
_STOP = frozenset(fold(w) for w in kk.STOP_WORDS)


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Return the folded known stems that stop over-stripping.

    The lists sit next to this module: ``kk_stems.txt``, written by hand for the
    language of public services.

    :returns: a frozen set of folded stems.
    """
    stems = set()
    for name in LEXICON_FILES:
        text = resources.files("search.analysis").joinpath(name).read_text("utf-8")
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                stems.add(fold(line))
    # A stop word is no stem to stop at (бері 'since' would swallow беріл-ген).
    return frozenset(stems - {fold(w) for w in kk.STOP_WORDS})


@lru_cache(maxsize=1)
def attested() -> frozenset[str]:
    """Return the folded stems attested in real Kazakh text.

    ``kk_stems_kaznerd.txt`` lists the stems the suffix rules reach from the words of
    KazNERD (news sentences, CC BY 4.0) that occur there as words, devoiced
    (``құқығ``: ``құқық`` occurs) or as a verbal noun (``шық``: ``шығу`` occurs).
    Among the stems of an unknown word the shortest attested one wins, so the rules
    stop at a real word (``адамның`` → ``адам``, not ``ада``).

    :returns: a frozen set of folded stems (empty when the file is absent).
    """
    path = resources.files("search.analysis").joinpath(ATTESTED_FILE)
    if not path.is_file():
        return frozenset()
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _ends_in_vowel(stem: str) -> bool:
    """Tell whether a folded stem ends in a vowel sound (у after a vowel is [w])."""
    last = stem[-1]
    if last == "у" and len(stem) > 1 and stem[-2] in _VOWELS:
        return False
    return last in _VOWELS


def _assimilates(stem: str, suffix: str) -> bool:
    """Tell whether a suffix's first sound fits the sound the stem ends in.

    Kazakh picks the variant of a suffix by the stem's last sound: -лар after a vowel
    or р/й/у, -дар after other voiced sounds, -тар after voiceless ones; -ны after a
    vowel, -ды/-ты after consonants; -сы after a vowel, -ы after a consonant.  A cut
    whose suffix variant does not fit is not a real inflection (тұрмыс-ы, not
    тұрмы-сы).
    """
    first = suffix[0]
    vowel = _ends_in_vowel(stem)
    last = stem[-1]
    if first in "аеыи":
        return not vowel
    if first in "тк":
        return last in _VOICELESS_OR_FINAL
    if first in "дг":
        return last not in _VOICELESS
    if first == "п":
        return vowel if suffix in ("пты", "пти") else last in _VOICELESS
    if first == "б":
        return not vowel and last not in _VOICELESS
    if first == "м":
        return last not in _VOICELESS
    if first == "н":
        return vowel or last in "мн"
    if first == "л":
        return vowel or last in "рйу"
    if first == "с" and suffix in _POSSESSIVE_S and suffix not in ("сын", "син"):
        return vowel  # (-сын/-сін is also the imperative: бол-сын)
    return True


def _harmonic(stem: str, suffix: str) -> bool:
    """Tell whether ``suffix`` may follow ``stem`` under (folded) vowel harmony."""
    last = next((c for c in reversed(stem) if c in _VOWELS), "")
    if not last:
        return False
    if stem.endswith("ев"):
        # Russian surnames in -ев take back suffixes: Назарбаевтың, Сәтбаевқа
        return True
    vowels = {c for c in suffix if c in _VOWELS}
    if last in _FRONT_ONLY and (vowels & {"а", "ы"}):
        return False
    if last in _BACK_ONLY and (vowels & {"е", "и"}):
        return False
    return True


def candidates(folded: str, min_size: int = 1) -> dict[str, int]:
    """Return every stem the suffix rules can reach from a folded word.

    :param folded: a lowercase folded word.
    :param min_size: the shortest suffix to consider.
    :returns: stem → number of suffixes stripped to reach it (the word itself is 0).
    """
    found: dict[str, int] = {folded: 0}
    todo = [(folded, kk.PARTICLE + 1, 0, "")]
    seen: set[tuple[str, int]] = set()
    while todo:
        stem, limit, depth, outer = todo.pop()
        longest = len(stem) - MIN_STEM
        for size in _SIZES_BY_LAST.get(stem[-1], ()):
            if size > longest or size < min_size:
                continue
            suffix = stem[-size:]
            readings = _SUFFIXES.get(suffix)
            if readings is None:
                continue
            limits = [
                nxt
                for slot, nxt in readings
                if (slot < limit or (slot == kk.VOICE and limit == kk.VOICE))
                # voice and negation sit right inside a verbal suffix, never at the
                # end of a word (a final -ма is the question particle, a final -ыл
                # belongs to the stem: қызыл, алыс) nor inside a case (павильон-да)
                and (slot not in _NOT_FINAL or limit <= kk.VERBAL)
                and (depth > 0 or suffix not in _NOT_FINAL_SUFFIX)
            ]
            if not limits:
                continue
            if suffix in _FINAL_ONLY and limit <= kk.PERSON:
                continue
            if suffix in _NEGATED_AORIST and outer in _POSSESSIVE_ANY:
                continue
            rest = stem[:-size]
            if suffix == "р" and stem[-3:] in PLURAL_SUFFIXES:
                continue  # үй-лер, орын-дар: a plural, not the aorist of үйле, орында
            if suffix in _AORIST and rest not in lexicon() and rest not in attested():
                continue  # контейнер, теледидар: loanwords end in -ер/-ар more often
            if size == 1 and (
                # two-letter stems only when known (ал-а-ды, өт-е-ді, ел-і)
                (len(rest) < MIN_STEM_SHORT_SUFFIX and rest not in lexicon())
                # one-letter suffixes follow the opposite sound class: a vowel
                # suffix a consonant, a consonant suffix a vowel (бала-м, үй-і);
                # the verbal noun -у follows both (жаса-у, кел-у)
                or (suffix != "у" and (suffix in _VOWELS) == _ends_in_vowel(rest))
                # the agent noun -ушы/-уші is a lemma of its own (беруші, сайлаушы),
                # not a possessive on a stem in -уш
                or (suffix in "ыи" and len(rest) > 3 and rest.endswith("уш"))
                # nor the adjective -ғы/-гі (қазір-гі, бүгін-гі, үлгі): no Kazakh stem
                # ends in a consonant and ғ/г
                or (suffix in "ыи" and rest[-1] == "г" and rest[-2] not in _VOWELS)
            ):
                continue
            if depth == 0 and suffix in ("а", "е", "й") and rest not in lexicon():
                continue  # a final -а/-е/-й ends nouns (сапа, төбе) more often than verbs
            if suffix in _CONVERB and limit < kk.PERSON:
                # a converb takes only person endings (кел-е-ді), never a plural,
                # possessive or case (тайпа-лары is no тайп-а-лар-ы)
                limits = [n for n in limits if n != kk.VERBAL] if suffix in ("а", "е") else []
                if not limits:
                    continue
            if suffix in ("а", "е") and depth > 0 and rest[-1] not in "мн":
                # the dative -а/-е follows only the possessives -м and -ң (бала-м-а)
                limits = [n for n in limits if n != kk.CASE]
                if not limits:
                    continue
            if suffix in _ORDINAL and rest not in _NUMERALS:
                continue  # ordinals follow numerals only (бес-інші, not ой-ыншы)
            if HARMONY and suffix not in _NEUTRAL and not _harmonic(rest, suffix):
                continue
            if ASSIMILATION and size > 1 and not _assimilates(rest, suffix):
                continue
            if rest not in found or found[rest] > depth + 1:
                found[rest] = depth + 1
            for next_limit in limits:
                if (rest, next_limit) not in seen:
                    seen.add((rest, next_limit))
                    todo.append((rest, next_limit, depth + 1, suffix))
    return found


def _derived(stem: str, known: frozenset[str], seen: frozenset[str]) -> bool:
    """Tell whether a folded candidate is a derived lemma (``белгілі``, ``жылқышы``):
    a known or attested stem of three letters or more with ``-лы/-лі`` or ``-шы/-ші``,
    or a word in ``-лы/-шы`` whose reading as a noun in ``-л/-ш`` with a possessive
    finds no such noun (``жылжымалы``, ``жетекші``)."""
    after = _DERIVED.get(stem[-2:])
    if after is None:
        return False
    if stem[:-1] in known or stem[:-1] in seen:
        return False  # a noun in -л/-ш with a possessive (тіл-і, ағаш-ы)
    if any(stem.endswith(o) and stem[: -len(o)] in _NUMERALS for o in _ORDINAL):
        return False  # an ordinal (бес-інші)
    if len(stem) >= 5:
        return True  # no such noun to bear a possessive (жылжымалы, жетекші)
    base = stem[:-2]
    if len(base) < MIN_UNKNOWN or (after and base[-1] not in after):
        return False
    return base in known or base in seen


@lru_cache(maxsize=1)
def _spellings() -> dict[str, frozenset[str]]:
    """Map each folded known stem to its spellings in Kazakh letters (``тура`` and
    ``тұра`` fold alike; a word typed with Kazakh letters must match one exactly)."""
    spelled: dict[str, set[str]] = {}
    for name in LEXICON_FILES:
        text = resources.files("search.analysis").joinpath(name).read_text("utf-8")
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip().lower()
            if line:
                spelled.setdefault(fold(line), set()).add(line)
    return {k: frozenset(v) for k, v in spelled.items() if k in lexicon()}


def choose(folded: str, lower: str | None = None) -> str:
    """Pick the stem of a folded word.

    A known stem or a stop word is kept whole; otherwise the longest known stem the rules reach wins
    (``мемлекеті`` → ``мемлекет``, not ``мемлеке``); failing that, the shortest stem
    attested in real text (``адамның`` → ``адам``, not ``ада``); an unknown word is
    stripped as far as the rules go.

    :param folded: a lowercase folded word.
    :param lower: the word as typed (lowercase): when it has Kazakh letters, a known
        stem must match its spelling (``тұрады`` is not read as ``тура`` + ``ды``).
    :returns: the chosen folded stem (before vowel restoration and devoicing).
    """
    known = lexicon()
    spelled = lower is not None and lower != folded
    if folded in _STOP or (folded in known and (not spelled or lower in _spellings()[folded])):
        return folded
    for ending in _PRONOMINAL:
        base = folded[: -len(ending)]
        if folded.endswith(ending) and base[-2:] in ("сы", "си") and base in known:
            # отбасы-на, елбасы-ның: a known compound in -сы/-сі takes the -н- cases
            # (not діни: folded, it would read дін-і-н as діни-н)
            return base
    found = candidates(folded)
    if spelled:
        assert lower is not None  # spelled implies a lower-case spelling was given
        spellings = _spellings()
        known = frozenset(
            s for s in found if s in known and lower[: len(s)] in spellings.get(s, ())
        )
    seen = attested()
    in_lexicon = [
        s
        for s in found
        if (s in known and len(s) >= MIN_KNOWN)
        # an adjective takes no converb: анықта-л-ып is no анықта-лы + п
        or (folded[len(s) : len(s) + 1] != "п" and _derived(s, known, seen))
    ]
    if in_lexicon:
        return max(in_lexicon, key=len)
    in_text = [s for s in found if s in seen and len(s) >= MIN_ATTESTED]
    if in_text:
        return min(in_text, key=len)
    pool = [s for s in found if len(s) >= MIN_UNKNOWN] or [folded]
    return min(pool, key=lambda s: (len(s), found[s]))


def cut(folded: str, lower: str) -> tuple[int, str | None]:
    """Decide where to cut a folded word.

    :param folded: a lowercase folded word.
    :param lower: the same word before folding (to tell ``түр`` from ``тұр``).
    :returns: ``(kept, whole)``: how many leading letters form the stem, and the lemma
        in Kazakh letters that replaces them when an exception or a dropped vowel
        applies (else ``None``).
    """
    exception = _EXCEPTIONS.get(folded)
    if exception is not None and lower in (exception[0], folded):
        return len(folded), exception[1]
    stem = choose(folded, lower)
    whole = _VOWEL_DROP.get(stem)
    if whole is None:
        whole = _verb_in_y(folded, lower, stem)
    return len(stem), whole


def _verb_in_y(folded: str, lower: str, stem: str) -> str | None:
    """Restore a verb stem in -ы/-і that spelling hides before -у and -й.

    ``оқы-у`` is written ``оқу`` and ``оқы-йды`` ``оқиды``; when the stem chosen for
    such a form is the verb without its vowel (``дам`` of ``даму``, ``дамиды``) or
    ends in the merged letter (``оқу``, ``оқи``) and the full verb is known or
    attested (``дамы``, ``оқы``), the full verb is the stem.

    :param folded: the folded word.
    :param lower: the word as typed, lowercased.
    :param stem: the chosen folded stem.
    :returns: the verb stem in the word's letters, or ``None``.
    """
    known, seen = lexicon(), attested()
    if stem in known:
        return None
    if folded[len(stem) : len(stem) + 1] in ("у", "и"):
        base = stem
    elif (
        len(stem) > 2
        and stem[-2] not in _VOWELS
        and (stem[-1] == "у" or (stem[-1] == "и" and len(stem) < len(folded)))
    ):
        base = stem[:-1]  # (a final и is a word's own: әрі typed ари is no ары-й)
    else:
        return None
    if len(base) < 2 or base[-1] in _VOWELS:
        return None
    merged = folded[len(base)] == "и"
    if merged and lower[len(base)] != "и":
        return None  # і is a vowel of its own (біл-ім), not ы merged with й
    # ы-й is written и (оқиды); і-й is rare, so only -у restores a front verb in -і
    vowels = (("ы", "ы"),) if merged else (("ы", "ы"), ("и", "і"))
    for vowel, typed in vowels:
        if base + vowel in known or base + vowel in seen:
            if typed == "і" and lower == fold(lower):
                typed = "и"  # typed without Kazakh letters: stay without them
            return lower[: len(base)] + typed
    return None


@lru_cache(maxsize=200_000)
def kk_stem(word: str) -> str:
    """Return the stem of a Kazakh word, in the letters it was typed with.

    The cut is decided on the folded word, so ``салығы`` and ``салыгы`` are cut at the
    same place; the final consonant is devoiced (к/г, қ/ғ, п/б) so the stem of
    ``кітабы`` is the lemma ``кітап``.

    >>> kk_stem("төлқұжаттарымызды")
    'төлқұжат'
    >>> kk_stem("кітабы")
    'кітап'
    >>> kk_stem("салыгынын")
    'салык'

    :param word: one word, any case (Latin look-alikes are made Cyrillic).
    :returns: the lowercase stem.
    """
    lower = fix_lookalikes(word.lower()).replace("ё", "е")
    folded = fold(lower)
    if len(folded) > MAX_WORD or not folded.isalpha():
        return lower
    if len(folded) <= MIN_STEM:
        # two-letter particles still map to their lemma (бе, ба → ма; де → да)
        exception = _EXCEPTIONS.get(folded)
        return exception[1] if exception is not None and lower == exception[0] else lower
    kept, whole = cut(folded, lower)
    if whole is not None:
        return whole
    stem = lower[:kept]
    return stem[:-1] + _DEVOICE_KK.get(stem[-1], stem[-1])


@lru_cache(maxsize=200_000)
def kk_key(word: str) -> str:
    """Return the folded stem of a Kazakh word: the index term that typing without
    Kazakh letters meets (the analyzer indexes it beside the stem).

    >>> kk_key("Салығының")
    'салык'

    The stem itself is returned instead when its folded spelling is another frequent
    word (:data:`search.analysis.kk.FOLD_HOMOGRAPHS`: ``бөл`` stays ``бөл``, since
    ``бол`` is a word of its own), so a query typed without Kazakh letters does not
    meet it.

    >>> kk_key("бөлді")
    'бөл'

    :param word: one word.
    :returns: ``fold(kk_stem(word))``, or the stem when that is a homograph.
    """
    stem = kk_stem(word)
    folded = fold(stem)
    return stem if folded in kk.FOLD_HOMOGRAPHS else folded
