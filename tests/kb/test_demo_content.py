"""Checks on the bundled demo content (``kb/demo/content``).

The demo is what ``kb init --demo`` publishes and what every later feature is shown on,
so its files must follow ``docs/content-format.md`` exactly. Only PyYAML and the
standard library are needed: the package is located without importing it (importing
``kb`` would pull in Flask).
"""

from __future__ import annotations

import datetime
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from articles.model import CATEGORIES as ARTICLE_CATEGORIES


def _content_root() -> Path:
    """Locate ``kb/demo/content`` from the installed ``kb`` package, without importing it."""
    spec = importlib.util.find_spec("kb")
    if spec is not None and spec.origin and spec.origin.endswith("__init__.py"):
        package = Path(spec.origin).parent
    else:
        # tests/kb has no __init__.py, so with tests/ on sys.path it can shadow the
        # package as a namespace; the repository layout is then the reliable source.
        package = Path(__file__).resolve().parents[2] / "kb"
    return package / "demo" / "content"


CONTENT = _content_root()
LANGS = ("kk", "ru")
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
CATEGORIES = frozenset(ARTICLE_CATEGORIES)
REQUIRED = frozenset(
    {"id", "title", "lang", "category", "services", "agencies", "keywords", "answer", "facts"}
    | {"review_by"}
)
OPTIONAL = frozenset({"valid_from", "valid_until", "related"})
FACT_KEYS = frozenset({"deadline", "fee", "documents", "where"})
# Letters of the Kazakh Cyrillic alphabet that Russian does not have.
KAZAKH_LETTERS = frozenset("әіңғүұқөһӘІҢҒҮҰҚӨҺ")
SCRIPT_RE = re.compile(r'^!!! script "([^"\n]+)"\n((?:    \S.*\n?)+)', re.MULTILINE)
MIN_TOPICS = 14
MIN_BODIES = 8
MIN_SYNONYM_GROUPS = 40


@dataclass(frozen=True)
class Article:
    """One parsed demo article file."""

    path: Path
    meta: dict[str, Any]
    body: str


def _parse(path: Path) -> Article:
    """Split ``path`` into YAML front matter and Markdown body."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: must start with a '---' front matter line"
    end = text.find("\n---\n", 4)
    assert end != -1, f"{path.name}: front matter is not closed by a '---' line"
    meta = yaml.safe_load(text[4:end])
    assert isinstance(meta, dict), f"{path.name}: front matter must be a mapping"
    return Article(path=path, meta=meta, body=text[end + 5 :])


def _article_paths() -> list[Path]:
    return sorted(p for lang in LANGS for p in (CONTENT / lang).glob("*.md"))


def _articles(lang: str) -> dict[str, Article]:
    parsed = [_parse(p) for p in sorted((CONTENT / lang).glob("*.md"))]
    return {a.meta["id"]: a for a in parsed}


def _bodies() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((CONTENT / "bodies").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict), f"{path.name}: must be a mapping"
        out[path.stem] = data
    return out


def _has_kazakh(text: str) -> bool:
    return any(ch in KAZAKH_LETTERS for ch in text)


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


ARTICLE_PATHS = _article_paths()


def test_enough_topics_in_both_languages() -> None:
    kk, ru = _articles("kk"), _articles("ru")
    assert len(kk) >= MIN_TOPICS
    assert set(kk) == set(ru), f"ids missing a translation: {set(kk) ^ set(ru)}"


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_front_matter(path: Path) -> None:
    meta = _parse(path).meta
    missing = REQUIRED - meta.keys()
    unknown = meta.keys() - REQUIRED - OPTIONAL
    assert not missing, f"missing fields {sorted(missing)}"
    assert not unknown, f"unknown fields {sorted(unknown)}"
    assert ID_RE.fullmatch(meta["id"]) and len(meta["id"]) <= 80
    assert path.stem == meta["id"], "the demo uses the id as the slug in both languages"
    assert meta["lang"] == path.parent.name
    assert meta["category"] in CATEGORIES
    assert isinstance(meta["title"], str) and 5 <= len(meta["title"]) <= 120
    for field in ("services", "agencies", "keywords"):
        assert _is_str_list(meta[field]) and meta[field], f"{field} must list strings"
    assert len(meta["keywords"]) >= 6
    assert len({k.casefold() for k in meta["keywords"]}) == len(meta["keywords"])
    assert all(ID_RE.fullmatch(s) for s in meta["services"])


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_answer_facts_and_dates(path: Path) -> None:
    meta = _parse(path).meta
    answer = meta["answer"]
    assert isinstance(answer, str) and 60 <= len(answer) <= 700
    assert "\n" not in answer, "answer is plain text read out loud: fold it into one line"
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer)) <= 4
    facts = meta["facts"]
    assert isinstance(facts, dict) and facts, "facts must be a non-empty mapping"
    assert facts.keys() <= FACT_KEYS, f"unknown facts {sorted(facts.keys() - FACT_KEYS)}"
    for key, value in facts.items():
        if key == "documents":
            assert _is_str_list(value) and value
        else:
            assert isinstance(value, str) and value.strip(), f"facts.{key} must be text"
    review_by = meta["review_by"]
    assert type(review_by) is datetime.date, "review_by must be an unquoted YYYY-MM-DD date"
    assert datetime.date(2027, 1, 1) <= review_by <= datetime.date(2027, 12, 31)
    for field in ("valid_from", "valid_until"):
        if field in meta:
            assert type(meta[field]) is datetime.date


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_body_shape(path: Path) -> None:
    body = _parse(path).body
    words = len(re.findall(r"\w+", body))
    assert 150 <= words <= 420, f"body has {words} words, want 150-400"
    assert re.search(r"^## \S", body, re.MULTILINE), "body needs ## headings"
    assert re.search(r"^1\. \S", body, re.MULTILINE), "body needs a numbered step list"
    assert not re.search(r"^# ", body, re.MULTILINE), "the title is in the front matter"
    scripts = SCRIPT_RE.findall(body)
    assert scripts, 'body needs an operator script: !!! script "Title" + indented text'
    assert body.count("!!! script") == len(scripts), "a script block is not indented by 4"


def test_kazakh_articles_are_in_kazakh() -> None:
    for article in _articles("kk").values():
        name = article.path.name
        for text in (article.meta["title"], article.meta["answer"], article.body):
            assert _has_kazakh(text), f"{name}: no Kazakh-specific letters in {text[:40]!r}"
        share = sum(ch in KAZAKH_LETTERS for ch in article.body) / len(article.body)
        assert share > 0.02, f"{name}: too few Kazakh letters ({share:.1%}) for Kazakh text"
        titles = [t for t, _ in SCRIPT_RE.findall(article.body)]
        assert all(not re.search(r"[А-Яа-я]+ звонка|Ответ абоненту", t) for t in titles)


def test_russian_articles_are_in_russian() -> None:
    for article in _articles("ru").values():
        assert not _has_kazakh(article.meta["title"]), article.path.name
        assert not _has_kazakh(article.meta["answer"]), article.path.name
        share = sum(ch in KAZAKH_LETTERS for ch in article.body) / len(article.body)
        assert share < 0.002, f"{article.path.name}: Kazakh letters in a Russian body"


def test_translations_agree() -> None:
    kk, ru = _articles("kk"), _articles("ru")
    for id_ in kk.keys() & ru.keys():
        a, b = kk[id_].meta, ru[id_].meta
        for field in ("category", "services", "agencies", "related", "review_by"):
            assert a.get(field) == b.get(field), f"{id_}: {field} differs between kk and ru"
        assert a["facts"].keys() == b["facts"].keys(), f"{id_}: facts differ"


def test_references_resolve() -> None:
    bodies = _bodies()
    for lang in LANGS:
        articles = _articles(lang)
        for id_, article in articles.items():
            unknown = set(article.meta["agencies"]) - bodies.keys()
            assert not unknown, f"{lang}/{id_}: agencies without bodies/*.yaml: {unknown}"
            related = article.meta.get("related", [])
            assert _is_str_list(related)
            assert id_ not in related, f"{lang}/{id_} relates to itself"
            assert set(related) <= articles.keys(), f"{lang}/{id_}: unknown related ids"


def test_no_duplicate_ids() -> None:
    for lang in LANGS:
        ids = [_parse(p).meta["id"] for p in sorted((CONTENT / lang).glob("*.md"))]
        assert len(ids) == len(set(ids))
    assert not list(CONTENT.glob("*/*.markdown")), "articles use the .md extension"


def test_bodies_directory() -> None:
    bodies = _bodies()
    assert len(bodies) >= MIN_BODIES
    used = {a for lang in LANGS for art in _articles(lang).values() for a in art.meta["agencies"]}
    for stem, body in bodies.items():
        assert body.get("id") == stem, f"{stem}.yaml: id must equal the file name"
        assert ID_RE.fullmatch(stem)
        assert body.keys() <= {"id", "name", "handles", "phone", "site", "address", "services"}
        for field in ("name", "handles"):
            assert set(body[field]) == set(LANGS), f"{stem}: {field} needs kk and ru"
            assert all(isinstance(v, str) and v.strip() for v in body[field].values())
        assert _has_kazakh(body["name"]["kk"] + body["handles"]["kk"]), stem
        assert not _has_kazakh(body["handles"]["ru"]), stem
        if "phone" in body:
            assert isinstance(body["phone"], str), f"{stem}: quote the phone number"
        if "site" in body:
            assert re.fullmatch(r"https://[a-z0-9.-]+\.kz/?", body["site"]), stem
        assert _is_str_list(body.get("services", [])), stem
    assert used <= bodies.keys()


def _synonym_groups() -> list[list[str]]:
    groups = []
    for raw in (CONTENT / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            groups.append([term.strip() for term in line.split(" = ")])
    return groups


def test_synonyms_parse() -> None:
    groups = _synonym_groups()
    assert len(groups) >= MIN_SYNONYM_GROUPS
    seen: dict[str, int] = {}
    for number, group in enumerate(groups):
        assert len(group) >= 2, f"group {group} needs at least two terms"
        for term in group:
            assert term and "=" not in term, f"bad term {term!r} in {group}"
            key = term.casefold()
            # A term in two groups would silently merge them at search time.
            assert seen.setdefault(key, number) == number, f"{term!r} is in two groups"
    mixed = [g for g in groups if any(_has_kazakh(t) for t in g)]
    assert len(mixed) >= 20, "most groups should carry the Kazakh equivalent"


def test_scripts_render_as_admonitions() -> None:
    markdown = pytest.importorskip("markdown")
    article = _parse(CONTENT / "kk" / "call-transfer.md")
    html = markdown.markdown(article.body, extensions=["admonition", "tables"])
    assert '<div class="admonition script">' in html
    assert '<p class="admonition-title">Қоңырауды ауыстыру</p>' in html
    channels = _parse(CONTENT / "ru" / "contact-center-channels.md")
    html = markdown.markdown(channels.body, extensions=["admonition", "tables"])
    assert "<table>" in html and '<div class="admonition script">' in html
