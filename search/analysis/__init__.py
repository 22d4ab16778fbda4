"""Kazakh and Russian text analysis for search.

Public API (the index, the query parser and ``kb analyze`` use only these):

- :func:`analyzer_for` — the Whoosh analyzer of a language, for index and query;
- :func:`analyze` — the terms of a text, as the index or a query sees them;
- :func:`kk_stem` — our Kazakh stemmer;
- :func:`fold` — letter folding (Kazakh letters, ё, Latin look-alikes);
- :func:`query_variants` — readings of a query in another layout or script.
"""

from __future__ import annotations

from search.analysis.analyzers import AnalysisError
from search.analysis.analyzers import analyze
from search.analysis.analyzers import analyzer_for
from search.analysis.folding import fold
from search.analysis.kazakh import kk_key
from search.analysis.kazakh import kk_stem
from search.analysis.layout import query_variants
from search.analysis.russian import ru_lemmas

__all__ = [
    "AnalysisError",
    "analyze",
    "analyzer_for",
    "fold",
    "kk_key",
    "kk_stem",
    "query_variants",
    "ru_lemmas",
]
