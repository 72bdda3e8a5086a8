"""What an upload may be is decided by its content and size, whatever its name says."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from submissions.uploads import MAX_UPLOAD_BYTES, display_name, entry_upload_to, validate_image, validate_slides
from tests.files import MB, decompression_bomb_png, image, pdf_bytes, pptx_bytes, slides, upload


def test_slides_of_exactly_10_mb_are_accepted():
    assert validate_slides(slides(size=MAX_UPLOAD_BYTES)).kind == "pdf"


def test_slides_one_byte_over_10_mb_are_refused_naming_the_limit_and_the_size():
    with pytest.raises(ValidationError) as error:
        validate_slides(slides(size=MAX_UPLOAD_BYTES + 1))
    assert error.value.messages == ["Slides must be 10 MB or smaller (yours is 10,485,761 bytes)."]


def test_slides_of_12_mb_are_refused_in_megabytes():
    with pytest.raises(ValidationError) as error:
        validate_slides(slides(size=12 * MB + 400 * 1024))
    assert error.value.messages == ["Slides must be 10 MB or smaller (yours is 12.4 MB)."]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("slides.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # a Windows executable
        ("slides.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),  # a Linux executable
        ("slides.pdf", b"<!doctype html><script>alert(1)</script>"),
        ("slides.pptx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_slides_renamed_files_are_refused(name, data):
    with pytest.raises(ValidationError) as error:
        validate_slides(upload(name, data))
    assert "this file's content is none of those" in error.value.messages[0]


def test_slides_zip_that_is_no_presentation_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ValidationError):
        validate_slides(upload("deck.pptx", out.getvalue()))


def test_slides_kinds_are_found_from_content():
    odp = io.BytesIO()
    with zipfile.ZipFile(odp, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.presentation")
        archive.writestr("content.xml", "<office:document-content/>")
    keynote = io.BytesIO()
    with zipfile.ZipFile(keynote, "w") as archive:
        archive.writestr("Index/Document.iwa", b"\x00")

    assert validate_slides(upload("deck.pptx", pptx_bytes())).extension == ".pptx"
    assert validate_slides(upload("deck.odp", odp.getvalue())).extension == ".odp"
    assert validate_slides(upload("deck.key", keynote.getvalue())).extension == ".key"
    # A PDF named .pptx is a PDF: it is stored as one.
    assert validate_slides(upload("deck.pptx", pdf_bytes())).extension == ".pdf"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_image_formats_accepted(image_format):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, format=image_format)
    assert validate_image(upload("picture.bin", out.getvalue())).kind == image_format.lower()


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00" + b"\x00" * 100, b"<html><body>hi</body></html>", pdf_bytes()],
)
def test_image_that_is_not_a_picture_is_refused(data):
    with pytest.raises(ValidationError) as error:
        validate_image(upload("cover.png", data))
    assert error.value.messages == [
        "The project image must be a JPEG, PNG, WebP or GIF picture; this file's content is not one."
    ]


def test_image_other_formats_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, format="BMP")
    with pytest.raises(ValidationError):
        validate_image(upload("cover.bmp", out.getvalue()))


def test_image_decompression_bomb_is_refused_not_a_crash():
    bomb = upload("bomb.png", decompression_bomb_png())
    assert bomb.size < 100_000
    with pytest.raises(ValidationError) as error:
        validate_image(bomb)
    assert error.value.messages == ["The project image may have at most 40 megapixels. Please make it smaller."]


def test_image_over_10_mb_is_refused():
    big = upload("cover.png", b"\x89PNG" + b"\x00" * (MAX_UPLOAD_BYTES + 10))
    with pytest.raises(ValidationError) as error:
        validate_image(big)
    assert error.value.messages == ["The project image must be 10 MB or smaller (yours is 10,485,774 bytes)."]


def test_image_just_over_40_megapixels_is_refused_with_its_size():
    out = io.BytesIO()
    Image.new("1", (8000, 5001)).save(out, format="PNG")
    with pytest.raises(ValidationError) as error:
        validate_image(upload("wide.png", out.getvalue()))
    assert "(yours is 8000 × 5001)" in error.value.messages[0]


def test_image_helper_makes_a_png():
    assert validate_image(image()).extension == ".png"


@pytest.mark.django_db
def test_upload_keys_are_per_entry_random_and_safe():
    from tests.factories import EntryFactory

    entry = EntryFactory(team__jam__slug="arena")

    key = entry_upload_to(entry, "../../My Slides (final).PDF")
    again = entry_upload_to(entry, "../../My Slides (final).PDF")

    folder, name = key.rsplit("/", 1)
    assert folder == f"jams/arena/entries/{entry.pk}"
    assert name.endswith("-my-slides-final.pdf")
    assert key != again
    assert display_name(key) == "my-slides-final.pdf"
