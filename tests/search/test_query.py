"""What operators type: both languages, inflection, typos, layout, synonyms, bad input."""

from __future__ import annotations

import pytest

from search import IndexDoc
from search import QueryError
from search import SearchIndex
from search import parse_synonyms
from search.parse import MAX_QUERY_CHARS
from search.parse import parse_text

RU_TO_QWERTY = dict(
    zip("йцукенгшщзхъфывапролджэячсмитьбю", "qwertyuiop[]asdfghjkl;'zxcvbnm,.", strict=True)
)


def article(slug: str, lang: str, title: str, text: str, **extra: object) -> IndexDoc:
    """An article record as the service layer builds it."""
    return IndexDoc(kind="article", id=slug, lang=lang, slug=slug, title=title, text=text, **extra)  # type: ignore[arg-type]


DOCS = [
    article(
        "id-card",
        "ru",
        "Замена удостоверения личности",
        "Удостоверение личности меняют в любом ЦОНе. Нужны заявление и старое удостоверение.",
    ),
    article(
        "id-card",
        "kk",
        "Жеке куәлікті ауыстыру",
        "Жеке куәлікті кез келген ХҚКО-да ауыстыруға болады. Өтініш пен ескі куәлік қажет.",
    ),
    article(
        "property-tax",
        "ru",
        "Уплата налога на имущество",
        "Физические лица платят налоги на имущество ежегодно через портал.",
    ),
    article(
        "property-tax",
        "kk",
        "Мүлік салығын төлеу",
        "Жеке тұлғалар мүлік салығын жыл сайын портал арқылы төлейді.",
    ),
    article(
        "pension",
        "ru",
        "Назначение пенсии по возрасту",
        "Пенсию по возрасту назначают после обращения в отделение ЕНПФ.",
    ),
    article(
        "pension",
        "kk",
        "Жасына байланысты зейнетақы тағайындау",
        "Зейнетақыны БЖЗҚ бөлімшесіне жүгінгеннен кейін тағайындайды.",
    ),
    article(
        "newborn",
        "ru",
        "Регистрация рождения ребёнка",
        "Рождение ребёнка регистрируют в ЗАГСе. Понадобится справка из роддома.",
    ),
    article(
        "newborn",
        "kk",
        "Баланың тууын тіркеу",
        "Баланың тууы АХАЖ органдарында тіркеледі. Перзентханадан анықтама қажет.",
    ),
]

SYNONYMS = """
ЦОН = ХҚКО = центр обслуживания населения
ЕНПФ = БЖЗҚ = единый накопительный пенсионный фонд
"""


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """A RAM index of both languages' versions of four articles, with synonyms."""
    ix = SearchIndex.open(None, synonyms=parse_synonyms(SYNONYMS))
    ix.update(DOCS)
    return ix


def top(index: SearchIndex, query: str, n: int = 2, **kwargs: object) -> list[str]:
    """The keys of the best ``n`` hits."""
    return [hit.key for hit in index.search(query, **kwargs).hits[:n]]  # type: ignore[arg-type]


def wrong_layout(text: str) -> str:
    """Russian text typed with the keyboard left on Latin."""
    return "".join(RU_TO_QWERTY.get(ch, ch) for ch in text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("удостоверение", "ru/id-card"),
        ("удостоверением личности", "ru/id-card"),
        ("налогов", "ru/property-tax"),
        ("пенсией", "ru/pension"),
        ("рождении детей", "ru/newborn"),
        ("куәлік", "kk/id-card"),
        ("куәлігін ауыстыру", "kk/id-card"),
        ("салықтар", "kk/property-tax"),
        ("салығы", "kk/property-tax"),
        ("зейнетақысы", "kk/pension"),
        ("баланың тууы", "kk/newborn"),
    ],
)
def test_inflected_forms_find_their_article(index: SearchIndex, query: str, expected: str) -> None:
    assert expected in top(index, query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("салык", "kk/property-tax"),  # Kazakh typed without Kazakh letters
        ("куалик", "kk/id-card"),
        ("зейнетакы", "kk/pension"),
        ("пacпopт удостоверение", "ru/id-card"),  # Latin a, c, o inside a Cyrillic word
    ],
)
def test_folded_letters_match(index: SearchIndex, query: str, expected: str) -> None:
    assert expected in top(index, query)


def test_mixed_kazakh_and_russian_query_finds_both(index: SearchIndex) -> None:
    assert set(top(index, "салық налог", n=2)) == {"kk/property-tax", "ru/property-tax"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("удостоверене", "ru/id-card"),  # a letter missing
        ("удостоверенеи", "ru/id-card"),  # two letters swapped
        ("регистарция", "ru/newborn"),
        ("зейнетақв", "kk/pension"),
        ("тағайындаy", "kk/pension"),
    ],
)
def test_typos_in_long_words_are_tolerated(index: SearchIndex, query: str, expected: str) -> None:
    assert expected in top(index, query)


def test_short_words_are_not_fuzzy(index: SearchIndex) -> None:
    # "цан" is one letter from "цон" but too short to correct safely.
    assert index.search("цан").hits == ()


def test_last_word_completes_while_typing(index: SearchIndex) -> None:
    assert "ru/id-card" in top(index, "замена удостов")
    assert "kk/pension" in top(index, "зейнет")
    # A finished word (followed by a space) is not completed.
    assert index.search("удостов ").hits == ()


@pytest.mark.parametrize(
    ("typed", "expected", "corrected"),
    [
        (wrong_layout("налоги"), "ru/property-tax", "налоги"),
        (wrong_layout("пенсия"), "ru/pension", "пенсия"),
        ("salyq", "kk/property-tax", "salyq"),  # Kazakh Latin alphabet
    ],
)
def test_wrong_layout_and_latin_are_corrected(
    index: SearchIndex, typed: str, expected: str, corrected: str
) -> None:
    result = index.search(typed)
    assert expected in [hit.key for hit in result.hits[:2]]
    assert result.corrected is not None and result.corrected != typed


def test_synonyms_expand_abbreviations_across_languages(index: SearchIndex) -> None:
    assert set(top(index, "ЦОН", n=2)) == {"ru/id-card", "kk/id-card"}
    assert set(top(index, "центр обслуживания населения", n=2)) == {"ru/id-card", "kk/id-card"}
    assert set(top(index, "ЕНПФ", n=2)) == {"ru/pension", "kk/pension"}


def test_documents_matching_all_words_rank_first(index: SearchIndex) -> None:
    assert top(index, "удостоверение налог имущество", n=1) == ["ru/property-tax"]
    assert top(index, "замена удостоверения", n=1) == ["ru/id-card"]


def test_quoted_phrase_must_match_in_order(index: SearchIndex) -> None:
    assert top(index, '"удостоверение личности"') == ["ru/id-card"]
    assert index.search('"личности заявление"').hits == ()


def test_snippet_highlights_inflected_forms(index: SearchIndex) -> None:
    snippet = index.search("налог").hits[0].snippet
    assert "<mark>налоги</mark>" in snippet


BAD_INPUT = [
    "",
    "   ",
    "!!!",
    "?!.,;:-—«»",
    "\x00\x01\x02",
    "\x1b[31mналог\x1b[0m",
    '"',
    '"налог',
    'налог"',
    "((налог",
    "налог)",
    "AND",
    "OR",
    "NOT",
    "*",
    "?",
    "налог AND",
    "AND OR NOT",
    "title_ru:налог",
    "налог^10",
    "налог~2",
    "[a TO z]",
    "{}",
    "\\",
    "\u200b\u200b",
    "🙂",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "a" * 200,
    "налог " * 150,
]


@pytest.mark.parametrize("text", BAD_INPUT)
def test_bad_input_gives_a_result_not_an_exception(index: SearchIndex, text: str) -> None:
    result = index.search(text)
    assert result.query == text
    assert result.took_ms >= 0
    for hit in result.hits:
        assert "<script>" not in hit.snippet


def test_query_syntax_is_plain_words(index: SearchIndex) -> None:
    # Whoosh syntax is not interpreted: field names and operators are just words.
    assert "ru/property-tax" in top(index, "title_ru:налог")
    assert "ru/property-tax" in top(index, "налог AND")


def test_a_ten_kilobyte_query_is_a_clear_error(index: SearchIndex) -> None:
    with pytest.raises(QueryError, match=f"at most {MAX_QUERY_CHARS}"):
        index.search("налог " * 2000)


def test_query_must_be_text(index: SearchIndex) -> None:
    with pytest.raises(QueryError, match="must be text"):
        index.search(b"bytes")  # type: ignore[arg-type]


def test_limit_is_clamped(index: SearchIndex) -> None:
    assert len(index.search("налог салық пенсия зейнетақы", limit=0).hits) == 1
    assert len(index.search("налог салық", limit=10_000).hits) <= 100


@pytest.mark.parametrize(
    ("text", "words", "phrases", "typing"),
    [
        ("налог", ("налог",), (), True),
        ("налог ", ("налог",), (), False),
        ("налог?", ("налог",), (), False),
        ('"замена паспорта" срок', ("замена", "паспорта", "срок"), (("замена", "паспорта"),), True),
        ('"замена', ("замена",), (), True),
        ("", (), (), False),
        ("ЦОН-да", ("ЦОН-да",), (), True),
    ],
)
def test_parse_text(
    text: str, words: tuple[str, ...], phrases: tuple[tuple[str, ...], ...], typing: bool
) -> None:
    parsed = parse_text(text)
    assert parsed.words == words
    assert parsed.phrases == phrases
    assert parsed.typing == typing
