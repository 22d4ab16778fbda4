"""CSV exports: cells that a spreadsheet would run as a formula are neutralised, and rows
are streamed so that a large export neither waits nor fills the memory.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (``=HYPERLINK("http://evil.example","x")`` typed as a
sign-in name, ``=1+cmd|...`` typed as feedback). Such a cell gets a leading apostrophe,
the spreadsheets' own "this is text" mark; the text stays readable. Every CSV the
application writes goes through :func:`csv_lines`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence

#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Rows written per chunk of a streamed export.
CHUNK_ROWS = 500


def safe_cell(value: object) -> str:
    """``value`` as text that no spreadsheet runs as a formula.

    >>> safe_cell('=HYPERLINK("http://evil.example","x")')
    '\\'=HYPERLINK("http://evil.example","x")'
    >>> safe_cell("-5"), safe_cell("ru/passport"), safe_cell(None)
    ("'-5", 'ru/passport', '')
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield a CSV file (header row, then ``rows``) in chunks, every cell made safe.

    :param header: the column names.
    :param rows: the data rows, consumed lazily.
    :returns: chunks of CSV text to stream or join.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
