"""The Kazakh and Russian analyzers, composed once per language, and ``analyze``."""

from __future__ import annotations

from functools import cache

from whoosh.analysis import Analyzer
from whoosh.analysis import CompositeAnalyzer

from search.analysis.filters import STEM_MARK
from search.analysis.filters import KazakhFilter
from search.analysis.filters import RussianFilter
from search.analysis.filters import TermFilter
from search.analysis.filters import WordTokenizer

LANGUAGES = ("kk", "ru")


class AnalysisError(ValueError):
    """Bad input to the analysis API (an unknown language or mode)."""


def build(lang: str) -> CompositeAnalyzer:
    """Compose the analyzer of one language (Whoosh checks the composition).

    :param lang: ``"kk"`` or ``"ru"``.
    :returns: a new composite analyzer.
    :raises AnalysisError: for another language.
    """
    if lang == "kk":
        return WordTokenizer() | TermFilter() | KazakhFilter()
    if lang == "ru":
        return WordTokenizer() | TermFilter() | RussianFilter()
    raise AnalysisError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")


@cache
def analyzer_for(lang: str) -> Analyzer:
    """Return the Whoosh analyzer for ``lang``, for index and query analysis alike.

    Query-time behaviour differs only where the filters check ``token.mode``.  The
    analyzer holds no morphology objects, so it pickles into the schema cheaply.

    :param lang: ``"kk"`` or ``"ru"``.
    :returns: the shared composite analyzer of that language.
    :raises AnalysisError: for another language.
    """
    return build(lang)


def analyze(lang: str, text: str, mode: str = "index") -> list[str]:
    """Return the terms of ``text`` as the index (or a query) sees them.

    >>> analyze("kk", "Салықтың мөлшері")
    ['салық', 'салык', 'мөлшер', 'молшер']
    >>> analyze("kk", "Салықтың мөлшері", mode="query")
    ['салық', 'мөлшер']
    >>> analyze("ru", "Справки в ЦОНе")
    ['справка', 'цон']

    :param lang: ``"kk"`` or ``"ru"``.
    :param text: any text.
    :param mode: ``"index"`` or ``"query"``.
    :returns: the terms in order; stop words removed.
    :raises AnalysisError: for an unknown language or mode.
    """
    if mode not in ("index", "query"):
        raise AnalysisError(f"unknown mode {mode!r}: use 'index' or 'query'")
    return [t.text for t in analyzer_for(lang)(text, mode=mode) if not t.text.startswith(STEM_MARK)]
