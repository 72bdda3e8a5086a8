"""Where uploaded files go, and what they may be: checked from their content, not their name."""

from __future__ import annotations

import secrets
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename, slugify
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: far above any photo, far below a bomb
HEADER_BYTES = 8192


def entry_upload_to(instance, filename: str) -> str:
    """jams/<slug>/entries/<id>/<random>-<safe name>: unguessable, never overwriting."""
    return f"jams/{instance.jam.slug}/entries/{instance.pk}/{secrets.token_hex(8)}-{safe_name(filename)}"


def display_name(name: str) -> str:
    """The name the person gave the file: without the folders and the random prefix."""
    base = (name or "").rsplit("/", 1)[-1]
    prefix, _, rest = base.partition("-")
    return rest if len(prefix) == 16 and rest else base


def safe_name(filename: str) -> str:
    path = PurePath(filename)
    stem = slugify(path.stem)[:80] or "file"
    return get_valid_filename(f"{stem}{path.suffix.lower()[:10]}")


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def too_large_message(*, label: str, size: int) -> str:
    # 10 MB + 1 byte rounds to "10.0 MB": say the bytes when rounding would hide the excess.
    shown = human_size(size)
    if shown == human_size(MAX_UPLOAD_BYTES):
        shown = f"{size:,} bytes"
    return f"{label} must be 10 MB or smaller (yours is {shown})."


def validate_upload_size(file, *, label: str) -> None:
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(too_large_message(label=label, size=file.size), code="file_too_large")


CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".key": "application/vnd.apple.keynote",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


@dataclass(frozen=True)
class Detected:
    kind: str
    extension: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


SLIDE_KINDS = {"pdf": ".pdf", "pptx": ".pptx", "odp": ".odp", "key": ".key"}
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


def _read_header(file) -> bytes:
    file.seek(0)
    header = file.read(HEADER_BYTES)
    file.seek(0)
    return header


def detect_slides(file) -> Detected | None:
    header = _read_header(file)
    if header.startswith(b"%PDF-"):
        return Detected("pdf", ".pdf")
    if not header.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            # A real mimetype member is a few dozen bytes; never inflate a big one.
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 1024:
                mimetype = archive.read("mimetype").strip()
                if mimetype == b"application/vnd.oasis.opendocument.presentation":
                    return Detected("odp", ".odp")
            if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
                return Detected("pptx", ".pptx")
            if any(n.startswith("Index/") or n in ("Index.zip", "index.apxl") for n in names):
                return Detected("key", ".key")
    except zipfile.BadZipFile:
        return None
    finally:
        file.seek(0)
    return None


def validate_slides(file) -> Detected:
    validate_upload_size(file, label="Slides")
    detected = detect_slides(file)
    if detected is None:
        raise ValidationError(
            "Slides must be a PDF, PowerPoint (.pptx), Keynote (.key) or OpenDocument (.odp) file; "
            "this file's content is none of those.",
            code="file_type",
        )
    return detected


def validate_image(file) -> Detected:
    validate_upload_size(file, label="The project image")
    refused = ValidationError(
        "The project image must be a JPEG, PNG, WebP or GIF picture; this file's content is not one.",
        code="file_type",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as image:
                image_format = image.format
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(width, height)
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None, None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise refused from None
    finally:
        file.seek(0)
    if image_format not in IMAGE_FORMATS:
        raise refused
    return Detected(image_format.lower(), IMAGE_FORMATS[image_format])


def _too_many_pixels(width: int | None, height: int | None) -> ValidationError:
    size = f" (yours is {width} × {height})" if width else ""
    return ValidationError(
        f"The project image may have at most 40 megapixels{size}. Please make it smaller.",
        code="image_too_large",
    )
