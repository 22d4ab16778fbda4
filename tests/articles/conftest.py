"""Fixtures for the articles domain: a real content repository in ``tmp_path``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# articles_support must be importable by name also under --import-mode=importlib and in
# the processes the concurrency test spawns (they inherit sys.path).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles_support import MakeText  # noqa: E402
from articles_support import make_text as _make_text  # noqa: E402

from articles.store import ArticleStore  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ArticleStore]:
    """An empty content repository (main + published)."""
    with ArticleStore.init(tmp_path / "content") as s:
        yield s


@pytest.fixture
def make_text() -> MakeText:
    """Factory for article files: ``make_text(lang, id=..., body=..., **front_matter)``."""
    return _make_text
