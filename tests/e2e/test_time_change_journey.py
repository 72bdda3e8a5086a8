"""A published jam's deadline moves, in Debian's Chromium: the organizer types the new time
in the jam's own zone on its admin page and ticks "Email everyone signed up"; the real
worker emails the people signed up through the test SMTP server, and a visitor's next look
at the (cached) jam page shows the change, on a laptop and on a phone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from playwright.sync_api import expect

from jams.models import JamTimeChange
from tests.e2e.test_admin_layout import LAPTOP, OVERFLOW
from tests.factories import PASSWORD, JamFactory, SignUpFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOKYO = ZoneInfo("Asia/Tokyo")
PHONE = {"width": 390, "height": 844}


def test_organizer_moves_the_deadline_and_everyone_sees_and_hears_of_it(
    live_server, browser, celery_worker, smtp_sink, artifacts_dir
):
    jam = JamFactory(
        title="Tokyo Alignment Jam",
        slug="tokyo",
        timezone="Asia/Tokyo",
        starts_at=datetime(2027, 3, 12, 9, 0, tzinfo=TOKYO),
        submission_deadline=datetime(2027, 3, 14, 18, 0, tzinfo=TOKYO),
        judging_ends_at=datetime(2027, 3, 21, 18, 0, tzinfo=TOKYO),
    )
    for name in ("ada", "bob"):
        SignUpFactory(jam=jam, user=UserFactory(email=f"{name}@example.com"))
    organizer = UserFactory(is_staff=True, is_superuser=True, display_name="Olivia Organizer")
    base = live_server.url
    assert "Changes" not in Client().get(jam.get_absolute_url()).content.decode()  # now cached

    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/admin/jams/jam/{jam.pk}/change/")
        page.fill("#id_username", organizer.email)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        checkbox = page.get_by_label("Email everyone signed up about this change")
        expect(checkbox).not_to_be_checked()
        page.fill("#id_submission_deadline_1", "20:00:00")  # in Tokyo
        checkbox.check()
        times = page.locator("fieldset").filter(has=page.locator("#id_notify_signed_up"))
        times.screenshot(path=str(artifacts_dir / "time-change-admin.png"))
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    finally:
        context.close()

    change = JamTimeChange.objects.get()
    assert change.new_value == datetime(2027, 3, 14, 11, 0, tzinfo=ZoneInfo("UTC"))
    messages = smtp_sink.wait_for(2, timeout=60)
    assert sorted(m["To"] for m in messages) == ["ada@example.com", "bob@example.com"]
    assert {m["Subject"] for m in messages} == {"Tokyo Alignment Jam: the deadline moved"}

    # Each time in the jam's zone and, added by static/js/local-time.js, in the visitor's.
    moved = (
        "Submission deadline moved from Sun 14 Mar 2027, 18:00 Asia/Tokyo (UTC+9)"
        " · your time: Sun 14 Mar 2027, 10:00 Europe/Paris (UTC+1) "
        "to Sun 14 Mar 2027, 20:00 Asia/Tokyo (UTC+9)"
        " · your time: Sun 14 Mar 2027, 12:00 Europe/Paris (UTC+1)"
    )
    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="Europe/Paris")
        visitor = context.new_page()
        try:
            visitor.goto(base + jam.get_absolute_url())
            notice = visitor.get_by_test_id("jam-changes")
            expect(notice).to_contain_text(moved)
            assert visitor.evaluate(OVERFLOW)["page"] == 0
            visitor.screenshot(path=str(artifacts_dir / f"time-change-page-{name}.png"))
        finally:
            context.close()
