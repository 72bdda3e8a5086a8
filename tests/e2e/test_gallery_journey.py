"""Choosing how the gallery is sorted and filtered, in Debian's Chromium: a choice shows
at once (static/js/gallery.js sends the form), the page links keep it, and without
JavaScript the button does the same."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from judging.models import Award
from judging.services import results_publish
from tests.factories import EntryFactory, JamFactory, PrizeFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jam_with_results():
    jam = JamFactory.judging()
    start = timezone.now() - timedelta(hours=1)
    names = ["Beta probe", "Alpha circuit", "Gamma lens"]  # the last is the newest
    made = [
        EntryFactory(team__jam=jam, title=n, submitted_at=start + timedelta(minutes=i)) for i, n in enumerate(names)
    ]
    Award.objects.create(prize=PrizeFactory(jam=jam, name="First place"), entry=made[0])
    results_publish(jam=jam)
    return jam


def card_titles(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("entry-card").locator(".card-title").all_inner_texts()]


def test_choosing_a_sort_and_a_filter_changes_the_gallery_at_once(live_server, page, jam_with_results, artifacts_dir):
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.goto(f"{live_server.url}/jams/{jam_with_results.slug}/entries/")
    assert card_titles(page) == ["Gamma lens", "Alpha circuit", "Beta probe"]

    with page.expect_navigation():
        page.get_by_label("Sort by").select_option(label="Title (A–Z)")
    assert card_titles(page) == ["Alpha circuit", "Beta probe", "Gamma lens"]
    expect(page.get_by_label("Sort by")).to_have_value("title")
    assert page.url.endswith("/entries/?sort=title")

    with page.expect_navigation():
        page.get_by_label("Show").select_option(label="Prize winners")
    assert card_titles(page) == ["Beta probe"]
    expect(page.get_by_test_id("prize-badge")).to_have_text("🏆 First place")
    assert page.url.endswith("/entries/?show=winners&sort=title")  # no empty fields
    page.screenshot(path=str(artifacts_dir / "gallery-winners.png"), full_page=True)
    assert script_errors == []


def test_without_javascript_the_button_applies_the_sort(live_server, browser, jam_with_results):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/jams/{jam_with_results.slug}/entries/")
        page.get_by_label("Sort by").select_option("title")
        page.get_by_role("button", name="Search").click()
        assert card_titles(page) == ["Alpha circuit", "Beta probe", "Gamma lens"]
    finally:
        context.close()
