"""Rendering pipeline: fixed extensions, sanitising, plain text and toc from one render."""

from __future__ import annotations

import pytest

from articles import render as render_mod
from articles.model import ArticleMeta
from articles.render import render
from articles.render import render_article
from articles.sanitize import ALLOWED_TAGS
from articles.sanitize import ALLOWED_URL_SCHEMES
from articles.sanitize import sanitize_html

SCRIPT = {
    "kk": '!!! script "Қоңырауды ауыстыру"\n    Абонентке қоңырау ауыстырылатынын ескертіңіз.\n',
    "ru": '!!! script "Перевод звонка"\n    Предупредите абонента, что звонок будет переведён.\n',
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_operator_script_block(lang: str) -> None:
    out = render(SCRIPT[lang])
    assert '<div class="admonition script">' in out.html
    assert '<p class="admonition-title">' in out.html
    title = SCRIPT[lang].split('"')[1]
    assert title in out.text and "\n" in out.text


@pytest.mark.parametrize(
    ("lang", "heading", "anchor"),
    [
        ("kk", "Қажетті құжаттар", "қажетті-құжаттар"),
        ("ru", "Нужные документы", "нужные-документы"),
    ],
)
def test_toc_and_text(lang: str, heading: str, anchor: str) -> None:
    out = render(f"## {heading}\n\n- бір / один\n- екі / два\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert out.toc[0].title == heading and out.toc[0].id == anchor and out.toc[0].level == 2
    assert f'<h2 id="{anchor}">' in out.html
    assert '<td align="left">1</td>' in out.html and "style" not in out.html
    assert out.text.splitlines()[0] == heading
    assert "бір / один" in out.text


def test_fixed_extension_set_has_no_attr_list() -> None:
    assert "attr_list" not in render_mod.EXTENSIONS and "md_in_html" not in render_mod.EXTENSIONS
    out = render("# Title {: onclick=alert(1) }\n\nText{: style=x }")
    assert "onclick" not in out.html.replace("{: onclick", "") or "<h1" in out.html
    assert ' onclick="' not in out.html and ' style="' not in out.html


def test_fenced_code_is_escaped() -> None:
    out = render("```html\n<script>alert(1)</script>\n```\n")
    assert "&lt;script&gt;" in out.html and "<script>" not in out.html
    assert "<script>alert(1)</script>" in out.text  # the text shows what the reader sees


def test_links_keep_safe_schemes_only() -> None:
    out = render(
        "[egov](https://egov.kz) [call](tel:1414) [bad](javascript:alert(1)) "
        "[rel](/kk/pasport) <a href='vbscript:x'>v</a>"
    )
    assert 'href="https://egov.kz"' in out.html and 'href="tel:1414"' in out.html
    assert 'href="/kk/pasport"' in out.html
    assert "javascript" not in out.html and "vbscript" not in out.html
    assert 'rel="noopener noreferrer nofollow"' in out.html


def test_allow_lists_are_tight() -> None:
    for tag in ("script", "style", "iframe", "object", "embed", "form", "input", "base", "meta"):
        assert tag not in ALLOWED_TAGS
    assert ALLOWED_URL_SCHEMES == {"http", "https", "mailto", "tel"}
    assert (
        sanitize_html('<h2 id="x y">a</h2><h2 id="ok-1">b</h2>') == '<h2>a</h2><h2 id="ok-1">b</h2>'
    )


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_render_article_escapes_front_matter(lang: str) -> None:
    meta = ArticleMeta(
        id="x",
        title="<img src=x onerror=alert(1)> ЦОН / ХҚКО",
        lang=lang,
        answer='"><script>alert(1)</script>',
        facts={"fee": "<b>0,2</b>", "documents": ["<i>a</i>", "b"]},
        keywords=("<svg onload=x>",),
    )
    out = render_article(meta, SCRIPT[lang])
    assert "<script" not in out.html and "<img" not in out.html and "<svg" not in out.html
    assert "&lt;img src=x onerror=alert(1)&gt; ЦОН / ХҚКО" in out.html
    assert out.text.startswith("<img src=x onerror=alert(1)> ЦОН / ХҚКО")
    assert "admonition script" in out.html


PATHOLOGICAL = {
    "brackets": "[" * 50_000,
    "links": "[a](" * 20_000,
    "emphasis": "*a" * 50_000,
    "tags": "<div>" * 20_000,
    "headings": "# h\n" * 20_000,
    "nested lists": "1. " * 5_000,
    "entities": "&amp;" * 50_000,
    "paragraphs": "a\n\n" * 50_000,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_bodies_render_fast_and_are_refused_on_save(name: str) -> None:
    import time

    from articles.errors import InvalidArticle
    from articles.frontmatter import parse

    text = PATHOLOGICAL[name]
    start = time.perf_counter()
    out = render(text + "<script>x</script>")
    assert time.perf_counter() - start < 2.0
    assert out.html.startswith("<pre>") and "<script>" not in out.html
    with pytest.raises(InvalidArticle) as info:
        parse("---\nid: a\ntitle: Ә\nlang: kk\n---\n" + text, lang="kk", slug="a")
    assert info.value.code == "too_complex" and "Split the article" in info.value.message
