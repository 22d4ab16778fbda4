"""Session-scoped analyzers (built once, as in pymorphy3's own test suite)."""

from __future__ import annotations

import pytest
from whoosh.analysis import Analyzer

from search.analysis import analyzer_for


@pytest.fixture(scope="session")
def analyzers() -> dict[str, Analyzer]:
    """The Kazakh and Russian analyzers, keyed by language code."""
    return {lang: analyzer_for(lang) for lang in ("kk", "ru")}


@pytest.fixture(scope="session")
def kk_analyzer(analyzers: dict[str, Analyzer]) -> Analyzer:
    """The Kazakh analyzer."""
    return analyzers["kk"]


@pytest.fixture(scope="session")
def ru_analyzer(analyzers: dict[str, Analyzer]) -> Analyzer:
    """The Russian analyzer."""
    return analyzers["ru"]
