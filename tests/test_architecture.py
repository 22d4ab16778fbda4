"""Import rules of style.md: the domain packages never reach into the web layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> top-level modules it must never import
FORBIDDEN = {
    "articles": {"flask", "flask_login", "flask_wtf", "kb", "editor", "search", "importers"},
    "search": {"flask", "flask_login", "flask_wtf", "kb", "editor", "importers"},
    "importers": {"flask", "flask_login", "flask_wtf", "kb", "editor", "search"},
}
# modules of kb that must stay free of Flask (the application service)
FLASK_FREE = ["kb/services.py"]
# the only module allowed to import the sanitiser
NH3_ONLY = "articles/sanitize.py"
# the only modules allowed to import whoosh's engine parts
WHOOSH_ENGINE = {"search/lifecycle.py", "search/searchers.py", "search/view.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_domain_packages_do_not_import_the_web_layer(package: str) -> None:
    offences = []
    for path in _files(package):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offences, "\n".join(offences)


def test_service_layer_is_flask_free() -> None:
    for rel in FLASK_FREE:
        names = {n.split(".")[0] for n in _imports(ROOT / rel)}
        assert not names & {"flask", "flask_login", "flask_wtf"}, rel


def test_only_sanitize_imports_nh3() -> None:
    users = [
        str(p.relative_to(ROOT))
        for pkg in ("kb", "articles", "search", "editor", "importers")
        for p in _files(pkg)
        if any(n.split(".")[0] == "nh3" for n in _imports(p))
    ]
    assert users == [NH3_ONLY]


def test_only_lifecycle_searchers_and_view_touch_the_whoosh_engine() -> None:
    engine = (
        "whoosh.index",
        "whoosh.qparser",
        "whoosh.searching",
        "whoosh.query",
        "whoosh.collectors",
        "whoosh.writing",
        "whoosh.filedb",
        "whoosh.codec",
        "whoosh.matching",
        "whoosh.reading",
    )
    users = {
        str(p.relative_to(ROOT))
        for pkg in ("kb", "articles", "search", "editor", "importers")
        for p in _files(pkg)
        if any(n.startswith(engine) for n in _imports(p))
    }
    assert users <= WHOOSH_ENGINE, users - WHOOSH_ENGINE


def test_no_catch_all_modules() -> None:
    bad = [
        str(p.relative_to(ROOT))
        for pkg in ("kb", "articles", "search", "editor", "importers")
        for p in _files(pkg)
        if p.stem in ("utils", "helpers", "helper", "misc", "common")
    ]
    assert not bad
