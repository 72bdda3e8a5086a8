"""Page images of PDF slides, so judges and visitors read them inline, without a download.

A Celery task renders them with PDFium (pypdfium2), never a web request. They follow the
thumbnails' rules (thumbnails.py): a submitted entry's pages are in the public storage
under new names, immutable and cacheable; a draft's stay private. At most MAX_PAGES pages
are rendered, each at most PAGE_MAX_SIZE pixels. A PDF PDFium cannot read (broken,
encrypted) is logged and recorded with no pages: the entry page keeps the download link
and the task does not try again. PowerPoint, Keynote and OpenDocument get no pages.
"""

from __future__ import annotations

import io
import logging

import pypdfium2 as pdfium
from django.db import transaction

from jams.cache import pages_changed

from .models import Entry
from .thumbnails import _delete, _read, _save, is_public

logger = logging.getLogger(__name__)

MAX_PAGES = 40
PAGE_MAX_SIZE = (1600, 1200)  # width, height in pixels
PDF_MAGIC = b"%PDF-"


def render_pdf_pages(data: bytes, *, max_pages: int = MAX_PAGES) -> list[bytes]:
    """The first `max_pages` pages of a PDF as JPEGs that fit PAGE_MAX_SIZE. Raises
    pdfium.PdfiumError for a PDF PDFium cannot open (broken, encrypted)."""
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                width, height = page.get_size()  # in points
                scale = min(PAGE_MAX_SIZE[0] / width, PAGE_MAX_SIZE[1] / height)
                image = page.render(scale=scale).to_pil().convert("RGB")
            finally:
                page.close()
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
            pages.append(out.getvalue())
        return pages
    finally:
        document.close()


def slide_pages_due(entry: Entry) -> bool:
    """Whether the entry's page images lag its slides or its state (cheap, no I/O): what
    entry_slide_pages_make would find to do."""
    slides = entry.slides.name if entry.slides else ""
    old = list(entry.slide_pages or [])
    if slides and entry.slide_pages_of == slides:
        return any(is_public(name) != entry.is_submitted for name in old)
    return bool(slides or old) or entry.slide_pages_of != (slides or None)


def entry_slide_pages_make(*, entry_id: int) -> bool:
    """Make the page images of an entry's PDF slides, move them to where the entry's
    state says they belong (public once submitted, private while a draft), or drop them
    when the slides are gone or no longer a PDF.

    Idempotent: returns False, doing nothing, when the entry is gone or its pages already
    match its slides and state. Storage errors propagate for the task's retries; a PDF
    PDFium can't read is recorded with no pages and not retried. A recorded change marks
    the jam's cached pages stale (the entry page shows the pages)."""
    entry = Entry.objects.select_related("jam").filter(pk=entry_id).first()
    if entry is None:
        return False
    slides = entry.slides.name if entry.slides else ""
    old = list(entry.slide_pages or [])
    public = entry.is_submitted
    if slides and entry.slide_pages_of == slides:
        if not old or all(is_public(name) == public for name in old):
            return False  # done already, or a PDF that could not be read
        images = [_read(name) for name in old]  # published or withdrawn as copies under new names
    elif slides and _is_pdf(entry):
        images = _render(entry)
    else:
        images = []
    new = [_save(entry, f"slide-{n:02d}.jpg", data, public=public) for n, data in enumerate(images, start=1)]
    if not new and not old and entry.slide_pages_of == (slides or None):
        return False
    with transaction.atomic():
        # Record them only if nothing changed meanwhile: the slides, the pages, the state.
        updated = Entry.objects.filter(
            pk=entry_id, slides=slides, slide_pages_of=entry.slide_pages_of, state=entry.state
        ).update(slide_pages=new, slide_pages_of=slides or None)
        if updated:
            pages_changed(jam=entry.jam)  # the entry page shows them
    _delete(old if updated else new)
    return bool(updated)


def _is_pdf(entry: Entry) -> bool:
    with entry.slides.open("rb") as file:
        return file.read(len(PDF_MAGIC)) == PDF_MAGIC


def _render(entry: Entry) -> list[bytes]:
    with entry.slides.open("rb") as file:
        data = file.read()
    try:
        return render_pdf_pages(data)
    except pdfium.PdfiumError as error:
        logger.warning(
            "Entry %s: slides %s can't be read as a PDF (%s); they keep the download link only.",
            entry.pk,
            entry.slides.name,
            error,
        )
        return []
