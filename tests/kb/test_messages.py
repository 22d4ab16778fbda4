"""The coded message catalogues (kb/messages.py) and the catalogues built on it.

One lookup for every page that translates a domain refusal: the articles domain's codes
(kb/error_texts.py), attachment uploads and deletions (editor/attachment_text.py), course
validation (kb/training/messages.py) and the importers' messages (editor/import_text.py).
Each catalogue keeps its codes, and each sentence is Kazakh or Russian, never the English.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from articles import courses
from editor.attachment_text import IN_USE
from editor.attachment_text import REFUSALS
from editor.import_text import RULES
from editor.import_text import explain_import
from kb.error_texts import ARTICLE_CODES
from kb.messages import Catalogue
from kb.messages import PatternCatalogue
from kb.training.messages import TEXTS
from tests.conftest import make_app

#: The codes of AttachmentRefused (its docstring lists them) and of AttachmentInUse.
UPLOAD_CODES = {
    "empty",
    "too_large",
    "svg",
    "html",
    "unknown_type",
    "kind_off",
    "broken_image",
    "too_many_pixels",
    "pixel_bomb",
    "broken_document",
    "macros",
    "no_article",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = make_app(tmp_path_factory.mktemp("messages") / "instance")
    with application.test_request_context("/"):
        yield application


def test_catalogue_lookup_and_fallback() -> None:
    sizes = Catalogue({"too_large": lambda p: f"{p['size']} > {p['limit']}"})
    assert sizes.text("too_large", {"size": 3, "limit": 2}) == "3 > 2"
    assert sizes.text("empty") is None and sizes.text(None) is None
    assert "too_large" in sizes and "empty" not in sizes
    assert list(sizes) == ["too_large"] and len(sizes) == 1
    rules = PatternCatalogue(
        [(re.compile(r"^id '([^']*)'"), lambda m: f"id {m[1]}"), (re.compile("id"), str)]
    )
    assert rules.text("id 'x' has no title") == "id x"  # the first pattern found wins
    assert rules.text("nothing here") is None and len(rules) == 2


def test_every_catalogue_keeps_its_codes() -> None:
    assert set(REFUSALS) == UPLOAD_CODES
    assert set(IN_USE) == {"in_published", "in_draft"}
    assert set(TEXTS) == set(courses.COURSE_ERRORS)
    assert {"conflict", "too_large", "self_approval", "invalid_owner"} <= set(ARTICLE_CODES)
    assert len(ARTICLE_CODES) == 37 and len(RULES) == 23


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_sentence_is_translated(app: Flask, locale: str) -> None:
    params = {
        name: f"p-{name}"
        for name in ("size", "limit", "name", "kind", "allowed", "width", "height")
    }
    for catalogue in (ARTICLE_CODES, REFUSALS, IN_USE):
        for code in catalogue:
            with force_locale("en"):
                english = catalogue.text(code, params)
            with force_locale(locale):
                text = catalogue.text(code, params)
            assert text and text != english, (code, locale)
    for code, template in courses.COURSE_ERRORS.items():
        names = {f for _t, f, _s, _c in string.Formatter().parse(template) if f}
        course_params = {n: f"p-{n}" for n in names} | {"label": "p-label", "line": 3}
        with force_locale("en"):
            english = TEXTS.text(code, course_params)
        with force_locale(locale):
            assert TEXTS.text(code, course_params) != english, (code, locale)
    with force_locale(locale):
        text, known = explain_import("id 'pasport' has no title")
    assert known and "pasport" in text and "has no title" not in text
