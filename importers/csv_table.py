"""CSV importer: one article per row of a UTF-8 table (contract in :mod:`importers.tables`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.base import files_to_read
from importers.tables import missing_columns
from importers.tables import missing_columns_problem
from importers.tables import normalise_header
from importers.tables import rows_to_articles

# Excel saves "CSV" with ";" in Kazakh and Russian locales; accept both and tabs.
_DELIMITERS = ",;\t"


def decode_utf8(data: bytes, path: str) -> tuple[str | None, ImportProblem | None]:
    """Decode a file as UTF-8 (with or without BOM), or explain how to re-save it.

    :param data: the file's bytes.
    :param path: the file, for the message.
    :returns: the text, or a problem naming the line of the first bad byte.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return None, ImportProblem(
            Origin(path, line),
            f"{path} is not UTF-8 (byte 0x{data[error.start]:02x} cannot be decoded; "
            f"probably saved as Windows-1251): save it as UTF-8 (in Excel: "
            f"'CSV UTF-8 (comma delimited)') and import again; nothing was imported from it",
        )


def _delimiter(text: str) -> str:
    # The header line decides. csv.Sniffer is not used: on a header without quotes it
    # guesses doublequote=False, which then breaks every "" inside a quoted cell.
    first_line = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=first_line.count)


class CsvImporter:
    """Reads one ``.csv`` file or every ``.csv`` file of a folder."""

    name = "csv"

    def read(self, path: Path) -> Iterator[ImportedArticle | ImportProblem]:
        """Read ``path`` (a CSV file or a folder of them), one article per row.

        :param path: the file or folder.
        :returns: articles and problems (encoding, missing columns, bad or duplicate rows).
        """
        files, problem = files_to_read(path, (".csv",))
        if problem:
            yield problem
        for file in files:
            yield from self._read_file(file)

    def _read_file(self, file: Path) -> Iterator[ImportedArticle | ImportProblem]:
        name = str(file)
        text, problem = decode_utf8(file.read_bytes(), name)
        if problem or text is None:
            yield problem or ImportProblem(Origin(name), "could not be read")
            return
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        try:
            header = normalise_header(next(reader, []))
            if missing_columns(header):
                yield missing_columns_problem(name, header, "line")
                return
            rows: list[tuple[int, dict[str, str]]] = []
            start = reader.line_num + 1
            for cells in reader:
                # A record may span lines (quoted newlines): report where it starts.
                if any(c.strip() for c in cells):
                    rows.append((start, dict(zip(header, cells, strict=False))))
                start = reader.line_num + 1
        except csv.Error as error:
            yield ImportProblem(
                Origin(name, reader.line_num),
                f"not a valid CSV table ({error}): check the quotes on this line",
            )
            return
        if not rows:
            yield ImportProblem(Origin(name), "has a header but no rows: nothing to import")
            return
        yield from rows_to_articles(self.name, name, rows, "line")
