"""Hostile inputs of issue 18, made on the spot (shared by the tests and the probe suite)."""

from __future__ import annotations

from pathlib import Path


def nested_divs(depth: int = 100_000) -> str:
    """``depth`` nested ``<div>`` (100,000: 1.1 MB, 14 minutes of CPU before the limits)."""
    return "<html><body>" + "<div>" * depth + "Паспорт" + "</div>" * depth + "</body></html>"


def nested_lists(depth: int = 4000) -> str:
    """Lists nested ``depth`` deep (4,000 took 44.6 s; from 500 a RecursionError)."""
    return (
        "<html><body><ul>"
        + "<li>а<ul>" * depth
        + "<li>б</li>"
        + "</ul></li>" * depth
        + "</ul></body></html>"
    )  # noqa: E501


def nested_tables_docx(path: Path, depth: int = 60) -> Path:
    """A DOCX with ``depth`` tables, each in the cell of the one before (60: a 500)."""
    import docx

    document = docx.Document()
    document.add_heading("Кесте ішіндегі кесте", 1)
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    for _ in range(depth):
        cell = cell.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "ішкі мәтін"
    document.save(str(path))
    return path


def good_page(title: str = "Замена паспорта") -> str:
    """A small, ordinary saved page."""
    return (
        f"<html lang='ru'><head><title>{title} | eGov.kz</title></head><body><main>"
        f"<h1>{title}</h1><p>Паспорт меняют в ЦОНе за 15 рабочих дней.</p>"
        "<ul><li>удостоверение</li><li>фото</li></ul></main></body></html>"
    )


def yaml_bomb(levels: int = 9) -> str:
    """The "billion laughs" front matter: each level lists the previous one nine times."""
    lines = ['l0: &l0 ["ха", "ха", "ха", "ха", "ха", "ха", "ха", "ха", "ха"]']
    for level in range(1, levels):
        ref = f"*l{level - 1}"
        lines.append(f"l{level}: &l{level} [{', '.join([ref] * 9)}]")
    return "\n".join(lines) + "\n"


def huge_table(rows: int, cols: int) -> str:
    """A Markdown table of ``rows`` x ``cols`` cells."""
    head = "| " + " | ".join(f"h{c}" for c in range(cols)) + " |\n|" + "---|" * cols + "\n"
    return head + "".join(
        "| " + " | ".join(f"{r}.{c}" for c in range(cols)) + " |\n" for r in range(rows)
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims a huge image (a decompression bomb)."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def zip_bomb_docx(unpacked: int = 50 * 1024 * 1024) -> bytes:
    """A DOCX-shaped zip whose document unpacks to ``unpacked`` bytes of zeros."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * unpacked)
    return out.getvalue()
