"""CSV export of the analytics tables, safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a
formula in Excel or LibreOffice (queries are typed by anyone): :func:`safe_cell` prefixes
it with an apostrophe. (The security work adds one shared helper for every export; this
small function is meant to be replaced by it.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from collections.abc import Sequence

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value``, with text that a spreadsheet would run as a formula made inert.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("паспорт"), safe_cell(-3)
    ("'=HYPERLINK(1)", 'паспорт', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Render ``rows`` under ``header`` as CSV text (every text cell made safe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
