"""Every payload of ../shared/corpora/xss_payloads in a body, a title and the front matter.

Oracle (the corpus README): after rendering, parse the HTML (html.parser) and find no
<script>, no on* attribute, no javascript:/vbscript:/data:text/html URL and no
iframe/object/embed/base/meta/form/style element. Stricter still: every attribute left is
in the sanitiser's allow-list.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from articles.frontmatter import CONTROL_RE
from articles.frontmatter import dump
from articles.frontmatter import parse
from articles.model import ArticleMeta
from articles.render import render
from articles.render import render_article
from articles.sanitize import ALLOWED_ATTRIBUTES
from articles.sanitize import ALLOWED_CLASSES

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KB_SHARED") or ROOT / ".." / "shared")
CORPUS = SHARED / "corpora" / "xss_payloads" / "payloads.jsonl"
EXPECTED_COUNT = 8638

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "base", "meta", "form", "style"}
URL_ATTRS = {
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "data",
    "background",
    "poster",
    "cite",
    "longdesc",
    "xlink:href",
    "lowsrc",
    "dynsrc",
    "ping",
}
BAD_URL = re.compile(r"^(javascript:|vbscript:|data:text/html)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class Oracle(HTMLParser):
    """Collects every violation of the oracle in one HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        allowed |= {"rel"} if tag == "a" else set()
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "class" and tag in ALLOWED_CLASSES:
                if not set((value or "").split()) <= ALLOWED_CLASSES[tag]:
                    self.problems.append(f"{tag}[class={value}]")
            elif name not in allowed:
                self.problems.append(f"{tag}[{name}] not allowed")
            if name in URL_ATTRS and BAD_URL.match(_CONTROL.sub("", value or "")):
                self.problems.append(f"{tag}[{name}={value[:40] if value else ''}]")

    handle_startendtag = handle_starttag


def problems(fragment: str) -> list[str]:
    oracle = Oracle()
    oracle.feed(fragment)
    oracle.close()
    return oracle.problems


@pytest.fixture(scope="module")
def payloads() -> list[str]:
    if not CORPUS.is_file():
        pytest.skip(f"../shared/corpora absent: {CORPUS} not found (set KB_SHARED)")
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line)["payload"] for line in fh if line.strip()]


def test_oracle_catches_known_bad_html() -> None:
    bad = '<a href=" jav&#x09;ascript:x">a</a><img src=x onerror=y><iframe></iframe><p style="">'
    assert len(problems(bad)) == 5


def test_corpus_is_complete(payloads: list[str]) -> None:
    assert len(payloads) == EXPECTED_COUNT


def test_every_payload_in_a_body(payloads: list[str]) -> None:
    failures = []
    for payload in payloads:
        out = render(payload).html
        if found := problems(out):
            failures.append((payload[:80], found))
    # and all together, so payloads can combine across lines
    for start in range(0, len(payloads), 200):
        out = render("\n\n".join(payloads[start : start + 200])).html
        if found := problems(out):
            failures.append((f"bulk {start}", found))
    assert failures == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_payload_in_front_matter(payloads: list[str], lang: str) -> None:
    """Through the file format (YAML quoting must survive), 100 payloads per article.

    The format refuses control characters (``control_character``), so they are taken out
    of the payloads here; :func:`test_control_characters_are_refused` covers them.
    """
    failures = []
    for start in range(0, len(payloads), 100):
        chunk = [CONTROL_RE.sub("", payload) for payload in payloads[start : start + 100]]
        text = dump(
            ArticleMeta(
                id="xss",
                title="Тест",
                lang=lang,
                answer=" ".join(chunk),
                keywords=tuple(chunk),
                facts={f"fact-{n}": payload for n, payload in enumerate(chunk)},
            ),
            "\n\n".join(chunk),
        )
        meta, body = parse(text, lang=lang, slug="xss", max_bytes=10**7)
        assert meta.keywords == tuple(p.strip() for p in chunk)
        if found := problems(render_article(meta, body).html):
            failures.append((start, found))
    assert failures == []


def test_control_characters_are_refused(payloads: list[str]) -> None:
    from articles.errors import InvalidArticle

    with_controls = [p for p in payloads if CONTROL_RE.search(p)]
    assert with_controls
    for payload in with_controls[:50]:
        text = dump(ArticleMeta(id="xss", title="Тест", lang="kk", answer=payload), payload)
        with pytest.raises(InvalidArticle) as caught:
            parse(text, lang="kk", slug="xss", max_bytes=10**7)
        assert caught.value.code == "control_character"


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_payload_as_title(payloads: list[str], lang: str) -> None:
    failures = []
    for payload in payloads:
        meta = ArticleMeta(id="xss", title=payload, lang=lang, answer=payload)
        if found := problems(render_article(meta, "").html):
            failures.append((payload[:80], found))
    assert failures == []
