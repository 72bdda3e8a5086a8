"""Files for upload tests, made on the fly."""

from __future__ import annotations

import functools
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

MB = 1024 * 1024


def pdf_bytes(size: int | None = None) -> bytes:
    """A PDF made by Pillow, padded (after %%EOF, which readers ignore) to `size` bytes."""
    out = io.BytesIO()
    Image.new("RGB", (200, 150), "white").save(out, format="PDF")
    data = out.getvalue()
    if size is not None:
        data += b"\n" + b"%" * (size - len(data) - 1)
    return data


def pdf_pages_bytes(pages: int, size: tuple[int, int] = (400, 300)) -> bytes:
    """A PDF of `pages` pages made by Pillow, each a different colour with its number."""
    from PIL import ImageDraw

    colours = ["white", "lightyellow", "lightblue", "mistyrose", "honeydew"]
    images = []
    for number in range(1, pages + 1):
        page = Image.new("RGB", size, colours[(number - 1) % len(colours)])
        ImageDraw.Draw(page).text((20, 20), f"Page {number}", fill="black")
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def png_bytes(width: int = 800, height: int = 600, color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def pptx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return out.getvalue()


@functools.cache
def decompression_bomb_png() -> bytes:
    """A tiny PNG that claims 20000 x 20000 pixels (400 megapixels)."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def slides(size: int | None = None, name: str = "slides.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(size), "application/pdf")


def image(name: str = "cover.png", **kwargs) -> SimpleUploadedFile:
    return upload(name, png_bytes(**kwargs), "image/png")
