"""HTML, DOCX and Markdown-folder readers, on fixtures written by the tests (no binary blobs)."""

from __future__ import annotations

from pathlib import Path

import docx

from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.docx import DocxImporter
from importers.html import HtmlImporter
from importers.markdown_dir import MarkdownImporter

PAGE_KK = """<!doctype html>
<html lang="kk"><head><meta charset="utf-8"><title>Жеке куәлікті ауыстыру | eGov.kz</title>
<script>document.cookie = "stolen";</script><style>body { color: red }</style></head>
<body class="no-menu">
<header class="site-header"><nav><a href="/">Басты бет</a> <a href="/kk">Қызметтер</a></nav>
</header>
<div class="layout">
  <div class="sidebar"><p>Мәзір: қызметтер, жаңалықтар, байланыс, сайт картасы, іздеу</p></div>
  <div class="content">
    <h1>Жеке куәлікті ауыстыру</h1>
    <p>Жеке куәлікті <b>ХҚКО</b> арқылы немесе <i>eGov.kz</i> порталында ауыстыруға болады.</p>
    <script>alert("xss")</script>
    <h2>Қажетті құжаттар</h2>
    <ul><li>өтініш</li><li>ескі куәлік</li></ul>
    <p onclick="steal()"><a href="javascript:alert(1)">мұнда басыңыз</a></p>
    <table><tr><th>Мерзімі</th><th>Баж</th></tr><tr><td>15 жұмыс күні</td><td>0,2 АЕК</td></tr>
    </table>
  </div>
</div>
<footer>© 2026 Электрондық үкімет</footer>
</body></html>
"""

PAGE_RU = """<html><head><meta charset="windows-1251"><title>Справка о несудимости</title></head>
<body><main><article><h1>Справка о несудимости</h1>
<p>Справку выдают через портал <strong>eGov.kz</strong> за 15 минут.</p>
<ol><li>Войдите с ЭЦП.</li><li>Заполните заявку.</li></ol></article></main>
<aside>Реклама</aside></body></html>
"""


def test_html_page_keeps_main_content_and_drops_scripts_and_chrome(tmp_path: Path) -> None:
    page = tmp_path / "id-card.html"
    page.write_text(PAGE_KK, encoding="utf-8")
    [article] = list(HtmlImporter().read(page))
    assert isinstance(article, ImportedArticle)
    assert (article.title, article.lang, article.source_id) == (
        "Жеке куәлікті ауыстыру",
        "kk",
        "id-card.html",
    )
    body = article.body_markdown
    assert "Жеке куәлікті **ХҚКО** арқылы немесе *eGov.kz* порталында" in body
    assert "## Қажетті құжаттар" in body
    assert "- өтініш\n- ескі куәлік" in body
    assert "| Мерзімі | Баж |" in body and "| 15 жұмыс күні | 0,2 АЕК |" in body
    for junk in ("alert", "script", "stolen", "javascript", "onclick", "steal", "Мәзір",
                 "Басты бет", "© 2026", "# Жеке куәлікті ауыстыру"):  # fmt: skip
        assert junk not in body, junk


def test_html_folder_reads_each_page_and_its_declared_encoding(tmp_path: Path) -> None:
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "spravka.htm").write_bytes(PAGE_RU.encode("cp1251"))
    (tmp_path / "id-card.html").write_text(PAGE_KK, encoding="utf-8")
    (tmp_path / "empty.html").write_text("<html><script>x()</script></html>", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("не страница", encoding="utf-8")
    items = list(HtmlImporter().read(tmp_path))
    articles = [i for i in items if isinstance(i, ImportedArticle)]
    problems = [i for i in items if isinstance(i, ImportProblem)]
    assert sorted(a.source_id for a in articles) == ["id-card.html", "ru/spravka.htm"]
    ru = next(a for a in articles if a.source_id == "ru/spravka.htm")
    assert ru.title == "Справка о несудимости" and ru.lang is None
    assert "Справку выдают через портал **eGov.kz** за 15 минут." in ru.body_markdown
    assert "1. Войдите с ЭЦП.\n2. Заполните заявку." in ru.body_markdown
    assert "Реклама" not in ru.body_markdown
    [problem] = problems
    assert problem.origin.path.endswith("empty.html") and "no text" in problem.message


def write_docx(path: Path) -> Path:
    """A Word document with Kazakh and Russian text, headings, lists, a table and bold."""
    document = docx.Document()
    document.add_heading("Жеке куәлікті ауыстыру / Замена удостоверения", level=1)
    paragraph = document.add_paragraph("Жеке куәлікті ")
    paragraph.add_run("ХҚКО").bold = True
    paragraph.add_run(" арқылы ауыстыруға болады. ")
    paragraph.add_run("Удостоверение меняют в ЦОНе.").italic = True
    document.add_heading("Құжаттар / Документы", level=2)
    document.add_paragraph("өтініш / заявление", style="List Bullet")
    document.add_paragraph("ескі куәлік / старое удостоверение", style="List Bullet")
    document.add_paragraph("Тапсырыңыз / Сдайте", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {
        (0, 0): "Мерзімі / Срок",
        (0, 1): "Баж / Пошлина",
        (1, 0): "15 күн / 15 дней",
        (1, 1): "0,2 АЕК / МРП",
    }.items():
        table.cell(row, col).text = text
    document.save(str(path))
    return path


def test_docx_keeps_headings_lists_tables_and_emphasis(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "id-card.docx")
    [article] = list(DocxImporter().read(path))
    assert isinstance(article, ImportedArticle)
    assert article.title == "Жеке куәлікті ауыстыру / Замена удостоверения"
    body = article.body_markdown
    assert "Жеке куәлікті **ХҚКО** арқылы ауыстыруға болады. *Удостоверение меняют в ЦОНе.*" in body
    assert "## Құжаттар / Документы" in body
    assert "- өтініш / заявление\n- ескі куәлік / старое удостоверение" in body
    assert "1. Тапсырыңыз / Сдайте" in body
    assert (
        "| Мерзімі / Срок | Баж / Пошлина |\n| --- | --- |\n| 15 күн / 15 дней | 0,2 АЕК / МРП |"
        in body
    )
    assert not body.startswith("#")  # the title is not repeated in the body


def test_truncated_and_fake_docx_are_problems_not_crashes(tmp_path: Path) -> None:
    good = write_docx(tmp_path / "good.docx")
    data = good.read_bytes()
    (tmp_path / "truncated.docx").write_bytes(data[: len(data) // 2])
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0 not a zip at all")
    (tmp_path / "~$good.docx").write_bytes(b"lock")
    items = list(DocxImporter().read(tmp_path))
    # Sorted by name: good.docx, old.docx, truncated.docx; Word's ~$ lock file is ignored.
    assert [type(i).__name__ for i in items] == [
        "ImportedArticle",
        "ImportProblem",
        "ImportProblem",
    ]
    for problem in items[1:]:
        assert isinstance(problem, ImportProblem)
        assert "is not a readable .docx document" in problem.message
        assert "save it again as .docx" in problem.message
    assert [Path(i.origin.path).name for i in items] == ["good.docx", "old.docx", "truncated.docx"]


def test_markdown_folder_in_the_content_format(tmp_path: Path) -> None:
    (tmp_path / "kk").mkdir()
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "id-card.md").write_text(
        "---\nid: id-card\ntitle: Замена удостоверения\nlang: ru\ncategory: documents\n"
        "keywords: [УЛ]\nsource: other:1\n---\nМеняют в **ЦОНе**.\n",
        encoding="utf-8",
    )
    (tmp_path / "kk" / "Жеке куәлік.md").write_text(
        "# Жеке куәлікті ауыстыру\n\nКез келген ХҚКО-да.\n", encoding="utf-8"
    )
    (tmp_path / "ru" / "broken.md").write_text(
        "---\ntitle: [не закрыто\n---\nТекст\n", encoding="utf-8"
    )
    (tmp_path / "README.md").write_text("# Папка импорта\n", encoding="utf-8")
    items = list(MarkdownImporter().read(tmp_path))
    articles = {i.source_id: i for i in items if isinstance(i, ImportedArticle)}
    problems = [i for i in items if isinstance(i, ImportProblem)]
    ru = articles["ru/id-card.md"]
    assert (ru.lang, ru.slug, ru.title, ru.body_markdown) == (
        "ru", "id-card", "Замена удостоверения", "Меняют в **ЦОНе**."
    )  # fmt: skip
    assert ru.meta == {"id": "id-card", "category": "documents", "keywords": ["УЛ"]}
    kk = articles["kk/Жеке куәлік.md"]
    assert (kk.lang, kk.slug, kk.title, kk.body_markdown) == (
        "kk", "zheke-kualik", "Жеке куәлікті ауыстыру", "Кез келген ХҚКО-да."
    )  # fmt: skip
    [problem] = problems
    assert problem.origin.path.endswith("broken.md") and problem.origin.line == 3
    assert "not valid YAML" in problem.message


def test_empty_folders_are_reported_for_every_file_format(tmp_path: Path) -> None:
    for importer in (HtmlImporter(), DocxImporter(), MarkdownImporter()):
        [problem] = list(importer.read(tmp_path))
        assert isinstance(problem, ImportProblem)
        assert problem.origin.path == str(tmp_path) and "folder holds no" in problem.message
