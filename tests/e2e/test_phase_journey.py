"""The jam page's words follow the phase, in Debian's Chromium driven by Playwright."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, JamFactory, SignUpFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_grace_period_counts_down_late_submissions_then_says_they_closed(live_server, page, artifacts_dir):
    now = timezone.now()
    jam = JamFactory(
        title="Grace Jam", starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=1),
        grace_minutes=1,
    )  # fmt: skip
    # Late submissions close 20 s from now: time to log in on a busy machine.
    type(jam).objects.filter(pk=jam.pk).update(submission_deadline=timezone.now() - timedelta(seconds=40))
    member = SignUpFactory(jam=jam).user

    page.goto(live_server.url + "/accounts/login/?next=" + jam.get_absolute_url())
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    label = page.locator("[data-countdown-label]")
    expect(label).to_have_text("Late submissions close in")
    expect(page.get_by_role("link", name="Submit entry!")).to_be_visible()
    expect(page.get_by_text("You can now judge entries")).to_have_count(0)
    seconds = page.locator('[data-unit="seconds"]')
    shown = seconds.text_content()
    expect(seconds).not_to_have_text(shown, timeout=2_000)
    page.screenshot(path=str(artifacts_dir / "phase-grace.png"), full_page=True)

    # At the close, the script hides the clock and says what is true next.
    ended = page.locator("[data-countdown-ended]")
    expect(ended).to_be_visible(timeout=30_000)
    expect(ended).to_contain_text("Submissions are closed and the judges are at work.")
    expect(label).to_be_hidden()

    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("jam-phase").first).to_have_text("Judging")
    page.screenshot(path=str(artifacts_dir / "phase-after-grace-home.png"), full_page=True)


def test_home_badge_in_grace_says_late_submissions(live_server, page):
    now = timezone.now()
    JamFactory(
        title="Grace Jam", starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=1),
        grace_minutes=60,
    )  # fmt: skip

    page.goto(live_server.url + "/")

    expect(page.get_by_test_id("jam-phase")).to_have_text("Late submissions")
