"""Where uploaded files go, and what they may be: checked from their content, not their name."""

from __future__ import annotations

import io
import secrets
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename, slugify
from PIL import Image, UnidentifiedImageError

from hackathon.storage import SAFE_CONTENT_TYPES

from .pdf_scripts import PdfRefused, pdf_check_scripts

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
    if size < 1024:
        return f"{size} bytes"
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


@dataclass(frozen=True)
class Detected:
    kind: str
    extension: str

    @property
    def content_type(self) -> str:
        # The extension is what stored names get, so the storage finds the same type.
        return SAFE_CONTENT_TYPES[self.extension]


SLIDE_KINDS = {"pdf": ".pdf", "pptx": ".pptx", "odp": ".odp", "key": ".key"}
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


def _read_header(file) -> bytes:
    file.seek(0)
    header = file.read(HEADER_BYTES)
    file.seek(0)
    return header


def detect_slides(file) -> Detected | None:
    """The kind of slides the content is, or None. Raises ValidationError for an archive
    that would unpack to more than real slides ever do (`check_archive`)."""
    header = _read_header(file)
    if header.startswith(b"%PDF-"):
        return Detected("pdf", ".pdf")
    if not header.startswith(b"PK\x03\x04"):
        return None
    try:
        return _detect_archive(file)
    finally:
        file.seek(0)


# Presentations are zip archives (.pptx, .odp, .key). Their parts are read from the
# central directory at the end of the file; of their content, only the first bytes of
# `mimetype` are ever inflated, whatever size a part declares (a part may lie). The
# declared sizes are checked before anything is read, so a zip bomb is refused up front.
MAX_ARCHIVE_MEMBERS = 10_000  # a large deck has a few hundred; each costs memory to list
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # real parts pack 2 to 20 times; a bomb, about 1000
RATIO_CHECKED_FROM = 1024 * 1024  # small parts (repetitive XML) may pack tighter, harmlessly
ODP_MIMETYPE = b"application/vnd.oasis.opendocument.presentation"
ARCHIVE_ADVICE = "Please save your slides again from your presentation program and upload that file."


def _detect_archive(file) -> Detected | None:
    members = archive_member_count(file)
    if members is None:
        return None
    if members > MAX_ARCHIVE_MEMBERS:
        raise ValidationError(
            f"These slides are an archive of {members:,} parts, far more than real slides have "
            f"(at most {MAX_ARCHIVE_MEMBERS:,}). {ARCHIVE_ADVICE}",
            code="archive_too_large",
        )
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            check_archive(infos)
            names = {info.filename for info in infos}
            if "mimetype" in names and _read_start(archive, "mimetype", len(ODP_MIMETYPE) + 2).strip() == ODP_MIMETYPE:
                return Detected("odp", ".odp")
            if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
                return Detected("pptx", ".pptx")
            if any(n.startswith("Index/") or n in ("Index.zip", "index.apxl") for n in names):
                return Detected("key", ".key")
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError):
        return None  # damaged, encrypted or packed with a method zipfile lacks: not slides we take
    return None


def check_archive(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive by its declared sizes, before any part is inflated."""
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED_BYTES:
        raise ValidationError(
            f"These slides would unpack to {human_size(total)}, more than real slides ever do "
            f"(at most {human_size(MAX_UNPACKED_BYTES)}). {ARCHIVE_ADVICE}",
            code="archive_too_large",
        )
    for info in infos:
        # Packing never makes a part much bigger: a part stored bigger than it says it
        # unpacks to lies about its size (the classic way past a size check).
        if info.compress_size > 2 * info.file_size + 1024:
            raise ValidationError(
                f"A part of these slides ({info.filename[:60]}) says it unpacks to "
                f"{human_size(info.file_size)} but is stored in {human_size(info.compress_size)}: "
                f"the file is damaged. {ARCHIVE_ADVICE}",
                code="archive_damaged",
            )
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise ValidationError(
                f"A part of these slides ({info.filename[:60]}) would unpack from "
                f"{human_size(info.compress_size)} to {human_size(info.file_size)}, a packing no real "
                f"presentation has. {ARCHIVE_ADVICE}",
                code="archive_too_large",
            )


def _read_start(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    # read(n) inflates at most a few KB, whatever size the part declares.
    with archive.open(name) as member:
        return member.read(size)


_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")


def archive_member_count(file) -> int | None:
    """How many parts a zip archive lists, from its end record (the last 22 bytes, after
    a comment of up to 64 KB), before zipfile lists them all; None if it has none."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    tail_size = min(size, _END_RECORD.size + 0xFFFF)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size:
        return None
    total = _END_RECORD.unpack_from(tail, at)[4]
    if total != 0xFFFF:
        return total
    # Zip64: the count is in the zip64 end record, found through the locator before this one.
    if at < _ZIP64_LOCATOR.size:
        return None
    signature, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
    if signature != b"PK\x06\x07" or offset >= size:
        return None
    file.seek(offset)
    record = file.read(_ZIP64_END_RECORD.size)
    if len(record) < _ZIP64_END_RECORD.size or record[:4] != b"PK\x06\x06":
        return None
    return _ZIP64_END_RECORD.unpack(record)[7]


def validate_slides(file) -> Detected:
    validate_upload_size(file, label="Slides")
    detected = detect_slides(file)
    if detected is None:
        raise ValidationError(
            "Slides must be a PDF, PowerPoint (.pptx), Keynote (.key) or OpenDocument (.odp) file; "
            "this file's content is none of those.",
            code="file_type",
        )
    if detected.kind == "pdf":
        try:
            pdf_check_scripts(file)
        except PdfRefused as refused:
            raise ValidationError(refused.message, code="pdf_scripts") from None
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
