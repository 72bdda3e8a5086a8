"""PDF slides rendered to page images by the task, shown inline on the entry page and the
review page. Public like thumbnails once submitted; a draft's stay private. On local disk
and on moto's S3 server over HTTP."""

from __future__ import annotations

import io
import logging
from html import unescape

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from PIL import Image

from submissions import slides as slide_module
from submissions.models import Entry
from submissions.slides import entry_slide_pages_make
from submissions.thumbnails import PUBLIC_PREFIX, _read, thumbnail_url
from tests.factories import CriterionFactory, EntryFactory, JamFactory, JudgeFactory, TeamFactory
from tests.files import pdf_bytes, pdf_pages_bytes, pptx_bytes, upload

pytestmark = pytest.mark.django_db

IMMUTABLE = "public, max-age=31536000, immutable"


def with_slides(entry: Entry, data: bytes, name: str = "talk.pdf") -> Entry:
    entry.slides.save(name, ContentFile(data))
    return entry


def run_task(entry: Entry) -> bool:
    made = entry_slide_pages_make(entry_id=entry.pk)
    entry.refresh_from_db()
    return made


def picture(name: str) -> Image.Image:
    return Image.open(io.BytesIO(_read(name)))


def test_a_three_page_pdf_becomes_three_public_page_images(running_jam):
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), pdf_pages_bytes(3))

    assert run_task(entry) is True

    assert len(entry.slide_pages) == 3
    assert entry.slide_pages_of == entry.slides.name
    assert entry.slide_pages_ready
    for number, name in enumerate(entry.slide_pages, start=1):
        assert name.startswith(f"{PUBLIC_PREFIX}jams/{running_jam.slug}/entries/{entry.pk}/")
        assert f"slide-{number:02d}" in name
        image = picture(name)
        assert image.format == "JPEG"
        assert image.size == (1600, 1200)  # 4:3 pages scaled to the largest size that fits
    # different pages, different pictures
    assert len({_read(name) for name in entry.slide_pages}) == 3


def test_the_task_is_idempotent(running_jam):
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), pdf_pages_bytes(3))
    run_task(entry)
    first = list(entry.slide_pages)

    assert run_task(entry) is False

    assert entry.slide_pages == first


def test_pages_are_capped(running_jam, monkeypatch):
    monkeypatch.setattr(slide_module, "MAX_PAGES", 2)
    monkeypatch.setattr(slide_module.render_pdf_pages, "__kwdefaults__", {"max_pages": 2})
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), pdf_pages_bytes(5))

    run_task(entry)

    assert len(entry.slide_pages) == 2


def test_tall_pages_fit_the_pixel_cap():
    (page,) = slide_module.render_pdf_pages(pdf_pages_bytes(1, size=(300, 3000)))

    image = Image.open(io.BytesIO(page))
    assert image.height == 1200
    assert image.width <= 1600


def test_a_drafts_pages_stay_private_and_move_public_on_submission(running_jam):
    entry = with_slides(
        EntryFactory(team=TeamFactory(jam=running_jam), state="draft", submitted_at=None), pdf_pages_bytes(3)
    )
    run_task(entry)
    private = list(entry.slide_pages)
    assert len(private) == 3
    assert not any(name.startswith(PUBLIC_PREFIX) for name in private)

    Entry.objects.filter(pk=entry.pk).update(state="submitted", submitted_at=running_jam.starts_at)
    assert run_task(entry) is True

    assert len(entry.slide_pages) == 3
    assert all(name.startswith(PUBLIC_PREFIX) for name in entry.slide_pages)
    default = storages["default"]
    assert not any(default.exists(name) for name in private)  # the private copies are gone


def test_a_broken_pdf_keeps_the_download_link_and_is_not_retried(running_jam, client, caplog):
    broken = pdf_bytes()[:60]  # starts like a PDF, ends nowhere
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), broken)

    with caplog.at_level(logging.WARNING, logger="submissions.slides"):
        run_task(entry)

    assert entry.slide_pages == []
    assert entry.slide_pages_of == entry.slides.name
    assert "can't be read as a PDF" in caplog.text
    assert run_task(entry) is False  # recorded: no retry loop
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'data-testid="slides-download"' in html
    assert 'data-testid="slide-viewer"' not in html


def test_powerpoint_slides_get_no_pages_and_keep_the_download_link(running_jam, client):
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), pptx_bytes(), name="talk.pptx")

    run_task(entry)

    assert entry.slide_pages == []
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'data-testid="slides-download"' in html
    assert 'data-testid="slide-viewer"' not in html


def test_new_slides_replace_the_pages_and_removed_slides_drop_them(running_jam):
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), pdf_pages_bytes(3))
    run_task(entry)
    old = list(entry.slide_pages)

    with_slides(entry, pdf_pages_bytes(2))
    run_task(entry)
    assert len(entry.slide_pages) == 2
    assert not any(storages["public"].exists(name.removeprefix(PUBLIC_PREFIX)) for name in old)

    Entry.objects.filter(pk=entry.pk).update(slides="")
    entry.refresh_from_db()
    run_task(entry)
    assert entry.slide_pages == []


def test_entry_page_and_review_page_show_the_pages_inline(client):
    jam = JamFactory.judging()
    CriterionFactory(jam=jam)
    judge = JudgeFactory(jam=jam)
    entry = with_slides(EntryFactory(team=TeamFactory(jam=jam)), pdf_pages_bytes(3))
    run_task(entry)

    public = unescape(client.get(entry.get_absolute_url()).content.decode())
    client.force_login(judge.user)
    review = unescape(client.get(f"/jams/{jam.slug}/judge/{entry.pk}/").content.decode())

    for html in (public, review):
        assert html.count('data-testid="slide-page"') == 3
        assert 'alt="Slide 2 of 3"' in html
        assert thumbnail_url(entry.slide_pages[0]) in html
        assert "js/slides" in html


def test_slides_saved_through_the_form_are_rendered(running_jam, client, django_capture_on_commit_callbacks):
    team = TeamFactory(jam=running_jam, name="Paged Team")
    client.force_login(team.created_by)
    form = {"title": "Paged", "abstract": "Three pages.", "authors": "A", "team_name": "Paged Team"}
    slides = upload("talk.pdf", pdf_pages_bytes(3), "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/jams/{running_jam.slug}/submit/", {**form, "action": "submit", "slides": slides})

    assert response.status_code == 302
    entry = Entry.objects.get(team=team)
    assert entry.is_submitted
    assert len(entry.slide_pages) == 3
    assert all(name.startswith(PUBLIC_PREFIX) for name in entry.slide_pages)


def test_on_s3_the_pages_are_public_and_immutable(running_jam, s3_storage, s3_server):
    entry = with_slides(EntryFactory(team=TeamFactory(jam=running_jam)), pdf_pages_bytes(3))

    assert run_task(entry) is True

    s3 = s3_server.client()
    assert len(entry.slide_pages) == 3
    for name in entry.slide_pages:
        url = thumbnail_url(name)
        response = requests.get(url, timeout=10)  # no credentials, no signature
        head = s3.head_object(Bucket=s3_server.bucket, Key=name)
        assert url == f"{s3_server.endpoint_url}/{s3_server.bucket}/{name}"
        assert (response.status_code, response.headers["Cache-Control"]) == (200, IMMUTABLE)
        assert head["ContentType"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.content)).size == (1600, 1200)


def test_on_s3_a_drafts_pages_are_private(running_jam, s3_storage, s3_server):
    entry = EntryFactory(team=TeamFactory(jam=running_jam), state="draft", submitted_at=None)
    with_slides(entry, pdf_pages_bytes(3))

    run_task(entry)

    assert len(entry.slide_pages) == 3
    for name in entry.slide_pages:
        assert not name.startswith(PUBLIC_PREFIX)
        assert requests.get(f"{s3_server.endpoint_url}/{s3_server.bucket}/{name}", timeout=10).status_code == 403
