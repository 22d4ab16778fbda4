"""Sample files for the attachment tests, made on the spot (real PNG, DOCX, PDF bytes)."""

from __future__ import annotations

import io
import random
import zipfile

from PIL import Image

#: HTML with a script, the kind of file a disguised upload holds.
DISGUISED_HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
#: A drawing with a script inside (SVG is refused).
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
#: The smallest complete PDF this check accepts (header, one empty page, trailer).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png(width: int = 24, height: int = 16, color: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    """A real PNG image of one colour."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def noisy_png(width: int, height: int, seed: int = 1414) -> bytes:
    """A PNG of random pixels (does not compress: its size grows with its area)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int = 20, height: int = 20) -> bytes:
    """A real JPEG image."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def docx_with_image(text: str, image: bytes) -> bytes:
    """A Word document with a heading, a paragraph and ``image`` inline (python-docx)."""
    import docx

    document = docx.Document()
    document.add_heading(text, level=1)
    document.add_paragraph(text + " — мәтін / текст.")
    document.add_picture(io.BytesIO(image))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_with_macros() -> bytes:
    """A zip shaped like a DOCX that also carries a VBA project (refused)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 64)
    return out.getvalue()
