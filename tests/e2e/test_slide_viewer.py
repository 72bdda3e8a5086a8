"""Reading slides inline, in Debian's Chromium: a visitor flips through an entry's pages
with the buttons and the arrow keys; a judge sees the same viewer beside the review form;
without JavaScript the pages are stacked. Page images on moto's S3 server, as in
production."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from submissions.slides import entry_slide_pages_make
from tests.factories import PASSWORD, CriterionFactory, EntryFactory, JamFactory, JudgeFactory, TeamFactory
from tests.files import pdf_pages_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def entry_with_slides(s3_storage):
    jam = JamFactory.judging()
    CriterionFactory(jam=jam)
    entry = EntryFactory(team=TeamFactory(jam=jam), title="Three Pages of Findings")
    entry.slides.save("talk.pdf", ContentFile(pdf_pages_bytes(3)), save=True)
    assert entry_slide_pages_make(entry_id=entry.pk) is True
    entry.refresh_from_db()
    return entry


def loaded(page, locator) -> None:
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=locator.element_handle())


def test_a_visitor_flips_through_the_slides(live_server, page, entry_with_slides, artifacts_dir):
    page.goto(live_server.url + entry_with_slides.get_absolute_url())

    viewer = page.get_by_test_id("slide-viewer")
    pages = viewer.get_by_test_id("slide-page")
    counter = viewer.get_by_text("Slide 1 of 3")
    expect(counter).to_be_visible()
    expect(pages.nth(0)).to_be_visible()
    expect(pages.nth(1)).to_be_hidden()
    expect(viewer.get_by_role("button", name="Previous slide")).to_be_disabled()
    loaded(page, pages.nth(0))
    page.screenshot(path=str(artifacts_dir / "slides-entry-page.png"), full_page=True)

    viewer.get_by_role("button", name="Next slide").click()
    expect(viewer.get_by_text("Slide 2 of 3")).to_be_visible()
    expect(pages.nth(0)).to_be_hidden()
    expect(pages.nth(1)).to_be_visible()
    expect(pages.nth(1)).to_have_attribute("alt", "Slide 2 of 3")
    loaded(page, pages.nth(1))

    page.keyboard.press("ArrowRight")
    expect(viewer.get_by_text("Slide 3 of 3")).to_be_visible()
    expect(viewer.get_by_role("button", name="Next slide")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    expect(viewer.get_by_text("Slide 2 of 3")).to_be_visible()
    expect(page.get_by_test_id("slides-download")).to_be_visible()  # the download stays


def test_a_judge_reads_the_slides_beside_the_form(live_server, page, entry_with_slides, artifacts_dir):
    judge = JudgeFactory(jam=entry_with_slides.jam)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(judge.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/jams/{entry_with_slides.jam.slug}/judge/{entry_with_slides.pk}/")
    viewer = page.get_by_test_id("slide-viewer")
    viewer.get_by_role("button", name="Next slide").click()

    expect(viewer.get_by_text("Slide 2 of 3")).to_be_visible()
    loaded(page, viewer.get_by_test_id("slide-page").nth(1))
    page.screenshot(path=str(artifacts_dir / "slides-review-page.png"), full_page=True)


def test_without_javascript_the_pages_are_stacked(live_server, browser, entry_with_slides, artifacts_dir):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + entry_with_slides.get_absolute_url())
        pages = page.get_by_test_id("slide-page")
        expect(pages).to_have_count(3)
        for index in range(3):
            expect(pages.nth(index)).to_be_visible()
        expect(page.get_by_role("button", name="Next slide")).to_be_hidden()
    finally:
        context.close()
