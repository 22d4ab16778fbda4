"""The DOCX and HTML importers keep images, checked as uploads are, beside the article."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from articles.attachments import AttachmentLimits
from articles.model import Actor
from articles.store import ArticleStore
from importers.run import import_into
from tests.attachment_files import DISGUISED_HTML
from tests.attachment_files import docx_with_image
from tests.attachment_files import noisy_png
from tests.attachment_files import png

IMPORTER = Actor("Айгерим Импорт", "aigerim@example.kz")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ArticleStore]:
    with ArticleStore.init(tmp_path / "content") as opened:
        yield opened


@pytest.mark.parametrize(
    ("lang", "title"), [("kk", "Төлқұжатты ауыстыру"), ("ru", "Замена паспорта")]
)
def test_docx_image_is_kept_beside_the_article_and_published_with_it(
    store: ArticleStore, tmp_path: Path, lang: str, title: str
) -> None:
    source = tmp_path / "doc.docx"
    source.write_bytes(docx_with_image(title, png()))
    report = import_into(store, "docx", source, actor=IMPORTER, lang=lang, publish=True)
    assert len(report.created) == 1 and not report.skipped, report.summary()
    entry = report.created[0]
    article = store.get(lang, entry.slug)
    names = store.attachments(lang, entry.slug)
    assert len(names) == 1 and names[0].endswith(".png")
    url = f"/-/files/{lang}/{entry.slug}/{names[0]}"
    assert f"]({url})" in article.body and "attachment:" not in article.body
    found = store.read_attachment(lang, entry.slug, names[0], "published")
    assert found is not None and found[1] == png()
    # text, image and publication in the one import commit pair; a re-import changes nothing
    again = import_into(store, "docx", source, actor=IMPORTER, lang=lang)
    assert len(again.unchanged) == 1 and again.commit is None


def test_html_keeps_inline_and_saved_images_and_drops_remote_ones(
    store: ArticleStore, tmp_path: Path
) -> None:
    folder = tmp_path / "site"
    (folder / "page_files").mkdir(parents=True)
    (folder / "page_files" / "scheme.png").write_bytes(png(30, 20))
    (tmp_path / "outside.png").write_bytes(png(5, 5))
    inline = base64.b64encode(png(8, 8, (9, 9, 9))).decode()
    (folder / "page.html").write_text(
        '<html lang="ru"><body><main><h1>Получение справки</h1><p>Схема проезда в ЦОН.</p>'
        '<p><img src="page_files/scheme.png" alt="Схема [ЦОН]"></p>'
        f'<p><img src="data:image/png;base64,{inline}" alt="значок"></p>'
        '<p><img src="https://example.com/remote.png" alt="чужая"></p>'
        '<p><img src="../outside.png" alt="вне папки"></p></main></body></html>',
        encoding="utf-8",
    )
    report = import_into(store, "html", folder, actor=IMPORTER)
    assert len(report.created) == 1, report.summary()
    slug = report.created[0].slug
    body = store.get("ru", slug).body
    names = store.attachments("ru", slug)
    assert len(names) == 2
    assert body.count("](/-/files/ru/") == 2
    assert "![Схема ЦОН](" in body
    assert "example.com" not in body and "outside" not in body and "вне папки" not in body


def test_refused_image_is_left_out_and_reported(store: ArticleStore, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    disguised = base64.b64encode(DISGUISED_HTML).decode()
    page.write_text(
        "<html lang='kk'><body><main><h1>Анықтама алу</h1><p>ХҚКО-ға барыңыз.</p>"
        f"<img src='data:image/png;base64,{disguised}' alt='жалған'></main></body></html>",
        encoding="utf-8",
    )
    report = import_into(store, "html", page, actor=IMPORTER)
    assert len(report.created) == 1
    assert any("left out" in str(problem) and "HTML" in str(problem) for problem in report.skipped)
    slug = report.created[0].slug
    assert store.attachments("kk", slug) == []
    assert "attachment:" not in store.get("kk", slug).body


def test_importer_uses_the_stores_size_limit(tmp_path: Path) -> None:
    big = noisy_png(60, 60)
    limits = AttachmentLimits(max_bytes=len(big) - 1)
    source = tmp_path / "big.docx"
    source.write_bytes(docx_with_image("Үлкен сурет", big))
    with ArticleStore.init(tmp_path / "content", attachment_limits=limits) as store:
        report = import_into(store, "docx", source, actor=IMPORTER, lang="kk")
        assert len(report.created) == 1
        assert any("more than the limit" in str(problem) for problem in report.skipped)
        assert store.attachments("kk", report.created[0].slug) == []
