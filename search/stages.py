"""Further retrieval stages: what the pipeline asks of one beside the lexical engine.

The semantic stage (:mod:`search.semantic`) is one: the pipeline plans and retrieves
lexically as always, then hands the stage the lexical candidates (document numbers of
the index state the query reads); the stage returns its own candidates and the rule that
fuses both (:func:`search.fuse.fuse`). The page is then presented once, by the
pipeline's presenter (snippets, the caller's language first), and the result is cached
with the stage's :meth:`RetrievalStage.cache_token`. A stage that declines (no token)
leaves the lexical result exactly as it is.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any
from typing import Protocol

from search.candidates import Candidates
from search.filters import SearchFilters
from search.fuse import Combine
from search.results import SearchResult
from search.view import IndexView


@dataclass(frozen=True)
class StageQuery:
    """What a further stage gets to retrieve with.

    :param q: the query as typed.
    :param text: the text the lexical engine searched (``corrected`` or ``q``).
    :param view: the index state of the query.
    :param lexical: the lexical candidates, best first.
    :param lang_first: the language whose versions come first (the plan's), or None.
    :param filters: the query's filters.
    :param allowed: the docnums the filters allow, or None for all.
    """

    q: str
    text: str
    view: IndexView
    lexical: Candidates
    lang_first: str | None
    filters: SearchFilters
    allowed: set[int] | None


@dataclass(frozen=True)
class StageCandidates:
    """A further stage's answer: its candidates, how to fuse them, what to mark after.

    :param candidates: the stage's candidates (docnums and its own scores).
    :param combine: the fusion rule for the lexical and these candidates.
    :param notes: whatever :meth:`RetrievalStage.finish` needs to mark the hits.
    """

    candidates: Candidates
    combine: Combine
    notes: Any = None


class RetrievalStage(Protocol):
    """A retrieval stage that runs after the lexical one (see the module's text)."""

    def cache_token(self, q: str) -> Hashable | None:
        """What identifies this stage's answer for ``q`` in the result cache (its data
        and settings), or None when it does not run for ``q``."""
        ...

    def retrieve(self, query: StageQuery) -> StageCandidates | None:
        """The stage's candidates for ``query``, or None to leave the lexical result."""
        ...

    def finish(self, result: SearchResult, found: StageCandidates) -> SearchResult:
        """The presented result, marked as the stage wants (cross-language hits ...)."""
        ...
