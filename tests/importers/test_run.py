"""Import runs into a real content repository: one commit, idempotent, conflicts, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import pytest

from articles.errors import ArticleNotFound
from articles.frontmatter import dump
from articles.model import Actor
from articles.store import ArticleStore
from importers.run import ImportAborted
from importers.run import import_into

IMPORTER = Actor("Айгерим Импорт", "aigerim@example.kz")
EDITOR = Actor("Болат Редактор", "bolat@example.kz")
HEADER = ["id", "lang", "title", "body", "category", "keywords", "agencies"]
ROWS = [
    ["id-card", "ru", "Замена удостоверения личности", "Меняют в любом **ЦОНе**.", "Документы",
     "удостоверение; УЛ", "gov4c"],
    ["id-card", "kk", "Жеке куәлікті ауыстыру", "Кез келген **ХҚКО**-да ауыстырады.", "documents",
     "куәлік", ""],
    ["newborn", "ru", "Регистрация рождения ребёнка", "Через портал eGov.kz за 1 день.", "Семья",
     "", ""],
]  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> ArticleStore:
    return ArticleStore.init(tmp_path / "content")


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def by_source(store: ArticleStore) -> dict[tuple[str, str], object]:
    return {(a.lang, a.meta.source): a for a in store.list()}


def test_csv_import_creates_drafts_in_one_commit(store: ArticleStore, tmp_path: Path) -> None:
    report = import_into(
        store, "csv", write_csv(tmp_path / "faq.csv", [HEADER, *ROWS]), actor=IMPORTER
    )
    assert (len(report.created), report.updated, report.unchanged, report.skipped) == (
        3,
        (),
        (),
        (),
    )
    assert report.commit and not report.dry_run
    ru = store.get("ru", "zamena-udostovereniia-lichnosti")
    kk = store.get("kk", "zheke-kualikti-auystyru")
    assert ru.meta.source == "csv:id-card" and kk.meta.source == "csv:id-card"
    assert ru.meta.id == kk.meta.id == "id-card"  # translations share the id
    assert ru.meta.source_hash.startswith("sha256:")
    assert (ru.meta.category, ru.meta.keywords, ru.meta.agencies) == (
        "documents", ("удостоверение", "УЛ", "Документы"), ("gov4c",)
    )  # fmt: skip
    assert ru.body.strip() == "Меняют в любом **ЦОНе**."
    assert store.get("ru", "registratsiia-rozhdeniia-rebenka").meta.category == "family"
    # One commit, by the importing user, for all three articles.
    commits = {store.history(a.lang, a.slug)[0].commit for a in store.list()}
    assert commits == {report.commit}
    assert store.history("kk", kk.slug)[0].author == IMPORTER.name
    # Drafts: nothing on the published line.
    with pytest.raises(ArticleNotFound):
        store.get("ru", ru.slug, line="published")
    assert "3 created, 0 updated, 0 unchanged, 0 conflicts, 0 skipped" in report.summary()


def test_reimport_of_the_same_source_changes_nothing(store: ArticleStore, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "faq.csv", [HEADER, *ROWS])
    first = import_into(store, "csv", source, actor=IMPORTER)
    before = {(a.lang, a.slug): a.blob for a in store.list()}
    again = import_into(store, "csv", source, actor=IMPORTER)
    assert (again.created, again.updated, again.conflicts, again.commit) == ((), (), (), None)
    assert len(again.unchanged) == 3
    assert {(a.lang, a.slug): a.blob for a in store.list()} == before
    assert {store.history(lang, slug)[0].commit for lang, slug in before} == {first.commit}


def test_modified_row_updates_exactly_that_article(store: ArticleStore, tmp_path: Path) -> None:
    import_into(store, "csv", write_csv(tmp_path / "faq.csv", [HEADER, *ROWS]), actor=IMPORTER)
    before = {(a.lang, a.slug): a.blob for a in store.list()}
    changed = [row[:] for row in ROWS]
    changed[1][3] = "Кез келген ХҚКО-да немесе eGov.kz порталында ауыстырады."
    report = import_into(store, "csv", write_csv(tmp_path / "faq.csv", [HEADER, *changed]),
                         actor=IMPORTER)  # fmt: skip
    assert [(e.lang, e.slug) for e in report.updated] == [("kk", "zheke-kualikti-auystyru")]
    assert (len(report.unchanged), report.created, report.conflicts) == (2, (), ())
    after = {(a.lang, a.slug): a.blob for a in store.list()}
    assert [key for key in after if after[key] != before[key]] == [
        ("kk", "zheke-kualikti-auystyru")
    ]
    assert "eGov.kz порталында" in store.get("kk", "zheke-kualikti-auystyru").body
    # The update is itself a baseline: importing the same again changes nothing.
    assert import_into(store, "csv", tmp_path / "faq.csv", actor=IMPORTER).commit is None


def test_editor_modified_article_is_reported_not_overwritten(
    store: ArticleStore, tmp_path: Path
) -> None:
    import_into(store, "csv", write_csv(tmp_path / "faq.csv", [HEADER, *ROWS]), actor=IMPORTER)
    article = store.get("ru", "zamena-udostovereniia-lichnosti")
    edited = dump(article.meta, article.body).replace(
        "в любом **ЦОНе**", "в любом ЦОНе и на eGov.kz"
    )
    store.save("ru", article.slug, edited, actor=EDITOR, expected_revision=article.revision)
    # Same source again: the editor's work stays, nothing to report.
    same = import_into(store, "csv", tmp_path / "faq.csv", actor=IMPORTER)
    assert (len(same.unchanged), same.conflicts, same.commit) == (3, (), None)
    # Source changed too: conflict, the editor's text stays; the other rows still update.
    changed = [row[:] for row in ROWS]
    changed[0][3] = "Новый текст из источника."
    changed[2][3] = "Через портал eGov.kz или ЦОН."
    report = import_into(store, "csv", write_csv(tmp_path / "faq.csv", [HEADER, *changed]),
                         actor=IMPORTER)  # fmt: skip
    assert [(e.lang, e.slug) for e in report.conflicts] == [("ru", article.slug)]
    assert "edited in the knowledge base since the last import" in report.conflicts[0].reason
    assert [e.slug for e in report.updated] == ["registratsiia-rozhdeniia-rebenka"]
    assert "и на eGov.kz" in store.get("ru", article.slug).body
    assert "Conflicts (edited since the last import, not overwritten):" in report.summary()


def test_dry_run_reports_and_writes_nothing(store: ArticleStore, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    report = import_into(
        store,
        "csv",
        write_csv(tmp_path / "faq.csv", [HEADER, *ROWS]),
        actor=IMPORTER,
        dry_run=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert len(report.created) == 3 and report.dry_run and report.commit is None
    assert store.list() == []
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert "(dry run: nothing written)" in report.summary()


def test_bad_rows_and_files_are_skipped_and_the_rest_imported(
    store: ArticleStore, tmp_path: Path
) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    write_csv(folder / "a_good.csv", [HEADER, *ROWS, ["dup", "ru", "Раз", "Текст"],
              ["dup", "ru", "Два", "Текст"], ["x", "ru", "", "Без заголовка"]])  # fmt: skip
    write_csv(folder / "b_windows.csv", [HEADER[:4], ["w", "ru", "Справка", "Текст"]],
              encoding="cp1251")  # fmt: skip
    write_csv(folder / "c_columns.csv", [["id", "title"], ["c", "Заголовок"]])
    report = import_into(store, "csv", folder, actor=IMPORTER)
    assert len(report.created) == 3
    assert len(store.list()) == 3
    where = sorted((Path(p.origin.path).name, p.origin.line) for p in report.skipped)
    assert where == [("a_good.csv", 5), ("a_good.csv", 6), ("a_good.csv", 7),
                     ("b_windows.csv", 2), ("c_columns.csv", 1)]  # fmt: skip
    text = report.summary()
    assert "save it as UTF-8" in text and "missing column(s) lang, body" in text
    assert "is repeated at line 6" in text and "has no title" in text


def test_empty_folder_is_reported_and_nothing_written(store: ArticleStore, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = import_into(store, "docx", tmp_path / "empty", actor=IMPORTER)
    assert report.commit is None and report.created == ()
    [problem] = report.skipped
    assert problem.origin.path == str(tmp_path / "empty")
    assert "folder holds no .docx files" in problem.message


def test_failed_commit_writes_nothing(store: ArticleStore, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "faq.csv", [HEADER, *ROWS])
    import_into(store, "csv", source, actor=IMPORTER)
    changed = [row[:] for row in ROWS] + [["new", "ru", "Новая статья", "Текст новой статьи."]]
    changed[2][3] = "Изменённый текст."
    write_csv(source, [HEADER, *changed])
    article = store.get("ru", "registratsiia-rozhdeniia-rebenka")
    edited = dump(article.meta, article.body) + "\nПравка редактора.\n"

    def editor_saves_meanwhile(done: int, total: int) -> None:
        # Once the run has decided everything, an editor saves the article it will update.
        if done == total:
            store.save("ru", article.slug, edited, actor=EDITOR, expected_revision=article.revision)

    with pytest.raises(ImportAborted) as aborted:
        import_into(store, "csv", source, actor=IMPORTER, progress=editor_saves_meanwhile)
    assert "nothing changed" in str(aborted.value)
    assert len(aborted.value.report.created) == 1
    assert len(store.list()) == 3  # the new row was not written either
    assert "Правка редактора." in store.get("ru", article.slug).body


def write_docx(path: Path, title: str, paragraphs: list[str], bold: str) -> Path:
    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.paragraphs[-1].add_run(bold).bold = True
    document.add_paragraph(paragraphs[0], style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = bold, title
    document.save(str(path))
    return path


def test_docx_and_html_land_in_their_detected_languages(
    store: ArticleStore, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    write_docx(docs / "kk.docx", "Зейнетақы төлемдері", ["Зейнетақы ХҚКО арқылы тағайындалады."],
               " Өтініш беріңіз.")  # fmt: skip
    write_docx(docs / "ru.docx", "Назначение пенсии", ["Пенсию назначают через ЦОН."],
               " Подайте заявление.")  # fmt: skip
    report = import_into(store, "docx", docs, actor=IMPORTER, category="pension")
    assert sorted((e.lang, e.slug) for e in report.created) == [
        ("kk", "zeinetaqy-tolemderi"), ("ru", "naznachenie-pensii")
    ]  # fmt: skip
    kk = store.get("kk", "zeinetaqy-tolemderi")
    assert (kk.meta.category, kk.meta.source) == ("pension", "docx:kk.docx")
    assert "**Өтініш беріңіз.**" in kk.body and "| --- | --- |" in kk.body

    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><nav>Меню</nav><main><h1>Справка об адресе</h1><p>Справку выдают "
        "онлайн.</p><script>alert(1)</script><img src=x onerror=alert(2)></main></body></html>",
        encoding="utf-8",
    )
    report = import_into(store, "html", page, actor=IMPORTER)
    [entry] = report.created
    article = store.get(entry.lang, entry.slug)
    assert (entry.lang, entry.slug) == ("ru", "spravka-ob-adrese")
    assert article.body.strip() == "Справку выдают онлайн."


def test_markdown_folder_keeps_slugs_and_refuses_to_clobber(
    store: ArticleStore, tmp_path: Path
) -> None:
    store.save("ru", "pasport", "---\nid: pasport\ntitle: Паспорт\nlang: ru\n---\nРучная статья.\n",
               actor=EDITOR)  # fmt: skip
    folder = tmp_path / "old"
    (folder / "ru").mkdir(parents=True)
    (folder / "kk").mkdir()
    (folder / "ru" / "pasport.md").write_text("# Паспорт\n\nИмпорт.\n", encoding="utf-8")
    (folder / "kk" / "pasport.md").write_text(
        "---\ntitle: Төлқұжат\ncategory: documents\nanswer: ХҚКО-ға барыңыз.\n---\nМәтін.\n",
        encoding="utf-8",
    )
    (folder / "ru" / "bad.md").write_text("---\ntitle: Плохо\nunknown_field: 1\n---\nТекст\n",
                                          encoding="utf-8")  # fmt: skip
    report = import_into(store, "markdown", folder, actor=IMPORTER)
    assert [(e.lang, e.slug) for e in report.created] == [("kk", "pasport")]
    assert store.get("kk", "pasport").meta.answer == "ХҚКО-ға барыңыз."
    assert store.get("ru", "pasport").body.strip() == "Ручная статья."
    reasons = {Path(p.origin.path).name: p.message for p in report.skipped}
    assert "already exists and was not imported from this source" in reasons["pasport.md"]
    assert "unknown_field" in reasons["bad.md"]


def test_argument_errors_name_the_choices(store: ArticleStore, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "faq.csv", [HEADER, *ROWS[:1]])
    with pytest.raises(ValueError, match="use one of markdown, html, docx, csv, xlsx"):
        import_into(store, "pdf", source, actor=IMPORTER)
    with pytest.raises(ValueError, match="Unknown category 'Семья'"):
        import_into(store, "csv", source, actor=IMPORTER, category="Семья")
    with pytest.raises(ValueError, match="Unknown language 'de'"):
        import_into(store, "csv", source, actor=IMPORTER, lang="de")


def test_publish_puts_new_and_untouched_drafts_on_the_published_line(
    store: ArticleStore, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "faq.csv", [HEADER, *ROWS[:2]])
    import_into(store, "csv", source, actor=IMPORTER)  # drafts
    kk = store.get("kk", "zheke-kualikti-auystyru")
    edited = dump(kk.meta, kk.body).replace("ауыстырады", "тез ауыстырады")
    store.save("kk", kk.slug, edited, actor=EDITOR, expected_revision=kk.revision)
    write_csv(source, [HEADER, *ROWS])
    report = import_into(store, "csv", source, actor=IMPORTER, publish=True)
    # The new row and the untouched earlier draft are published; the editor's unreviewed
    # change to the Kazakh article is not.
    assert sorted(e.slug for e in report.published) == [
        "registratsiia-rozhdeniia-rebenka",
        "zamena-udostovereniia-lichnosti",
    ]
    for slug in ("registratsiia-rozhdeniia-rebenka", "zamena-udostovereniia-lichnosti"):
        assert store.get("ru", slug, line="published").blob == store.get("ru", slug).blob
    with pytest.raises(ArticleNotFound):
        store.get("kk", kk.slug, line="published")
    assert "Published: 2." in report.summary()


def test_uploaded_file_is_reported_under_its_own_name(store: ArticleStore, tmp_path: Path) -> None:
    upload = tmp_path / "upload-8f3a"
    upload.mkdir()
    saved = write_csv(upload / "faq.csv", [HEADER[:4], ["w", "ru", "Справка", "Текст"]],
                      encoding="cp1251")  # fmt: skip
    report = import_into(store, "csv", saved, actor=IMPORTER, display_name="faq.csv")
    [problem] = report.skipped
    assert str(problem.origin) == "faq.csv, line 2"
    assert "faq.csv is not UTF-8" in problem.message and "upload-8f3a" not in report.summary()
    assert report.summary().startswith("Import csv faq.csv:")


def test_xlsx_table_imports_like_csv(store: ArticleStore, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, *ROWS, ["x", "", "Жәрдемақы тағайындау", "Өтініш ХҚКО арқылы беріледі.",
                                "Социальное обеспечение", "", ""]]:  # fmt: skip
        sheet.append(row)
    workbook.save(tmp_path / "faq.xlsx")
    report = import_into(store, "xlsx", tmp_path / "faq.xlsx", actor=IMPORTER)
    assert len(report.created) == 4 and report.skipped == ()
    detected = store.get("kk", "zhardemaqy-tagaiyndau")  # no lang cell: detected as Kazakh
    assert (detected.meta.source, detected.meta.category) == ("xlsx:x", "social")
    again = import_into(store, "xlsx", tmp_path / "faq.xlsx", actor=IMPORTER)
    assert len(again.unchanged) == 4 and again.commit is None
