"""The table contract shared by the CSV and XLSX importers: columns, and one article per row.

A header row holds at least ``id,lang,title,body`` (body in Markdown) and optionally
``category,keywords,agencies``; ``keywords`` and ``agencies`` list values separated by ``;``
(or by ``,`` when the cell has no ``;``). The same ``id`` may appear once per language: rows
sharing an id are translations of one article.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence

from importers.base import LANGUAGES
from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.slugs import slugify

REQUIRED_COLUMNS = ("id", "lang", "title", "body")
OPTIONAL_COLUMNS = ("category", "keywords", "agencies")
_LIST_COLUMNS = ("keywords", "agencies")


def normalise_header(cells: Sequence[object]) -> list[str]:
    """Column names as compared: stripped and lower-cased (``" Title "`` is ``title``).

    :param cells: the header row's cells.
    :returns: the names, ``""`` for empty cells.
    """
    return ["" if c is None else str(c).strip().lower() for c in cells]


def missing_columns(header: Sequence[str]) -> list[str]:
    """Required columns the header lacks.

    :param header: normalised column names.
    :returns: the missing names, in contract order.
    """
    return [c for c in REQUIRED_COLUMNS if c not in header]


def missing_columns_problem(path: str, header: Sequence[str], unit: str) -> ImportProblem:
    """The problem reported for a header without the required columns.

    :param path: the file, for the message.
    :param header: normalised column names found.
    :param unit: ``"line"`` or ``"row"``.
    :returns: a problem naming the missing columns and the fix.
    """
    missing = missing_columns(header)
    found = ", ".join(h for h in header if h) or "none"
    return ImportProblem(
        Origin(path, 1, unit),
        f"missing column(s) {', '.join(missing)} (found: {found}). The first {unit} must "
        f"name the columns {','.join(REQUIRED_COLUMNS)}, optionally "
        f"{','.join(OPTIONAL_COLUMNS)}; nothing was imported from this file.",
    )


def split_list(cell: str) -> list[str]:
    """Split a keywords/agencies cell on ``;`` (or ``,`` when it has no ``;``).

    :param cell: e.g. ``"паспорт; удостоверение"``.
    :returns: the stripped, non-empty values, duplicates removed, order kept.
    """
    separator = ";" if ";" in cell else ","
    values = [v.strip() for v in cell.split(separator)]
    return list(dict.fromkeys(v for v in values if v))


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def rows_to_articles(
    importer_name: str,
    path: str,
    rows: Sequence[tuple[int, dict[str, str]]],
    unit: str = "line",
) -> Iterator[ImportedArticle | ImportProblem]:
    """Turn table rows into articles, reporting bad and duplicate rows.

    :param importer_name: ``"csv"`` or ``"xlsx"`` (for messages only).
    :param path: the file, for origins.
    :param rows: ``(line or row number, {column: text})`` for every data row.
    :param unit: ``"line"`` (CSV) or ``"row"`` (XLSX).
    :returns: one article or problem per row; rows whose id and language repeat are all
        reported (none imported), since the file does not say which one is right.
    """
    seen: dict[tuple[str, str], list[int]] = {}
    for number, row in rows:
        key = (_cell(row, "id"), _cell(row, "lang").lower())
        if key[0]:
            seen.setdefault(key, []).append(number)
    for number, row in rows:
        origin = Origin(path, number, unit)
        source_id = _cell(row, "id")
        lang = _cell(row, "lang").lower() or None
        title = " ".join(_cell(row, "title").split())
        body = (row.get("body") or "").strip()
        if not source_id:
            yield ImportProblem(origin, "the id cell is empty: give every row a unique id")
            continue
        lines = seen[(source_id, lang or "")]
        if len(lines) > 1:
            others = ", ".join(str(n) for n in lines if n != number)
            lang_note = f" and language {lang!r}" if lang else ""
            yield ImportProblem(
                origin,
                f"id {source_id!r}{lang_note} is repeated at {unit} {others}: keep one row "
                f"per id and language (none of them was imported)",
            )
            continue
        if lang is not None and lang not in LANGUAGES:
            yield ImportProblem(
                origin,
                f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}, "
                f"or leave the cell empty to detect it",
            )
            continue
        if not title:
            yield ImportProblem(origin, f"id {source_id!r} has no title: fill the title cell")
            continue
        if not body:
            yield ImportProblem(origin, f"id {source_id!r} has no body: fill the body cell")
            continue
        meta: dict[str, object] = {}
        article_id = slugify(source_id)
        if article_id:
            meta["id"] = article_id
        category = _cell(row, "category")
        if category:
            meta["category"] = category
        for column in _LIST_COLUMNS:
            values = split_list(_cell(row, column))
            if values:
                meta[column] = values
        yield ImportedArticle(
            source_id=source_id,
            lang=lang,
            slug=None,
            title=title,
            body_markdown=body,
            meta=meta,
            origin=origin,
        )
