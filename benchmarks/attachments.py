"""How long the attachment checks keep a worker: decoding is the cost of checking by content.

Run: ``.venv/bin/python -m benchmarks.attachments`` (prints one line per case, best of
three). The worst accepted image is one at ``ATTACHMENT_MAX_PIXELS`` (every pixel is
decoded); bombs are refused from their headers, before any decoding.
"""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile
import zlib

from PIL import Image

from articles.attachments import AttachmentLimits
from articles.attachments import AttachmentRefused
from articles.attachments import check


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def cases() -> list[tuple[str, bytes]]:
    """The files measured: typical, worst accepted, and hostile."""
    rng = random.Random(1414)
    noisy = Image.frombytes("RGB", (900, 900), rng.randbytes(900 * 900 * 3))
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))
    return [
        ("screenshot 1280x800 PNG", _png(Image.new("RGB", (1280, 800), (240, 240, 240)))),
        ("noise 900x900 PNG (2.4 MB)", _png(noisy)),
        ("flat 5000x5000 PNG (25 Mpx, the default limit)", _png(Image.new("RGB", (5000, 5000)))),
        ("pixel bomb PNG claiming 60000x60000", bomb),
        ("zip bomb DOCX unpacking to 50 MB", zipped.getvalue()),
    ]


def main() -> None:
    """Print the best of three check times of each case."""
    limits = AttachmentLimits(max_bytes=16 * 1024 * 1024)
    for name, data in cases():
        best, outcome = float("inf"), ""
        for _ in range(3):
            started = time.perf_counter()
            try:
                check(data, "file.png", "ru", "bench", limits)
                outcome = "accepted"
            except AttachmentRefused as refused:
                outcome = f"refused ({refused.code})"
            best = min(best, time.perf_counter() - started)
        print(f"{name}: {len(data):,} bytes, {outcome}, {best * 1000:.0f} ms")


if __name__ == "__main__":
    main()
