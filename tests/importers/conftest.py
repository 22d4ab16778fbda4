"""Fixtures of the importer tests: source files written in tmp_path, a real content store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KB_SHARED") or ROOT.parent / "shared")
EGOV = "corpora/egov_kz_services_ru/docs.jsonl"


@pytest.fixture
def egov_jsonl() -> Path:
    """The 266 egov.kz service descriptions, or skip when ../shared is absent."""
    path = SHARED / EGOV
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora sit beside the project as ../shared")
    return path


@pytest.fixture
def ntrex_dir() -> Path:
    """NTREX news in parallel Kazakh and Russian, or skip when ../shared is absent."""
    path = SHARED / "corpora/ntrex_kk_ru"
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora sit beside the project as ../shared")
    return path
