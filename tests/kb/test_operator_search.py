"""The operator's search on the demo content: caller language first, every acronym spelling,
honest "nothing found" (measured on the lists in tests/search/data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.instance import close_app
from tests.browser.instance import demo_app

DATA = Path(__file__).resolve().parents[1] / "search" / "data"


def read_pairs(name: str) -> list[tuple[str, str]]:
    """``query<TAB>expected`` lines of a data file (comments and blank lines skipped)."""
    pairs = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, _, expected = line.partition("\t")
            pairs.append((query.strip(), expected.strip()))
    return pairs


def slug_of(hit: Any) -> str:
    """The slug of a hit's URL."""
    return str(hit.url.split("?", 1)[0].rsplit("/", 1)[-1])


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The knowledge base of a copy of the demo instance (typo index built)."""
    app: Flask = demo_app(tmp_path_factory, "operator-search")
    knowledge = app.extensions["kb"]
    assert knowledge.index.wait_for_typo_index()
    yield knowledge
    close_app(app)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_query_language_version_comes_first(kb: Any, lang: str) -> None:
    pairs = read_pairs(f"caller_lang_{lang}.txt")
    assert len(pairs) >= 40
    first, wrong = 0, []
    for query, expected in pairs:
        hits = kb.search(query).hits
        assert hits, f"{query!r} found nothing"
        if hits[0].lang == lang and slug_of(hits[0]) == expected:
            first += 1
        else:
            wrong.append(f"{query!r} -> {hits[0].lang}/{slug_of(hits[0])}")
    assert first / len(pairs) >= 0.95, wrong


@pytest.mark.parametrize(
    ("query", "prefer", "expected"),
    [
        ("паспорт", "kk", "kk/passport"),
        ("төлқұжат", "ru", "ru/passport"),
        ("ЭЦП", "kk", "kk/eds-get-renew"),
        ("ЖСН", "ru", "ru/iin"),
        ("ЖСН", "kk", "kk/iin"),
    ],
)
def test_the_callers_language_wins_over_the_querys(
    kb: Any, query: str, prefer: str, expected: str
) -> None:
    result = kb.search(query, prefer=prefer)
    assert result.lang_first == prefer
    assert f"{result.hits[0].lang}/{slug_of(result.hits[0])}" == expected
    other = "ru" if prefer == "kk" else "kk"
    # The translation is still there, right after its own version or further down.
    assert f"{other}/{expected.split('/')[1]}" in [f"{h.lang}/{slug_of(h)}" for h in result.hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ецп", "ru/eds-get-renew"),
        ("ЕЦП", "ru/eds-get-renew"),
        ("ECP", "ru/eds-get-renew"),
        ("Эцп", "ru/eds-get-renew"),
        ("iin", "ru/iin"),
        ("IIN", "ru/iin"),
        ("enpf", "ru/pension-statement"),
        ("ЭЦК", "kk/eds-get-renew"),
        ("zhsn", "kk/iin"),
        ("БЖЗК", "kk/pension-statement"),
    ],
)
def test_every_spelling_of_an_acronym(kb: Any, query: str, expected: str) -> None:
    hits = kb.search(query).hits
    assert hits, f"{query!r} found nothing"
    assert f"{hits[0].lang}/{slug_of(hits[0])}" == expected


def test_a_kazakh_letter_left_out_of_an_acronym(kb: Any) -> None:
    with_letter = kb.search("ХҚКО")
    without = kb.search("ХКО")
    assert without.total > 0
    assert [h.url for h in without.hits] == [h.url for h in with_letter.hits]
    assert without.hits[0].lang == "kk"


def test_out_of_scope_questions_get_nothing_or_weak_matches(kb: Any) -> None:
    pairs = read_pairs("out_of_scope.txt")
    assert len(pairs) >= 40
    langs = {"kk" if any(ch in "әіңғүұқөһ" for ch in q.lower()) else "ru" for q, _ in pairs}
    assert langs == {"kk", "ru"}
    honest = [q for q, _ in pairs if not (result := kb.search(q)).hits or result.weak]
    assert len(honest) / len(pairs) >= 0.90, sorted({q for q, _ in pairs} - set(honest))


@pytest.mark.parametrize("name", ["caller_lang_ru.txt", "caller_lang_kk.txt"])
def test_questions_the_demo_answers_are_not_weak(kb: Any, name: str) -> None:
    weak = [q for q, _ in read_pairs(name) if kb.search(q).weak]
    assert weak == []


def test_the_hit_that_matches_every_word_comes_first(kb: Any) -> None:
    # The ИИН article has "удостоверение" and "иностранец" but not "водительское": the
    # МВД card (driving licences, foreigners) answers the whole question.
    result = kb.search("водительское удостоверение иностранцу")
    assert not result.weak
    assert result.hits[0].url.startswith("/-/bodies/mvd")
    junk = kb.search("qwxzy ничего такого нет")
    assert junk.weak and junk.hits  # shown, but as weak matches


def test_an_unfinished_last_word_is_not_held_against_the_hits(kb: Any) -> None:
    assert not kb.search("удостоверение л").weak
    assert kb.search("удостоверение л").hits
