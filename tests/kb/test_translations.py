"""Every interface message has a Kazakh and a Russian translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("kb", "editor"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / package), METHOD_MAP, keywords=KEYWORDS
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, f"{package}/{filename}:{lineno}")
    return found


def _catalog(locale: str) -> dict[str, str]:
    strings: dict[str, str] = {}
    for path in sorted((ROOT / "kb" / "translations" / locale).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and isinstance(message.id, str):
                    strings[message.id] = message.string
    return strings


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_message_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in sorted(_messages().items())
        if not catalog.get(msgid)
    ]
    assert not missing, f"add to kb/translations/{locale}/<area>.po:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_placeholders_survive_translation(locale: str) -> None:
    import re

    for msgid, string in _catalog(locale).items():
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", string)), msgid


def test_kazakh_translations_use_kazakh_letters() -> None:
    catalog = _catalog("kk")
    kazakh = sum(1 for s in catalog.values() if any(c in s for c in "әіңғүұқөһӘІҢҒҮҰҚӨҺ"))
    assert kazakh >= len(catalog) * 0.5
