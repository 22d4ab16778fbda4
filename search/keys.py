"""The index keys of query words and document words, as both analysers give them (cached).

Every query word is analysed by both languages' analysers, so a mixed Kazakh/Russian
query needs no language switch; document words are analysed again only to mark them in
snippets.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from whoosh.analysis import Analyzer

from search import analysis
from search.analysis.filters import STEM_MODE
from search.schema import INDEX_LANGS


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
