"""The importers by name, as typed after ``kb import`` and offered on the upload page."""

from __future__ import annotations

from importers.base import Importer
from importers.csv_table import CsvImporter
from importers.docx import DocxImporter
from importers.html import HtmlImporter
from importers.markdown_dir import MarkdownImporter
from importers.xlsx_table import XlsxImporter

IMPORTERS: dict[str, Importer] = {
    "markdown": MarkdownImporter(),
    "html": HtmlImporter(),
    "docx": DocxImporter(),
    "csv": CsvImporter(),
    "xlsx": XlsxImporter(),
}

#: File suffixes each importer reads (for the upload page's ``accept`` attribute).
SUFFIXES: dict[str, tuple[str, ...]] = {
    "markdown": (".md", ".markdown"),
    "html": (".html", ".htm"),
    "docx": (".docx",),
    "csv": (".csv",),
    "xlsx": (".xlsx",),
}
