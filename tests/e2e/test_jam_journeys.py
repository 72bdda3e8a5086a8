"""Journeys a person clicks through, in Debian's Chromium driven by Playwright."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from jams.models import SignUp
from outbox.models import OutboxItem
from tests.factories import JamFactory
from tests.services import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A new account's sign-up says the same as one with an address that has an account would.
CHECK_EMAIL = (
    "Thanks, Grace Hopper! We've sent an email to grace@example.com: follow the link in it to confirm your address."
)


def seed_demo(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    settings.DEBUG = False


def test_visitor_signs_up_for_the_running_demo_jam(
    live_server, page, celery_worker, smtp_sink, settings, artifacts_dir
):
    seed_demo(settings)

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="AI Evaluations Sprint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AI Evaluations Sprint")
    expect(page.locator("[data-countdown-label]")).to_have_text("Submissions due in")
    seconds = page.locator('[data-unit="seconds"]')
    shown = seconds.text_content()
    expect(seconds).not_to_have_text(shown, timeout=2_000)

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill("cobol-compiler-1959")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_text(CHECK_EMAIL)).to_be_visible()
    expect(page.get_by_test_id("signup-list")).to_contain_text("Grace Hopper")
    expect(page.get_by_test_id("current-user")).to_have_text("Grace Hopper")
    page.screenshot(path=str(artifacts_dir / "signup-journey.png"), full_page=True)

    # Two emails: the sign-up's confirmation and the link that confirms the address.
    messages = smtp_sink.wait_for(2, timeout=30)
    assert sorted((m["To"], m["Subject"]) for m in messages) == [
        ("grace@example.com", "Confirm your email address for Alignment Jams"),
        ("grace@example.com", "You're signed up for AI Evaluations Sprint"),
    ]
    signup = SignUp.objects.get(user__email="grace@example.com", jam__slug="ai-evaluations-sprint")
    # The worker commits the "sent" mark just after the SMTP server has the message.
    assert wait_until(
        lambda: SignUp.objects.filter(pk=signup.pk, confirmation_sent_at__isnull=False).exists(), timeout=10
    )
    worker_log = (artifacts_dir / "celery-worker.log").read_text(errors="replace")
    assert "outbox.tasks.outbox_item_run_task" in worker_log
    item = OutboxItem.objects.get(kind="Sign-up confirmation", args={"signup_id": signup.pk})
    assert wait_until(lambda: OutboxItem.objects.filter(pk=item.pk, state=OutboxItem.State.SENT).exists(), timeout=10)


def test_countdown_trusts_the_server_clock_and_ends_without_reload(live_server, page):
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=1), submission_deadline=now + timedelta(seconds=6))
    # The visitor's computer is two hours slow: without the correction the countdown
    # would show two more hours.
    page.clock.install(time=now - timedelta(hours=2))

    page.goto(live_server.url + jam.get_absolute_url())

    expect(page.locator('[data-unit="hours"]')).to_have_text("00")
    expect(page.locator('[data-unit="minutes"]')).to_have_text("00")
    page.clock.run_for(8_000)
    ended = page.locator("[data-countdown-ended]")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("Submissions are closed and the judges are at work.")
    expect(page.locator("[data-countdown-units]")).to_be_hidden()


def test_countdown_switches_from_starts_in_to_submissions_due(live_server, page):
    now = timezone.now()
    jam = JamFactory(starts_at=now + timedelta(seconds=5), submission_deadline=now + timedelta(days=2))
    page.clock.install(time=now)

    page.goto(live_server.url + jam.get_absolute_url())

    label = page.locator("[data-countdown-label]")
    expect(label).to_have_text("Starts in")
    page.clock.run_for(7_000)
    expect(label).to_have_text("Submissions due in")
    expect(page.locator('[data-unit="days"]')).to_have_text("01")
