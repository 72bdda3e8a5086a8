"""Beside the jam's times, in its zone, the visitor's browser shows the same moments in
its own zone (static/js/local-time.js), in Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.factories import JamFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def london_jam():
    # New York goes onto summer time on 9 March 2031, London on 30 March: the start is
    # five hours apart in the two, the deadline four.
    return JamFactory(
        title="Zone Jam",
        timezone="Europe/London",
        starts_at=datetime(2031, 3, 8, 18, 0, tzinfo=UTC),
        submission_deadline=datetime(2031, 3, 30, 12, 0, tzinfo=UTC),
        judging_ends_at=datetime(2031, 4, 30, 12, 0, tzinfo=UTC),
    )


def visit(browser, url: str, zone: str, locale: str):
    context = browser.new_context(timezone_id=zone, locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return context, page


def test_jam_times_show_the_visitors_local_time_beside_them(live_server, browser, london_jam, artifacts_dir):
    # An American locale too: the local time is still 24 h, in the site's one format.
    context, page = visit(browser, live_server.url + london_jam.get_absolute_url(), "America/New_York", "en-US")
    try:
        times = page.locator(".jam-times li")
        deadline = times.filter(has_text="Submissions due")
        start = times.filter(has_text="Starts")

        expect(deadline).to_have_text(
            "Submissions due: Sun 30 Mar 2031, 13:00 Europe/London (UTC+1)"
            " · your time: Sun 30 Mar 2031, 08:00 America/New_York (UTC-4)"
        )
        expect(start).to_have_text(
            "Starts: Sat 8 Mar 2031, 18:00 Europe/London (UTC+0)"
            " · your time: Sat 8 Mar 2031, 13:00 America/New_York (UTC-5)"
        )
        # The countdown says what it counts to, the same way.
        expect(page.locator("[data-countdown-until]:visible")).to_have_text(
            "until Sat 8 Mar 2031, 18:00 Europe/London (UTC+0)"
            " · your time: Sat 8 Mar 2031, 13:00 America/New_York (UTC-5)"
        )
        page.screenshot(path=str(artifacts_dir / "local-time-new-york.png"), full_page=True)
    finally:
        context.close()


def test_a_visitor_in_the_jams_zone_sees_no_second_time(live_server, browser, london_jam):
    context, page = visit(browser, live_server.url + london_jam.get_absolute_url(), "Europe/London", "en-GB")
    try:
        deadline = page.locator(".jam-times li").filter(has_text="Submissions due")

        expect(deadline).to_have_text("Submissions due: Sun 30 Mar 2031, 13:00 Europe/London (UTC+1)")
        expect(page.locator("[data-local-time-text]:visible")).to_have_count(0)
    finally:
        context.close()


def test_a_visitor_east_of_the_jam_sees_the_next_day(live_server, browser, london_jam):
    context, page = visit(browser, live_server.url + london_jam.get_absolute_url(), "Asia/Kolkata", "hi-IN")
    try:
        deadline = page.locator(".jam-times li").filter(has_text="Submissions due")

        # Chromium calls the zone by its older name.
        expect(deadline.locator("[data-local-time-text]")).to_have_text(
            re.compile(r"^ · your time: Sun 30 Mar 2031, 17:30 Asia/(Kolkata|Calcutta) \(UTC\+5:30\)$")
        )
    finally:
        context.close()
