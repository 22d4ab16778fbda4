"""XLSX importer: one article per row of the first sheet (contract in :mod:`importers.tables`)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.base import files_to_read
from importers.tables import missing_columns
from importers.tables import missing_columns_problem
from importers.tables import normalise_header
from importers.tables import rows_to_articles


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float: id 12 must not become "12.0".
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class XlsxImporter:
    """Reads one ``.xlsx`` file or every ``.xlsx`` file of a folder (first sheet of each)."""

    name = "xlsx"

    def read(self, path: Path) -> Iterator[ImportedArticle | ImportProblem]:
        """Read ``path`` (an XLSX file or a folder of them), one article per row.

        :param path: the file or folder.
        :returns: articles and problems (unreadable file, missing columns, bad rows).
        """
        files, problem = files_to_read(path, (".xlsx",))
        if problem:
            yield problem
        for file in files:
            yield from self._read_file(file)

    def _read_file(self, file: Path) -> Iterator[ImportedArticle | ImportProblem]:
        name = str(file)
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            yield ImportProblem(
                Origin(name),
                f"cannot be opened as an Excel workbook ({type(error).__name__}: {error}): "
                f"open it in Excel and save it again as .xlsx",
            )
            return
        try:
            sheet = workbook.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = normalise_header(next(values, ()))
            if missing_columns(header):
                yield missing_columns_problem(f"{name} (sheet {sheet.title})", header, "row")
                return
            rows: list[tuple[int, dict[str, str]]] = []
            for number, cells in enumerate(values, start=2):
                texts = [_text(c) for c in cells]
                if any(t.strip() for t in texts):
                    rows.append((number, dict(zip(header, texts, strict=False))))
        finally:
            workbook.close()
        if not rows:
            yield ImportProblem(Origin(name), "has a header but no rows: nothing to import")
            return
        yield from rows_to_articles(self.name, name, rows, "row")
