"""Linguistic cases from text tables: ``cases_kk.txt`` and ``cases_ru.txt``.

Each line is ``surface<TAB or 2+ spaces>expected``, ``#`` starts a comment, and a
line starting with ``XFAIL`` is a known failure (strict: it must keep failing).
Expected is one of:

- ``term term …`` — the query terms of the surface, exactly, in order;
- ``= text`` — a query typed as the surface finds a document containing ``text``
  (every query word meets one of the document's index terms);
- ``!= text`` — it does not find it (precision);
- ``~ text`` — ``text`` is among :func:`query_variants` of the surface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from whoosh.analysis import Analyzer

from search.analysis import query_variants

HERE = Path(__file__).resolve().parent
_SPLIT = re.compile(r"\t+|\s{2,}")


@dataclass(frozen=True)
class Case:
    """One line of a case table."""

    lang: str
    line: int
    surface: str
    expected: str
    xfail: bool


def parse_cases(lang: str) -> list[Case]:
    """Read ``cases_<lang>.txt`` into cases; a malformed line fails loudly."""
    path = HERE / f"cases_{lang}.txt"
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = re.sub(r"\s+#.*$", "", raw).strip()
        if not text or text.startswith("#"):
            continue
        xfail = text.startswith("XFAIL")
        if xfail:
            text = text[len("XFAIL") :].strip()
        parts = _SPLIT.split(text, maxsplit=1)
        if len(parts) != 2:
            raise ValueError(
                f"{path.name}:{number}: expected 'surface<TAB or 2+ spaces>expected', got {raw!r}"
            )
        cases.append(Case(lang, number, parts[0], parts[1].strip(), xfail))
    return cases


def params(lang: str) -> list[object]:
    """Turn a table into pytest params, marking XFAIL lines."""
    out = []
    for case in parse_cases(lang):
        marks = [pytest.mark.xfail(strict=True, reason="known gap")] if case.xfail else []
        out.append(pytest.param(case, id=f"{lang}:{case.line}:{case.surface}", marks=marks))
    return out


def query_groups(analyzer: Analyzer, text: str) -> list[set[str]]:
    """The query terms of ``text``, grouped by position (one set per word)."""
    groups: dict[int, set[str]] = {}
    for t in analyzer(text, mode="query", positions=True):
        groups.setdefault(t.pos, set()).add(t.text)
    return list(groups.values())


def index_terms(analyzer: Analyzer, text: str) -> set[str]:
    """All index terms of ``text``."""
    return {t.text for t in analyzer(text, mode="index")}


def check(case: Case, analyzers: dict[str, Analyzer]) -> None:
    """Assert one case."""
    analyzer = analyzers[case.lang]
    kind, _, rest = case.expected.partition(" ")
    if kind in ("=", "!="):
        groups = query_groups(analyzer, case.surface)
        terms = index_terms(analyzer, rest)
        found = bool(groups) and all(group & terms for group in groups)
        assert found is (kind == "="), (case.surface, groups, rest, sorted(terms))
    elif kind == "~":
        variants = query_variants(case.surface)
        assert rest in variants, (case.surface, variants)
    else:
        got = [t.text for t in analyzer(case.surface, mode="query")]
        assert got == case.expected.split(), (case.surface, got)


@pytest.mark.parametrize("case", params("kk"))
def test_kazakh_case(case: Case, analyzers: dict[str, Analyzer]) -> None:
    check(case, analyzers)


@pytest.mark.parametrize("case", params("ru"))
def test_russian_case(case: Case, analyzers: dict[str, Analyzer]) -> None:
    check(case, analyzers)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_tables_are_large_enough(lang: str) -> None:
    assert len(parse_cases(lang)) >= 150
