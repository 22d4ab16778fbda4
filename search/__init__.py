"""Kazakh and Russian full-text search over published articles and competent bodies.

Plain Python (no Flask). The application builds :class:`IndexDoc` records from published
content and hands them to a :class:`SearchIndex`; operators' text goes to
:meth:`SearchIndex.search`, which returns a :class:`SearchResult` of :class:`Hit`.
"""

from __future__ import annotations

from search.filters import SearchFilters
from search.index import SearchIndex
from search.index import SearchIndexError
from search.parse import QueryError
from search.results import Hit
from search.results import SearchResult
from search.schema import SCHEMA_VERSION
from search.schema import IndexDoc
from search.schema import stamp_of
from search.synonyms import SynonymError
from search.synonyms import SynonymGroup
from search.synonyms import load_synonyms
from search.synonyms import parse_synonyms

__all__ = [
    "SCHEMA_VERSION",
    "Hit",
    "IndexDoc",
    "QueryError",
    "SearchFilters",
    "SearchIndex",
    "SearchIndexError",
    "SearchResult",
    "SynonymError",
    "SynonymGroup",
    "load_synonyms",
    "parse_synonyms",
    "stamp_of",
]
