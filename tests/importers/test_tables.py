"""CSV and XLSX readers: the column contract, encodings, bad and duplicate rows."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.csv_table import CsvImporter
from importers.xlsx_table import XlsxImporter

HEADER = ["id", "lang", "title", "body", "category", "keywords", "agencies"]
ROWS = [
    [
        "id-card",
        "ru",
        "Замена удостоверения личности",
        "Меняют в любом **ЦОНе**.\n\n- заявление\n- фото",
        "Документы",
        "удостоверение; УЛ",
        "mvd, gov4c",
    ],
    [
        "id-card",
        "kk",
        "Жеке куәлікті ауыстыру",
        "Кез келген **ХҚКО**-да ауыстырады.",
        "documents",
        "куәлік, ЖК",
        "",
    ],
]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ","
              ) -> Path:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream, delimiter=delimiter).writerows(rows)
    return path


def read(importer: CsvImporter | XlsxImporter, path: Path
         ) -> tuple[list[ImportedArticle], list[ImportProblem]]:  # fmt: skip
    items = list(importer.read(path))
    articles = [i for i in items if isinstance(i, ImportedArticle)]
    problems = [i for i in items if isinstance(i, ImportProblem)]
    assert len(articles) + len(problems) == len(items)
    return articles, problems


def test_csv_rows_become_articles_in_both_languages(tmp_path: Path) -> None:
    articles, problems = read(CsvImporter(), write_csv(tmp_path / "faq.csv", [HEADER, *ROWS]))
    assert problems == []
    ru, kk = articles
    assert (ru.source_id, ru.lang, ru.title) == ("id-card", "ru", "Замена удостоверения личности")
    assert ru.body_markdown.startswith("Меняют в любом **ЦОНе**.\n\n- заявление")
    assert ru.meta == {
        "id": "id-card",
        "category": "Документы",
        "keywords": ["удостоверение", "УЛ"],
        "agencies": ["mvd", "gov4c"],
    }
    assert ru.origin.line == 2
    assert (kk.lang, kk.meta["keywords"]) == ("kk", ["куәлік", "ЖК"])
    # The first row's body spans four physical lines: the next record starts on line 6.
    assert str(kk.origin) == f"{tmp_path / 'faq.csv'}, line 6"


def test_csv_with_semicolons_and_bom_from_excel(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "excel.csv", [HEADER, *ROWS], encoding="utf-8-sig", delimiter=";")
    articles, problems = read(CsvImporter(), path)
    assert problems == []
    assert [a.title for a in articles] == [ROWS[0][2], ROWS[1][2]]


def test_cp1251_csv_is_reported_with_the_fix_and_nothing_imported(tmp_path: Path) -> None:
    # cp1251 cannot encode Kazakh letters: a Russian-only table, as Excel would save it.
    path = write_csv(
        tmp_path / "windows.csv",
        [HEADER[:4], ["a1", "ru", "Справка", "Текст справки"]],
        encoding="cp1251",
    )
    articles, problems = read(CsvImporter(), path)
    assert articles == []
    [problem] = problems
    assert problem.origin.path == str(path) and problem.origin.line == 2
    assert "not UTF-8" in problem.message and "save it as UTF-8" in problem.message
    assert str(path) in problem.message


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "short.csv", [["ID", "Title"], ["x", "Заголовок"]])
    articles, problems = read(CsvImporter(), path)
    assert articles == []
    [problem] = problems
    assert problem.origin.line == 1
    assert "missing column(s) lang, body" in problem.message
    assert "found: id, title" in problem.message


def test_duplicate_ids_report_both_lines_and_keep_the_rest(tmp_path: Path) -> None:
    rows = [
        HEADER[:4],
        ["a", "ru", "Первая", "Текст"],
        ["b", "ru", "Вторая", "Текст"],
        ["a", "ru", "Третья", "Текст"],
        ["a", "kk", "Аударма", "Мәтін"],
    ]
    articles, problems = read(CsvImporter(), write_csv(tmp_path / "dup.csv", rows))
    assert [(a.source_id, a.lang) for a in articles] == [("b", "ru"), ("a", "kk")]
    assert [p.origin.line for p in problems] == [2, 4]
    assert "repeated at line 4" in problems[0].message
    assert "repeated at line 2" in problems[1].message


def test_bad_rows_are_reported_one_by_one(tmp_path: Path) -> None:
    rows = [
        HEADER[:4],
        ["", "ru", "Без id", "Текст"],
        ["x1", "de", "Deutsch", "Text"],
        ["x2", "ru", "", "Текст"],
        ["x3", "ru", "Без текста", "  "],
        ["x4", "", "Язык не указан", "Текст"],
        ["", "", "", ""],
    ]
    articles, problems = read(CsvImporter(), write_csv(tmp_path / "bad.csv", rows))
    assert [(a.source_id, a.lang) for a in articles] == [("x4", None)]
    assert [(p.origin.line, p.message.split(":")[0]) for p in problems] == [
        (2, "the id cell is empty"),
        (3, "unknown language 'de'"),
        (4, "id 'x2' has no title"),
        (5, "id 'x3' has no body"),
    ]


def test_header_only_and_empty_folder_are_reported(tmp_path: Path) -> None:
    header_only = write_csv(tmp_path / "empty.csv", [HEADER])
    _, problems = read(CsvImporter(), header_only)
    assert [p.message for p in problems] == ["has a header but no rows: nothing to import"]
    folder = tmp_path / "nothing"
    folder.mkdir()
    _, problems = read(CsvImporter(), folder)
    assert problems[0].origin.path == str(folder)
    assert "no .csv files" in problems[0].message


def test_folder_of_csv_files_reads_each_and_keeps_good_ones(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", [HEADER, *ROWS])
    write_csv(tmp_path / "b.csv", [["id", "title"], ["1", "x"]])
    articles, problems = read(CsvImporter(), tmp_path)
    assert len(articles) == 2
    assert [Path(p.origin.path).name for p in problems] == ["b.csv"]


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_rows_become_articles_with_row_numbers(tmp_path: Path) -> None:
    rows: list[list[object]] = [HEADER, *ROWS, [12, "ru", "Числовой id", "Текст", None, None, None]]
    articles, problems = read(XlsxImporter(), write_xlsx(tmp_path / "faq.xlsx", rows))
    assert problems == []
    assert [a.source_id for a in articles] == ["id-card", "id-card", "12"]
    assert articles[1].title == "Жеке куәлікті ауыстыру"
    assert articles[0].meta["agencies"] == ["mvd", "gov4c"]
    assert str(articles[2].origin).endswith("faq.xlsx, row 4")


def test_xlsx_missing_columns_duplicates_and_corrupt_file(tmp_path: Path) -> None:
    _, problems = read(XlsxImporter(), write_xlsx(tmp_path / "cols.xlsx", [["id", "body"]]))
    assert "missing column(s) lang, title" in problems[0].message
    dup = write_xlsx(
        tmp_path / "dup.xlsx", [HEADER[:4], ["a", "ru", "А", "Б"], ["a", "ru", "В", "Г"]]
    )
    articles, problems = read(XlsxImporter(), dup)
    assert articles == []
    assert [p.origin.line for p in problems] == [2, 3]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes((tmp_path / "dup.xlsx").read_bytes()[:300])
    _, problems = read(XlsxImporter(), broken)
    assert "cannot be opened as an Excel workbook" in problems[0].message
