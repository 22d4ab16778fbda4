"""Search filters: restrict results by language, category, competent body, service, kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace

from search.parse import QueryError
from search.schema import KINDS

#: The filter names accepted by :meth:`search.SearchIndex.search`.
FILTER_NAMES: tuple[str, ...] = ("lang", "category", "agency", "service", "kind")


@dataclass(frozen=True)
class SearchFilters:
    """Restrict a search to some items.

    :param lang: ``"kk"``, ``"ru"`` or ``"en"``.
    :param category: a category id.
    :param agency: a competent body id.
    :param service: an egov.kz service id.
    :param kind: ``"article"`` or ``"body"``.
    """

    lang: str | None = None
    category: str | None = None
    agency: str | None = None
    service: str | None = None
    kind: str | None = None

    def terms(self) -> tuple[tuple[str, str], ...]:
        """Return the ``(field, value)`` pairs every result must have.

        :returns: the pairs, empty when nothing is filtered.
        :raises QueryError: for an unknown kind.
        """
        if self.kind and self.kind not in KINDS:
            raise QueryError(f"unknown kind {self.kind!r}: use one of {', '.join(KINDS)}")
        pairs = (
            ("lang", self.lang),
            ("category", self.category),
            ("agencies", self.agency),
            ("services", self.service),
            ("kind", self.kind),
        )
        return tuple((name, value) for name, value in pairs if value)


def as_filters(
    filters: SearchFilters | Mapping[str, str | None] | None, lang: str | None
) -> SearchFilters:
    """Normalise the filter arguments of :meth:`search.SearchIndex.search`.

    :param filters: a ``SearchFilters``, a dict of its fields, or None.
    :param lang: a language that overrides ``filters.lang`` when given.
    :returns: the filters.
    :raises QueryError: for an unknown filter name.
    """
    if filters is None:
        chosen = SearchFilters()
    elif isinstance(filters, SearchFilters):
        chosen = filters
    else:
        unknown = set(filters) - set(FILTER_NAMES)
        if unknown:
            raise QueryError(
                f"unknown filter {', '.join(sorted(unknown))}: use lang, category, agency, "
                "service or kind"
            )
        chosen = SearchFilters(**filters)
    if lang:
        chosen = replace(chosen, lang=lang)
    return chosen
