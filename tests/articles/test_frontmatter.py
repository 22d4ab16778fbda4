"""Parsing, dumping and the bad-input table of article files."""

from __future__ import annotations

import datetime as dt

import pytest

from articles.errors import InvalidArticle
from articles.errors import InvalidSlug
from articles.frontmatter import dump
from articles.frontmatter import parse
from articles.model import ArticleMeta

GOOD = {
    "kk": (
        "---\nid: passport\ntitle: Төлқұжатты ауыстыру\nlang: kk\ncategory: documents\n"
        "keywords: [төлқұжат, құжат]\nagencies: [gov4c]\nreview_by: 2027-06-01\n"
        "facts:\n  fee: 0,2 АЕК\n  documents: [өтініш, ескі төлқұжат]\n---\n"
        "Мәтін.\n"
    ),
    "ru": (
        "---\nid: passport\ntitle: Замена паспорта\nlang: ru\ncategory: documents\n"
        "keywords: [паспорт, документ]\nagencies: [gov4c]\nreview_by: 2027-06-01\n"
        "facts:\n  fee: 0,2 МРП\n  documents: [заявление, старый паспорт]\n---\n"
        "Текст.\n"
    ),
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_parse_good_file(lang: str) -> None:
    meta, body = parse(GOOD[lang], lang=lang, slug="passport")
    assert meta.id == "passport" and meta.lang == lang
    assert meta.category == "documents"
    assert meta.review_by == dt.date(2027, 6, 1)
    assert meta.agencies == ("gov4c",)
    assert isinstance(meta.facts["documents"], list) and len(meta.facts["documents"]) == 2
    assert body == GOOD[lang].split("---\n")[-1]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_dump_round_trip(lang: str) -> None:
    meta, body = parse(GOOD[lang], lang=lang, slug="passport")
    again = parse(dump(meta, body), lang=lang, slug="passport")
    assert again == (meta, body)


def test_crlf_and_bom_are_normalised() -> None:
    text = "\ufeff" + GOOD["ru"].replace("\n", "\r\n")
    meta, body = parse(text.encode("utf-8"), lang="ru", slug="passport")
    assert meta.title == "Замена паспорта" and body == "Текст.\n"


HEAD = "---\nid: passport\ntitle: Замена паспорта\nlang: ru\n"

# (text, expected code, expected field, words the message must contain)
BAD_INPUT = [
    ("Нет front matter\n", "front_matter_missing", None, "---"),
    (HEAD + "Текст без закрытия\n", "front_matter_unclosed", None, "not closed"),
    (HEAD + "keywords: [a, b\n---\n", "front_matter_syntax", None, "YAML"),
    ("---\n- a\n- b\n---\n", "front_matter_syntax", None, "field: value"),
    (HEAD + "titel: x\n---\n", "unknown_field", "titel", "Did you mean 'title'"),
    (HEAD + "keyword: [a]\n---\n", "unknown_field", "keyword", "Did you mean 'keywords'"),
    (HEAD + "colour: red\n---\n", "unknown_field", "colour", "Known fields"),
    (HEAD + "review_by: 2027-13-45\n---\n", "front_matter_syntax", None, "YYYY-MM-DD"),
    (HEAD + "review_by: 01.06.2027\n---\n", "invalid_date", "review_by", "YYYY-MM-DD"),
    (
        HEAD + "valid_from: 2027-02-01\nvalid_until: 2027-01-01\n---\n",
        "invalid_date",
        "valid_until",
        "before",
    ),
    (HEAD + "keywords: паспорт\n---\n", "invalid_type", "keywords", "list"),
    (HEAD + "agencies: [МВД]\n---\n", "invalid_id", "agencies", "lowercase"),
    (HEAD + "category: passports\n---\n", "invalid_category", "category", "one of"),
    (HEAD + "facts: [a]\n---\n", "invalid_type", "facts", "mapping"),
    ("---\nid: passport\nlang: ru\n---\n", "missing_field", "title", "title"),
    ("---\nid: Passport/..\ntitle: x\nlang: ru\n---\n", "invalid_id", "id", "lowercase"),
    ("---\nid: passport\ntitle: x\nlang: kk\n---\n", "lang_mismatch", "lang", "ru/"),
    ("---\nid: passport\ntitle: x\nlang: de\n---\n", "invalid_lang", "lang", "kk, ru or en"),
    (HEAD + "answer: [a]\n---\n", "invalid_type", "answer", "text"),
]


@pytest.mark.parametrize(
    ("text", "code", "field", "words"),
    BAD_INPUT,
    ids=[f"{i}-{case[1]}" for i, case in enumerate(BAD_INPUT)],
)
def test_bad_input_is_refused_with_a_clear_message(
    text: str, code: str, field: str | None, words: str
) -> None:
    with pytest.raises(InvalidArticle) as info:
        parse(text, lang="ru", slug="passport")
    assert info.value.code == code
    assert info.value.field == field
    assert words in info.value.message


def test_unknown_field_reports_its_line() -> None:
    with pytest.raises(InvalidArticle) as info:
        parse(HEAD + "category: documents\ntitel: x\n---\n", lang="ru", slug="passport")
    assert info.value.line == 6


def test_non_utf8_bytes() -> None:
    data = (HEAD + "---\nТекст\n").encode("cp1251")
    with pytest.raises(InvalidArticle) as info:
        parse(data, lang="ru", slug="passport")
    assert info.value.code == "encoding" and "UTF-8" in info.value.message


def test_lone_surrogate_in_str() -> None:
    with pytest.raises(InvalidArticle) as info:
        parse(HEAD + "---\nТекст \udc00\n", lang="ru", slug="passport")
    assert info.value.code == "encoding"


def test_oversized_body() -> None:
    text = HEAD + "---\n" + "Қ" * 1000
    with pytest.raises(InvalidArticle) as info:
        parse(text, lang="ru", slug="passport", max_bytes=1024)
    assert info.value.code == "too_large" and "1024" in info.value.message


def test_python_object_tags_are_not_loaded() -> None:
    text = HEAD + "answer: !!python/object/apply:os.system [echo hi]\n---\n"
    with pytest.raises(InvalidArticle) as info:
        parse(text, lang="ru", slug="passport")
    assert info.value.code == "front_matter_syntax"


def test_meta_defaults() -> None:
    meta = ArticleMeta(id="a", title="A", lang="kk")
    assert meta.category == "other" and meta.keywords == ()


@pytest.mark.parametrize("slug", ["../etc", "a/b", "..", "A", "-a", "a" * 81, "а-кирилл", ""])
def test_invalid_slugs(slug: str) -> None:
    from articles.slugs import article_path

    with pytest.raises(InvalidSlug):
        article_path("ru", slug)
