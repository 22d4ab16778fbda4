"""Turning what an operator typed into a Whoosh query.

User text is plain words (Whoosh's query language is not exposed; only balanced double
quotes make a phrase). Every word is analysed by both languages' analysers, so a mixed
Kazakh/Russian query needs no language switch, and the query is built directly from the
analysed keys: this is what ``MultifieldParser`` over ``title_kk, body_kk, title_ru,
body_ru`` would produce, without the parser's cost and with control over the policies
below.

- Each word becomes an OR over the per-language fields, weighted by ``FIELD_BOOSTS``;
  only terms present in the index are kept, so rare words cost nothing.
- A word of ``MIN_FUZZY_LETTERS`` letters or more that is absent from the index is
  matched within one edit (two for long words) of its folded key.
- The last word of a query still being typed (no space or punctuation after it) also
  matches as a prefix.
- Synonym groups (``search.synonyms``) add their other terms as alternatives.
- Documents matching more of the query's words rank higher (``COORD_WEIGHT``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from functools import lru_cache
from time import perf_counter

from whoosh import query as wq
from whoosh.analysis import Analyzer
from whoosh.searching import Searcher

from search import analysis
from search.analysis.filters import STEM_MARK
from search.analysis.filters import STEM_MODE
from search.analysis.russian import ru_is_known
from search.fuzzy import NearTerms
from search.ranking import SlotScores
from search.ranking import WordScores
from search.schema import INDEX_LANGS
from search.schema import TEXT_FIELDS
from search.synonyms import SynonymIndex
from search.synonyms import words_of
from search.view import term_postings

#: Weight of a match per field kind (Warehouse-style named boosts). Titles are also in
#: the body, so a title word scores body + title. Measured on the shared corpora (whose
#: titles are Wikipedia article names and news headlines), higher title weights lost
#: MRR: title 3.0 gave kazqad_kk 0.53 / xquad_ru 0.69, 0.3 gave 0.73 / 0.89.
FIELD_BOOSTS: dict[str, float] = {"title": 0.3, "keywords": 1.5, "body": 1.0}
#: BM25F parameters: Whoosh's defaults, less length normalisation for short titles.
BM25_K1 = 1.2
BM25_B = 0.75
BM25_TITLE_B = 0.3
#: Per-language ``(K1, B)`` for the body and keyword fields. Russian lemmas are less
#: repetitive than Kazakh stems; tuned on the dev half of the benchmark queries (xquad_ru
#: 0.919 MRR with 0.9/0.6, 0.933 with 0.6/0.5, 0.938 with 0.6/0.3, 0.935 with 0.6/0.2;
#: kazqad_kk best with the defaults, lower B lost up to 2.7 points).
BM25_BODY: dict[str, tuple[float, float]] = {"kk": (BM25_K1, BM25_B), "ru": (0.6, 0.3)}
#: Weight of a synonym's alternative terms relative to the word as typed.
SYNONYM_BOOST = 0.9
#: Weight of fuzzy (typo) matches relative to an exact key.
FUZZY_BOOST = 0.6
#: Weight of prefix completions of the word being typed.
PREFIX_BOOST = 0.7
#: Extra weight of a quoted phrase.
PHRASE_BOOST = 2.0
#: Weight of a word's stem key (``search.analysis.filters.STEM_MARK``) per language,
#: relative to its lemma or stem. The stem key is its own alternative (a document takes
#: the better of lemma and stem key, never both). Dev half of the benchmark queries, with
#: the key indexed for every word: kazqad_kk 0.727 → 0.730 MRR (R@10 0.866 → 0.882) with
#: kk 0.5 (0.4: 0.729, 0.6: 0.724); xquad_ru 0.944 → 0.946 with ru 0.35 (0.5: 0.943);
#: adding it to the lemma's score instead of taking the better lost on both.
STEM_BOOST: dict[str, float] = {"kk": 0.5, "ru": 0.35}
#: Stem keys in more than this share of the documents (and ``STEM_MIN_DOCS``) are not
#: asked for: common ones add little and cost the most to score.
STEM_MAX_SHARE = 0.05
STEM_MIN_DOCS = 200
#: Hits in the query's language (see :meth:`QueryBuilder.query_lang`) weigh this much more.
LANG_PREFERENCE = 1.5
#: A word votes for a language when that language's titles and bodies hold its terms at
#: least this many times as often as the other's (see :meth:`QueryBuilder.query_lang`).
LANG_VOTE_RATIO = 2
#: Words this long or shorter may be an acronym typed another way (``ецп``, ``ECP``).
MAX_ACRONYM_CHARS = 8
#: Documents matching all query words score up to (1 + COORD_WEIGHT) times more.
COORD_WEIGHT = 0.5

#: Typo tolerance starts at this many letters (shorter words have too many neighbours).
MIN_FUZZY_LETTERS = 5
#: From this many letters, two edits are tolerated.
MIN_FUZZY2_LETTERS = 9
#: At most this many fuzzy expansions per word (the most frequent are kept).
MAX_FUZZY_TERMS = 6
#: An unfinished last word shorter than this that matches nothing is not held against
#: the hits (the operator is still typing it; from this length it is completed, so
#: finding nothing then means the index has no such word).
MIN_STUB_CHARS = 3
#: The word being typed completes from this many characters on.
MIN_PREFIX_CHARS = 3
#: At most this many completions per field (the most frequent are kept).
MAX_PREFIX_TERMS = 8
#: Completions looked at per field before choosing (bounds the cost of short prefixes).
MAX_PREFIX_SCAN = 200

#: Question words (as typed, lower case) left out of queries that have other words, and
#: the Kazakh "is called / counts as" verbs of questions (``… деп аталады?``, ``… болып
#: табылады?``): +0.2 MRR points on kazqad_kk, none on xquad_ru for называется/является.
QUESTION_WORDS: frozenset[str] = frozenset(
    """
    кто что какой какая какое какие каким какого какой каком какую каких какими
    который которая которое которые которого котором сколько когда где куда откуда
    почему зачем как чей чья чьё чьи ли кого кому кем ком чего чему чем каков какова
    каково каковы такое назовите назови
    кім не нені неге қандай қанша қашан қайда қайдан қай қалай неше нешінші нешеу
    қайсы қайсысы кімнің кімге ненің неден немен дегеніміз деген ма ме ба бе па пе
    нелер деп аталады аталатын атайды атаймыз айтады айтамыз табылады жатады саналады
    """.split()
)

#: Entries of the shared document-frequency cache before it is cleared.
MAX_DF_CACHE = 500_000

#: Longer queries are refused with a clear message rather than run for seconds.
MAX_QUERY_CHARS = 1000
#: A longer text (a pasted message) is searched by this many of its informative words:
#: the rarest ones the index knows (questions are far shorter).
MAX_QUERY_WORDS = 32
#: Words of a pasted text looked at to choose them (1,000 characters hold about 150).
MAX_PASTE_WORDS = 400

_KAZAKH_LETTERS = re.compile(r"[әіңғүұқөһ]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_PHRASE_RE = re.compile(r'"([^"]*)"')


class QueryError(ValueError):
    """The query cannot be searched (for example, it is far too long)."""


@dataclass(frozen=True)
class ParsedText:
    """User text split into plain words and quoted phrases.

    :param words: the words outside quotes, in order.
    :param phrases: quoted phrases of two words or more, each as its words.
    :param typing: True when the last word may be unfinished (no space or punctuation
        after it), so it is also matched as a prefix.
    """

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()
    typing: bool = False

    @property
    def empty(self) -> bool:
        """True when there is nothing to search for."""
        return not self.words and not self.phrases


@dataclass(frozen=True)
class Leaf:
    """One index term of a query word, with its weight.

    :param field: the field name (``body_kk``).
    :param text: the analysed term.
    :param boost: the weight (field boost times synonym/fuzzy/prefix weight).
    :param group: leaves of one group add up (one term in several fields, or the words
        of a multi-word synonym); a word's score is that of its best group, so a word
        with two readings, or a typo near two terms, is not counted twice.
    :param part: which word of a multi-word group the term stands for (a document that
        has only some of the words still scores, but is a partial match: see
        :class:`search.ranking.SlotScores`); -1 for a stop word, which is not required.
    """

    field: str
    text: str
    boost: float
    group: str = ""
    part: int = 0


@dataclass(frozen=True)
class Plan:
    """A query ready to rank.

    :param slots: per query word, the index terms that match it (empty: nothing to find).
    :param required: a Whoosh query every hit must match (quoted phrases), or None.
    :param keys: analysed keys of the query words and their expansions (for snippets).
    :param known: how many query words were found in the index (exactly or fuzzily).
    :param words: how many query words were searchable (not stop words).
    :param lang: the language whose versions come first (the caller's, or the query's
        own, see :meth:`QueryBuilder.query_lang`), or None.
    :param respelled: query words read as a known acronym (``ецп`` → ``ЭЦП``).
    :param unknown: searchable words nothing in the index matches (not even by a typo
        or a completion), an unfinished last word of fewer than ``MIN_STUB_CHARS``
        characters left out: they count against every hit's coverage.
    :param optional: per slot, True when its word is a stop word of one language (``от``,
        ``на`` are Kazakh words too): a hit need not match it.
    """

    slots: tuple[tuple[Leaf, ...], ...]
    required: wq.Query | None = None
    keys: frozenset[str] = field(default_factory=frozenset)
    known: int = 0
    words: int = 0
    lang: str | None = None
    respelled: tuple[tuple[str, str], ...] = ()
    unknown: int = 0
    optional: tuple[bool, ...] = ()


def parse_text(text: str) -> ParsedText:
    """Split user text into words and quoted phrases, ignoring any query syntax.

    :param text: what the user typed.
    :returns: the parsed text (possibly empty).
    :raises QueryError: when the text is longer than ``MAX_QUERY_CHARS``.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text)} characters long: shorten it to at most "
            f"{MAX_QUERY_CHARS} (a few key words find more than a pasted text)"
        )
    text = unicodedata.normalize("NFC", _CONTROL_RE.sub(" ", text))
    phrases: list[tuple[str, ...]] = []
    words: list[str] = []
    cursor = 0
    # Only balanced quotes make phrases; a stray quote is just punctuation.
    for match in _PHRASE_RE.finditer(text):
        words.extend(words_of(text[cursor : match.start()]))
        inner = words_of(match.group(1))
        if len(inner) > 1:
            phrases.append(tuple(inner))
        words.extend(inner)
        cursor = match.end()
    words.extend(words_of(text[cursor:]))
    stripped = text.rstrip()
    typing = bool(words) and stripped == text and stripped[-1:].isalnum()
    return ParsedText(
        words=tuple(words[:MAX_PASTE_WORDS]),
        phrases=tuple(phrases),
        typing=typing and len(words) <= MAX_QUERY_WORDS,
    )


@lru_cache(maxsize=4)
def _analyzer(lang: str) -> Analyzer:
    return analysis.analyzer_for(lang)


@lru_cache(maxsize=50_000)
def stem_keys(lang: str, word: str) -> tuple[str, ...]:
    """Return the stem keys of one query word as the index holds them (cached per word).

    :param lang: ``"kk"`` or ``"ru"``.
    :param word: one word as typed.
    :returns: the distinct stem keys (``STEM_MARK`` + folded stem; empty for stop words
        and domain terms).
    """
    tokens = _analyzer(lang)(word, mode=STEM_MODE)
    return tuple(dict.fromkeys(t.text for t in tokens))


@lru_cache(maxsize=50_000)
def word_keys(lang: str, word: str) -> tuple[str, ...]:
    """Analyse one query word with ``lang``'s analyser (cached per word).

    :param lang: ``"kk"`` or ``"ru"``.
    :param word: one word as typed.
    :returns: the distinct keys, in the analyser's order (empty for a stop word).
    """
    tokens = _analyzer(lang)(word, mode="query")
    return tuple(dict.fromkeys(token.text for token in tokens))


#: Per language, words of documents already analysed for snippets -> their index keys.
_INDEX_KEYS: dict[str, dict[str, tuple[str, ...]]] = {}
#: Entries per language before that cache is cleared (tuples of one to three keys: about
#: 20 MB per language; 60,000 was cleared every few hundred queries on 20,000 documents).
MAX_INDEX_KEYS = 200_000


def index_keys_of(lang: str) -> Callable[[str], tuple[str, ...]]:
    """Return a cached analyser of document words as the index saw them (for snippets).

    A plain dict rather than ``lru_cache``: snippets look up a hundred words per hit.

    :param lang: ``"kk"`` or ``"ru"``.
    :returns: ``word -> index keys``.
    """
    cache = _INDEX_KEYS.setdefault(lang, {})
    analyzer = _analyzer(lang)

    def keys_of(word: str) -> tuple[str, ...]:
        found = cache.get(word)
        if found is None:
            if len(cache) > MAX_INDEX_KEYS:
                cache.clear()
            found = cache[word] = tuple({t.text for t in analyzer(word, mode="index")})
        return found

    return keys_of


def is_content_word(word: str) -> bool:
    """Whether a word is a stop word in neither language (``на``, ``от``, ``мен`` are).

    :param word: one word as typed.
    :returns: True when every language's analyser keeps it.
    """
    return all(word_keys(lang, word) for lang in INDEX_LANGS)


def all_keys(word: str) -> frozenset[str]:
    """Return the query keys of a word in every indexed language.

    :param word: one word.
    :returns: the union of the keys.
    """
    return frozenset(key for lang in INDEX_LANGS for key in word_keys(lang, word))


def fold(text: str) -> str:
    """Fold text like the analysers do (lowercase, Kazakh letters, look-alikes).

    :param text: any text.
    :returns: the folded text.
    """
    folder = getattr(analysis, "fold", None)
    return folder(text) if folder else text.lower().replace("ё", "е")


def query_variants(text: str) -> list[str]:
    """Return alternative readings of the text (keyboard layout, Latin script).

    :param text: the query as typed.
    :returns: variants to try when the text as typed finds little (may be empty).
    """
    variants = getattr(analysis, "query_variants", None)
    if variants is None:
        return []
    return [v for v in variants(text) if v and v != text]


class QueryBuilder:
    """Builds query plans against one searcher (terms absent from its index are skipped).

    :param searcher: the Whoosh searcher the plan will run on.
    :param synonyms: synonym groups to expand, or None.
    :param near_terms: returns the typo index of a language's fields (None while it is
        being built), or None for no typo tolerance.
    :param df_cache: a shared ``(field, term) -> document frequency`` cache for this
        searcher's index generation.
    :param field_lengths: returns every document's length in a field (cached per index
        generation by the caller); read from the reader when not given.
    """

    def __init__(
        self,
        searcher: Searcher,
        synonyms: SynonymIndex | None = None,
        near_terms: Callable[[str], NearTerms | None] | None = None,
        df_cache: dict[tuple[str, str], int] | None = None,
        field_lengths: Callable[[str], Sequence[int]] | None = None,
    ) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.synonyms = synonyms
        self.near_terms = near_terms
        # Term lookups cost tens of microseconds in Whoosh; the index shares one cache
        # per index generation between queries.
        self._df = df_cache if df_cache is not None else {}
        self._field_used: dict[str, bool] = {}
        #: True once a word needed a typo index that was still being built (the plan
        #: then lacks corrections it will have later, so its result is not cached).
        self.typo_index_missing = False
        self.field_lengths = field_lengths or self._read_field_lengths
        self._stem_max_docs = max(STEM_MIN_DOCS, STEM_MAX_SHARE * self.reader.doc_count_all())

    def _read_field_lengths(self, fieldname: str) -> list[int]:
        """Every document's length in ``fieldname`` (the index caches these per generation).

        :param fieldname: the field.
        :returns: lengths indexed by document number.
        """
        reader = self.reader
        return [reader.doc_field_length(d, fieldname, 0) for d in range(reader.doc_count_all())]

    def build(self, parsed: ParsedText, prefer: str | None = None) -> Plan:
        """Build the plan for parsed user text.

        :param parsed: the output of :func:`parse_text`.
        :param prefer: the caller's language (``kk`` or ``ru``) when the operator chose
            one; otherwise the query's own language is guessed.
        :returns: the plan (without slots when nothing is searchable).
        """
        words, respelled = self._respell(parsed.words)
        if len(words) > MAX_QUERY_WORDS:
            words = self._informative_words(words)
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
                leaves = self._run_leaves(span, typing, 1.0, keys)
                own.extend([None] * len(span))
                for alternative in exp.alternatives:
                    leaves += self._run_leaves(alternative, False, SYNONYM_BOOST, keys)
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
            leaves, has_keys = self._word_leaves(word, parsed.typing and last, 1.0, keys)
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
        preferred = prefer if prefer in INDEX_LANGS else self.query_lang(words, own)
        if preferred is not None:
            # Fields of the query's language weigh more, the other language's less (there
            # the word mostly matches through a synonym, i.e. a translation).
            suffix = "_" + preferred
            slots = [
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
        phrase_clauses = [q for q in (self._phrase_clause(p) for p in parsed.phrases) if q]
        required: wq.Query | None = None
        if phrase_clauses:
            required = phrase_clauses[0] if len(phrase_clauses) == 1 else wq.And(phrase_clauses)
        return Plan(
            tuple(slots),
            required,
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

    def query_lang(
        self, words: Sequence[str], leaves: Sequence[Sequence[Leaf] | None] | None = None
    ) -> str | None:
        """Guess the language of a query from words only one language claims.

        A word is Kazakh when it has Kazakh letters; it is Russian when pymorphy3 knows
        it and no Kazakh field has its Kazakh key. Any other word (an acronym such as
        ``ЭЦП`` or ``ЖСН``, ``салык`` typed without Kazakh letters, a typo, a word cut
        short) votes for the language whose titles and bodies hold its index terms
        (exact, corrected or completed) at least ``LANG_VOTE_RATIO`` times as often:
        keywords are left out, as they list both languages' spellings on purpose. Names
        and shared loanwords fall between and do not vote.

        :param words: the query words (acronyms already respelled).
        :param leaves: per word, its own index terms (not its synonyms'), as
            :meth:`build` found them; looked up here when not given (or None).
        :returns: ``"kk"`` or ``"ru"`` when only that language got votes, else None.
        """
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
            in_kk = any(
                self.doc_frequency(f"{kind}_kk", key) for key in kk_keys for kind in TEXT_FIELDS
            )
            if lower.isalpha() and ru_is_known(lower) and not in_kk:
                votes["ru"] += 1
                continue
            word_leaves = own[position] if own is not None else None
            if word_leaves is None:
                word_leaves = self._word_leaves(word, False, 1.0, None)[0]
            text = {"kk": 0, "ru": 0}
            for leaf in word_leaves:
                kind, _, lang = leaf.field.partition("_")
                if kind in ("title", "body") and not leaf.text.startswith(STEM_MARK):
                    text[lang] += self.doc_frequency(leaf.field, leaf.text)
            if text["kk"] >= LANG_VOTE_RATIO * text["ru"] + 1:
                votes["kk"] += 1
            elif text["ru"] >= LANG_VOTE_RATIO * text["kk"] + 1:
                votes["ru"] += 1
        if votes["kk"] and not votes["ru"]:
            return "kk"
        if votes["ru"] and not votes["kk"]:
            return "ru"
        return None

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Return how many documents have ``text`` in ``fieldname`` (cached).

        :param fieldname: the field.
        :param text: the analysed term.
        :returns: the document frequency.
        """
        cache_key = (fieldname, text)
        found = self._df.get(cache_key)
        if found is None:
            if not self._field_has_terms(fieldname):
                return 0
            if len(self._df) > MAX_DF_CACHE:
                self._df.clear()
            found = self._df[cache_key] = self.reader.doc_frequency(fieldname, text)
        return found

    def _field_has_terms(self, fieldname: str) -> bool:
        """Whether any document has terms in ``fieldname`` (an empty field needs no lookups).

        Each term lookup costs tens of microseconds per segment; fields no document uses
        (keywords, in a corpus without them) would take a third of them.
        """
        found = self._field_used.get(fieldname)
        if found is None:
            found = self._field_used[fieldname] = bool(self.reader.field_length(fieldname))
        return found

    def _word_leaves(
        self, word: str, typing: bool, boost: float, keys: set[str] | None
    ) -> tuple[list[Leaf], bool]:
        """Terms for one word in every language's fields.

        :returns: the leaves (empty when nothing in the index matches) and whether the
            word had any keys at all (False for stop words).
        """
        leaves: list[Leaf] = []
        had_keys = False
        for lang in INDEX_LANGS:
            lang_keys = word_keys(lang, word)
            had_keys = had_keys or bool(lang_keys)
            if keys is not None:
                keys.update(lang_keys)
            for key in lang_keys:
                leaves.extend(self._field_leaves(lang, key, boost))
        for lang in INDEX_LANGS:
            for key in stem_keys(lang, word):
                # A stem key in many documents adds little (low idf, lower weight) and
                # costs the most to score.
                if self.doc_frequency(f"body_{lang}", key) > self._stem_max_docs:
                    continue
                if keys is not None:
                    keys.add(key)
                leaves.extend(self._field_leaves(lang, key, STEM_BOOST[lang] * boost))
        letters = sum(ch.isalpha() for ch in word)
        # Only a stem key matched (``несудимасти``: a Kazakh keyword's stem): a typo too.
        exact = any(not leaf.text.startswith(STEM_MARK) for leaf in leaves)
        if not exact and had_keys and letters >= MIN_FUZZY_LETTERS:
            leaves.extend(self._fuzzy_leaves(word, letters, boost, keys))
        if typing and len(word) >= MIN_PREFIX_CHARS:
            seen = {leaf.text for leaf in leaves}
            leaves.extend(self._prefix_leaves(word, seen, boost, keys))
        return leaves, had_keys

    def _run_leaves(
        self, words: Sequence[str], typing: bool, boost: float, keys: set[str] | None
    ) -> list[Leaf]:
        """Terms for a run of words (a synonym term), each word weighted by its share.

        A multi-word term counts as one word of the query, so its words share the weight;
        a term with a word absent from the index contributes nothing.
        """
        out: list[Leaf] = []
        share = boost / max(len(words), 1)
        group = " ".join(words)
        for i, word in enumerate(words):
            leaves, has_keys = self._word_leaves(word, typing and i == len(words) - 1, share, keys)
            if not leaves and has_keys:
                return []
            if len(words) > 1:
                # A stop word of either language (``о`` in ``свидетельство о рождении``)
                # is not one of the words a document must have (part -1).
                part = i if is_content_word(word) else -1
                leaves = [replace(leaf, group=group, part=part) for leaf in leaves]
            out.extend(leaves)
        return out

    def _field_leaves(self, lang: str, key: str, boost: float) -> list[Leaf]:
        out: list[Leaf] = []
        for kind in TEXT_FIELDS:
            fieldname = f"{kind}_{lang}"
            if self.doc_frequency(fieldname, key):
                out.append(Leaf(fieldname, key, FIELD_BOOSTS[kind] * boost, key))
        return out

    def _fuzzy_leaves(
        self, word: str, letters: int, boost: float, keys: set[str] | None
    ) -> list[Leaf]:
        """Index terms within one edit (two for long words) of the word's keys."""
        if self.near_terms is None:
            return []
        maxdist = 2 if letters >= MIN_FUZZY2_LETTERS else 1
        out: list[Leaf] = []
        for lang in INDEX_LANGS:
            near = self.near_terms(lang)
            if near is None:
                self.typo_index_missing = True
                continue
            found: list[str] = []
            for key in dict.fromkeys((*word_keys(lang, word), fold(word))):
                found.extend(t for t in near.near(key, maxdist, MAX_FUZZY_TERMS) if t not in found)
            for term in found[:MAX_FUZZY_TERMS]:
                if keys is not None:
                    keys.add(term)
                out.extend(self._field_leaves(lang, term, FUZZY_BOOST * boost))
        return out

    def _prefix_leaves(
        self, word: str, exclude: set[str], boost: float, keys: set[str] | None
    ) -> list[Leaf]:
        """Completions of an unfinished word from the index's terms."""
        prefix = fold(word)
        out: list[Leaf] = []
        for lang in INDEX_LANGS:
            candidates: dict[str, int] = {}
            for kind in ("title", "body"):
                fieldname = f"{kind}_{lang}"
                for n, term in enumerate(self.reader.expand_prefix(fieldname, prefix)):
                    if n >= MAX_PREFIX_SCAN:
                        break
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    if text not in exclude:
                        candidates[text] = max(
                            candidates.get(text, 0), self.doc_frequency(fieldname, text)
                        )
            best = sorted(candidates, key=lambda t: -candidates[t])[:MAX_PREFIX_TERMS]
            for term in best:
                if keys is not None:
                    keys.add(term)
                out.extend(self._field_leaves(lang, term, PREFIX_BOOST * boost))
        return out

    def _phrase_clause(self, phrase: Sequence[str]) -> wq.Query | None:
        """A quoted phrase: the words in order, in a title or body, in either language."""
        options: list[wq.Query] = []
        for lang in INDEX_LANGS:
            keyed = [word_keys(lang, word) for word in phrase]
            # Stop words inside a phrase are dropped by the analyser, so leave them out.
            first = [k[0] for k in keyed if k]
            if not first:
                continue
            for kind in ("title", "body"):
                fieldname = f"{kind}_{lang}"
                if not all(self.doc_frequency(fieldname, k) for k in first):
                    continue
                if len(first) == 1:
                    options.append(wq.Term(fieldname, first[0]))
                else:
                    options.append(wq.Phrase(fieldname, first))
        if not options:
            return None
        return options[0] if len(options) == 1 else wq.Or(options)

    def slot_scores(
        self, slot: tuple[Leaf, ...], deadline: float | None = None
    ) -> tuple[SlotScores, bool]:
        """Read the BM25F scores of a slot's terms from the index: ``{docnum: score}``.

        :param slot: the terms of one query word.
        :param deadline: a ``time.perf_counter()`` value after which reading stops.
        :returns: the summed, boosted scores per document, and False when the deadline
            cut the reading short (such scores must not be cached).
        """
        groups: dict[str, WordScores] = {}
        parts = _group_parts(slot)
        # Multi-word groups: which of their words each document has.
        seen: dict[str, dict[int, set[int]]] = {g: {} for g, n in parts.items() if n > 1}
        searcher = self.searcher
        reader = self.reader
        for leaf in slot:
            scores = groups.setdefault(leaf.group, {})
            has = seen.get(leaf.group)
            # BM25F as Whoosh's scorer computes it, but with the document lengths read
            # from a per-generation list and the postings read a block at a time: Whoosh's
            # matcher costs several Python calls per posting (see term_postings).
            k1, b = BM25_BODY.get(leaf.field[-2:], (BM25_K1, BM25_B))
            if leaf.field.startswith("title_"):
                b = BM25_TITLE_B
            avg = searcher.avg_field_length(leaf.field) or 1.0
            lengths = self.field_lengths(leaf.field)
            # (K1 + 1) scales the saturated score; one value for both languages keeps a
            # Kazakh and a Russian match of one word comparable (0.6 for Russian alone
            # put kk/passport above ru/passport for the Russian word паспорт).
            weight = searcher.idf(leaf.field, leaf.text) * (BM25_K1 + 1.0) * leaf.boost
            base, slope = k1 * (1.0 - b), k1 * b / avg
            get = scores.get
            for docnums, frequencies in term_postings(reader, leaf.field, leaf.text):
                for docnum, tf in zip(docnums, frequencies, strict=True):
                    scores[docnum] = get(docnum, 0.0) + weight * tf / (
                        tf + base + slope * lengths[docnum]
                    )
                if has is not None and leaf.part >= 0:
                    for docnum in docnums:
                        has.setdefault(docnum, set()).add(leaf.part)
                if deadline is not None and perf_counter() > deadline:
                    return _best_of(groups, seen, parts), False
        return _best_of(groups, seen, parts), True


def _group_parts(slot: Sequence[Leaf]) -> dict[str, int]:
    """How many words each group of a slot has (its distinct parts)."""
    parts: dict[str, set[int]] = {}
    for leaf in slot:
        found = parts.setdefault(leaf.group, set())
        if leaf.part >= 0:
            found.add(leaf.part)
    return {group: len(found) for group, found in parts.items()}


def _best_of(
    groups: dict[str, WordScores],
    seen: dict[str, dict[int, set[int]]] | None = None,
    parts: dict[str, int] | None = None,
) -> SlotScores:
    """Per document, the score of its best-matching group, and the partial matches.

    A document is a partial match of the slot when every group it matches is a
    multi-word term of which it has only some words (``удостоверение`` alone for
    ``водительское удостоверение``).
    """
    complete: set[int] = set()
    partial_only = False
    for group, scores in groups.items():
        has = (seen or {}).get(group)
        if has is None:
            complete.update(scores)
        else:
            partial_only = True
            need = (parts or {}).get(group, 0)
            complete.update(d for d, found in has.items() if len(found) >= need)
    if len(groups) == 1:
        best = next(iter(groups.values()))
    else:
        best = {}
        for scores in groups.values():
            for docnum, value in scores.items():
                if value > best.get(docnum, 0.0):
                    best[docnum] = value
    partial = frozenset(d for d in best if d not in complete) if partial_only else frozenset()
    return SlotScores(best, partial)


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
