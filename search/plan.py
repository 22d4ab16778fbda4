"""The second stage: parsed words become a plan of weighted index terms per word.

Each query word becomes a *slot*: the index terms that match it (:mod:`search.terms`),
each with its field's weight; a run of words matching a synonym term adds the group's
other terms to its slot; a short word the index does not know is read as the acronym
it spells; question words are left out when the query has other words; the query's
language (:mod:`search.language`) weighs more. Quoted phrases become filters every hit
must match. This is what ``MultifieldParser`` over the per-language fields would
produce, without its syntax, its cost per field, and with room for these policies.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from search.fuzzy import NearTerms
from search.keys import fold
from search.keys import is_content_word
from search.keys import word_keys
from search.language import query_lang
from search.parse import MAX_QUERY_WORDS
from search.parse import ParsedText
from search.question_words import QUESTION_WORDS
from search.schema import INDEX_LANGS
from search.schema import TEXT_FIELDS
from search.synonyms import SynonymIndex
from search.terms import Leaf
from search.terms import TermFinder
from search.view import IndexView
from search.view import Phrase
from search.weights import LANG_PREFERENCE
from search.weights import SYNONYM_BOOST

#: Words this long or shorter may be an acronym typed another way (``ецп``, ``ECP``).
MAX_ACRONYM_CHARS = 8
#: An unfinished last word shorter than this that matches nothing is not held against
#: the hits (the operator is still typing it; from this length it is completed, so
#: finding nothing then means the index has no such word).
MIN_STUB_CHARS = 3


@dataclass(frozen=True)
class Plan:
    """A query ready to retrieve.

    :param slots: per query word, the index terms that match it (empty: nothing to find).
    :param phrases: quoted phrases every hit must match (see :data:`search.view.Phrase`).
    :param keys: analysed keys of the query words and their expansions (for snippets).
    :param known: how many query words were found in the index (exactly or fuzzily).
    :param words: how many query words were searchable (not stop words).
    :param lang: the language whose versions come first (the caller's, or the query's
        own, see :func:`search.language.query_lang`), or None.
    :param respelled: query words read as a known acronym (``ецп`` → ``ЭЦП``).
    :param unknown: searchable words nothing in the index matches (not even by a typo
        or a completion), an unfinished last word of fewer than ``MIN_STUB_CHARS``
        characters left out: they count against every hit's coverage.
    :param optional: per slot, True when its word is a stop word of one language (``от``,
        ``на`` are Kazakh words too): a hit need not match it.
    """

    slots: tuple[tuple[Leaf, ...], ...]
    phrases: tuple[Phrase, ...] = ()
    keys: frozenset[str] = field(default_factory=frozenset)
    known: int = 0
    words: int = 0
    lang: str | None = None
    respelled: tuple[tuple[str, str], ...] = ()
    unknown: int = 0
    optional: tuple[bool, ...] = ()


class Planner:
    """Builds plans against one view of the index (terms absent from it are skipped).

    :param view: the index state the plan will run on.
    :param synonyms: synonym groups to expand, or None.
    :param near_terms: returns the typo index of a language's fields (None while it is
        being built), or None for no typo tolerance.
    """

    def __init__(
        self,
        view: IndexView,
        synonyms: SynonymIndex | None = None,
        near_terms: Callable[[str], NearTerms | None] | None = None,
    ) -> None:
        self.view = view
        self.synonyms = synonyms
        self.terms = TermFinder(view, near_terms)
        self.doc_frequency = view.doc_frequency

    @property
    def typo_index_missing(self) -> bool:
        """True once a word needed a typo index that was still being built."""
        return self.terms.typo_index_missing

    def plan(self, parsed: ParsedText, prefer: str | None = None) -> Plan:
        """Build the plan for parsed user text.

        :param parsed: the output of :func:`search.parse.parse_text`.
        :param prefer: the caller's language (``kk`` or ``ru``) when the operator chose
            one; otherwise the query's own language is guessed.
        :returns: the plan (without slots when nothing is searchable).
        """
        words, respelled = self._respell(parsed.words)
        if len(words) > MAX_QUERY_WORDS:
            words = self._informative_words(words)
        terms = self.terms
        keys: set[str] = set()
        slots: list[tuple[Leaf, ...]] = []
        # Per query word, its own terms (not its synonyms'), for the language vote.
        own: list[list[Leaf] | None] = []
        # Per slot: True for a stop word of either language (not required of a hit).
        optional: list[bool] = []
        known = searchable = unknown = 0
        expansions = self.synonyms.expansions(words) if self.synonyms and words else []
        by_start = {exp.start: exp for exp in expansions}
        # Interrogatives say what kind of answer is wanted, not what it is about; they
        # are left out unless the query has nothing else.
        skip_questions = any(word.lower() not in QUESTION_WORDS for word in words)
        position = 0
        while position < len(words):
            exp = by_start.get(position)
            if exp is not None:
                span = words[exp.start : exp.end]
                typing = parsed.typing and exp.end == len(words)
                leaves = terms.run_leaves(span, typing, 1.0, keys)
                own.extend([None] * len(span))
                for alternative in exp.alternatives:
                    leaves += terms.run_leaves(alternative, False, SYNONYM_BOOST, keys)
                searchable += 1
                if leaves:
                    known += 1
                    slots.append(_merge(leaves))
                    optional.append(False)
                else:
                    unknown += 1
                position = exp.end
                continue
            word = words[position]
            last = position == len(words) - 1
            if skip_questions and word.lower() in QUESTION_WORDS:
                own.append([])
                position += 1
                continue
            leaves, has_keys = terms.word_leaves(word, parsed.typing and last, 1.0, keys)
            own.append(leaves)
            searchable += has_keys
            if leaves:
                known += 1
                slots.append(_merge(leaves))
                optional.append(not is_content_word(word))
            elif is_content_word(word) and not (
                parsed.typing and last and len(word) < MIN_STUB_CHARS
            ):
                unknown += 1
            position += 1
        preferred = prefer if prefer in INDEX_LANGS else query_lang(terms, words, own)
        if preferred is not None:
            slots = _prefer(slots, preferred)
        phrases = tuple(p for p in (self._phrase(words) for words in parsed.phrases) if p)
        return Plan(
            tuple(slots),
            phrases,
            frozenset(keys),
            known,
            searchable,
            lang=preferred,
            respelled=respelled,
            unknown=unknown,
            optional=tuple(optional),
        )

    def _respell(self, words: Sequence[str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """Read words the index does not know as the acronym they spell, if any.

        ``ецп``, ``ЕЦП`` and ``ECP`` are ``ЭЦП``; ``ХКО`` is ``ХҚКО``
        (:mod:`search.acronyms`). A word the index knows as typed is kept.

        :returns: the words to search and the ``(typed, acronym)`` pairs replaced.
        """
        table = self.synonyms.acronyms if self.synonyms is not None else None
        if not table:
            return tuple(words), ()
        out: list[str] = []
        replaced: list[tuple[str, str]] = []
        for word in words:
            acronym = table.resolve(word) if len(word) <= MAX_ACRONYM_CHARS else None
            if acronym is not None and acronym != word and not self._indexed(word):
                out.append(acronym)
                replaced.append((word, acronym))
            else:
                out.append(word)
        return tuple(out), tuple(replaced)

    def _informative_words(self, words: Sequence[str]) -> tuple[str, ...]:
        """The ``MAX_QUERY_WORDS`` rarest words of a long text that the index knows.

        A pasted message is mostly words every article has or none has (names, numbers,
        greetings); its rare known words say what it is about. Each distinct word counts
        once; question words and stop words are left out; the chosen keep their order.

        :param words: the words of the text.
        :returns: the chosen words.
        """
        frequency: dict[str, int] = {}
        for word in words:
            key = fold(word)
            if key in frequency or word.lower() in QUESTION_WORDS or not is_content_word(word):
                continue
            found = [
                self.doc_frequency(f"{kind}_{lang}", term)
                for lang in INDEX_LANGS
                for term in word_keys(lang, word)
                for kind in ("title", "body")
            ]
            frequency[key] = min((f for f in found if f), default=0)
        known = sorted((f, k) for k, f in frequency.items() if f)
        chosen = {key for _f, key in known[:MAX_QUERY_WORDS]}
        out: list[str] = []
        for word in words:
            key = fold(word)
            if key in chosen:
                chosen.discard(key)
                out.append(word)
        return tuple(out)

    def _indexed(self, word: str) -> bool:
        """Whether any field of either language has one of the word's keys."""
        return any(
            self.doc_frequency(f"{kind}_{lang}", key)
            for lang in INDEX_LANGS
            for key in word_keys(lang, word)
            for kind in TEXT_FIELDS
        )

    def _phrase(self, phrase: Sequence[str]) -> Phrase:
        """A quoted phrase: the words in order, in a title or body, in either language.

        :returns: the ``(field, keys)`` alternatives (empty when no field has them all).
        """
        options: list[tuple[str, tuple[str, ...]]] = []
        for lang in INDEX_LANGS:
            keyed = [word_keys(lang, word) for word in phrase]
            # Stop words inside a phrase are dropped by the analyser, so leave them out.
            first = tuple(k[0] for k in keyed if k)
            if not first:
                continue
            for kind in ("title", "body"):
                fieldname = f"{kind}_{lang}"
                if all(self.doc_frequency(fieldname, k) for k in first):
                    options.append((fieldname, first))
        return tuple(options)


def _prefer(slots: Sequence[tuple[Leaf, ...]], lang: str) -> list[tuple[Leaf, ...]]:
    """Weigh ``lang``'s fields ``LANG_PREFERENCE`` times more and the other's less.

    In the other language the word mostly matches through a synonym, a translation.
    """
    suffix = "_" + lang
    return [
        tuple(
            replace(
                leaf,
                boost=round(
                    leaf.boost * LANG_PREFERENCE
                    if leaf.field.endswith(suffix)
                    else leaf.boost / LANG_PREFERENCE,
                    6,
                ),
            )
            for leaf in slot
        )
        for slot in slots
    ]


def _merge(leaves: Sequence[Leaf]) -> tuple[Leaf, ...]:
    """Keep the highest boost of identical leaves, in a stable order (the slot is a cache key).

    Not their sum: synonyms ``налог = налоги`` both analyse to ``налог``, and the word
    must not weigh twice (that put Russian articles above Kazakh ones for ``салык``).
    """
    merged: dict[tuple[str, int, str, str], float] = {}
    for leaf in leaves:
        key = (leaf.group, leaf.part, leaf.field, leaf.text)
        merged[key] = max(merged.get(key, 0.0), leaf.boost)
    return tuple(Leaf(f, t, round(b, 6), g, n) for (g, n, f, t), b in sorted(merged.items()))
