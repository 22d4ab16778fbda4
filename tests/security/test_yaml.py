"""Issue 18 item 2: YAML anchors, aliases and deep nesting are refused before expanding."""

from __future__ import annotations

from pathlib import Path

import pytest

from articles import bodies
from articles import courses
from articles.errors import InvalidArticle
from articles.frontmatter import parse
from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.markdown_dir import MarkdownImporter
from tests.security.hostile import yaml_bomb

BOMB_ARTICLE = "---\nid: bomb\ntitle: Бомба\nlang: ru\n" + yaml_bomb(6) + "---\nТекст\n"
DEEP_ARTICLE = "---\nid: deep\ntitle: Терең\nlang: kk\nkeywords: " + "[" * 200 + "]" * 200
DEEP_ARTICLE += "\n---\nМәтін\n"


def test_the_bomb_is_small() -> None:
    assert len(BOMB_ARTICLE.encode()) < 1000


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        (BOMB_ARTICLE, "ru", "anchor or alias"),
        (DEEP_ARTICLE, "kk", "more than 20 levels"),
        ("---\nid: a\ntitle: &t Паспорт\nlang: ru\n---\nx\n", "ru", "anchor or alias"),
    ],
)
def test_front_matter_refuses_before_expanding(text: str, lang: str, reason: str) -> None:
    with pytest.raises(InvalidArticle) as caught:
        parse(text, lang=lang, slug="x")
    assert reason in caught.value.message
    assert caught.value.line is not None


def test_ampersands_and_stars_in_values_are_fine() -> None:
    meta, _body = parse(
        "---\nid: a\ntitle: 'ЦОН & ХҚКО * 24/7'\nlang: ru\nkeywords: [a&b, '*']\n---\nx\n",
        lang="ru",
        slug="a",
    )
    assert meta.title == "ЦОН & ХҚКО * 24/7"


def test_body_and_course_files_refuse_aliases() -> None:
    with pytest.raises(InvalidArticle, match="anchor or alias"):
        bodies.parse("id: mvd\n" + yaml_bomb(6), body_id="mvd")
    with pytest.raises(InvalidArticle, match="anchor or alias"):
        courses.parse("id: c\n" + yaml_bomb(6), "c")


def test_markdown_import_skips_the_bomb_and_keeps_the_good_file(tmp_path: Path) -> None:
    (tmp_path / "bomb.md").write_text("---\ntitle: Бомба\n" + yaml_bomb(6) + "---\nx\n")
    (tmp_path / "good.md").write_text("---\ntitle: Паспорт\n---\nМәтін\n", encoding="utf-8")
    items = list(MarkdownImporter().read(tmp_path))
    problems = [i for i in items if isinstance(i, ImportProblem)]
    articles = [i for i in items if isinstance(i, ImportedArticle)]
    assert [a.title for a in articles] == ["Паспорт"]
    assert len(problems) == 1 and "anchor or alias" in problems[0].message
