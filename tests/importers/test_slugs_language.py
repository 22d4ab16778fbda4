"""Slugs from Kazakh and Russian titles, and language detection."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from importers.language import detect_language
from importers.slugs import slugify
from importers.slugs import unique_slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Замена удостоверения личности", "zamena-udostovereniia-lichnosti"),
        ("Жеке куәлікті ауыстыру", "zheke-kualikti-auystyru"),
        ("ХҚКО арқылы өтініш беру", "khqko-arqyly-otinish-beru"),
        ("Әлеуметтік төлем: ғылыми, ұлттық, үй, һ", "aleumettik-tolem-gylymi-ulttyq-ui-h"),
        ("Справка №5 (форма 2024)", "spravka-5-forma-2024"),
        ("ЭЦП / eGov.kz", "etsp-egov-kz"),
    ],
)
def test_slugify_transliterates_kazakh_and_russian(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_at_a_word_boundary() -> None:
    title = "Выдача справки о наличии либо отсутствии судимости " * 5
    slug = slugify(title)
    assert len(slug) <= 80
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", slug)
    assert slug.endswith(("sudimosti", "vydacha", "spravki", "o", "nalichii", "libo"))


def test_slugify_of_text_without_letters_is_empty() -> None:
    assert slugify("— … —") == ""


def test_unique_slug_numbers_collisions_within_the_limit() -> None:
    assert unique_slug("pasport", set()) == "pasport"
    assert unique_slug("pasport", {"pasport", "pasport-2"}) == "pasport-3"
    long = "a" * 80
    assert unique_slug(long, {long}) == "a" * 78 + "-2"


@pytest.mark.parametrize(
    "text",
    [
        "Жеке куәлікті ауыстыру",
        "Жеке куәлікті ХҚКО арқылы немесе eGov.kz порталында ауыстыруға болады.",
        "Бала туу туралы куәлік алу үшін не істеу керек",
        "Зейнетақы төлемдері бойынша ақпарат",
    ],
)
def test_kazakh_texts_are_detected(text: str) -> None:
    assert detect_language(text) == "kk"


@pytest.mark.parametrize(
    "text",
    [
        "Замена удостоверения личности",
        "Замена удостоверения личности в ЦОН Қазақстан",
        "Удостоверение личности меняют в любом ЦОНе (ХҚКО) или на портале eGov.kz.",
        "Справка о рождении",
    ],
)
def test_russian_texts_are_detected_even_with_a_kazakh_name(text: str) -> None:
    assert detect_language(text) == "ru"


def test_text_without_cyrillic_falls_back_to_the_default() -> None:
    assert detect_language("eGov.kz 1414") == "ru"
    assert detect_language("eGov.kz 1414", default="kk") == "kk"


def test_detection_on_parallel_kazakh_and_russian_news(ntrex_dir: Path) -> None:
    for name, minimum in (("docs.jsonl", 1.0), ("sentences.jsonl", 0.995)):
        rows = [json.loads(line) for line in (ntrex_dir / name).read_text("utf-8").splitlines()]
        for lang in ("kk", "ru"):
            texts = [r["text"] for r in rows if r["lang"] == lang]
            right = sum(detect_language(t) == lang for t in texts)
            assert len(texts) > 100 and right / len(texts) >= minimum, (name, lang, right)
