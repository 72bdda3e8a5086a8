from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from jams.services import signup_confirmation_deliver, signup_create
from outbox.models import OutboxItem
from outbox.services import MAX_TRIES, outbox_item_run
from tests.factories import JamFactory, SignUpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup(db):
    jam = JamFactory(
        title="ARENA Interpretability Hackathon",
        timezone="Europe/London",
        starts_at=datetime(2031, 6, 10, 9, tzinfo=ZoneInfo("UTC")),
        submission_deadline=datetime(2031, 6, 11, 21, tzinfo=ZoneInfo("UTC")),
        judging_ends_at=datetime(2031, 6, 25, tzinfo=ZoneInfo("UTC")),
    )
    return SignUpFactory(jam=jam, user__display_name="Can Rager", user__email="can@example.com")


def test_signup_confirmation_has_subject_text_html_and_calendar(signup):
    assert signup_confirmation_deliver(signup_id=signup.pk) is True

    (message,) = mail.outbox
    assert message.subject == "You're signed up for ARENA Interpretability Hackathon"
    assert message.to == ["can@example.com"]
    assert "Hi Can Rager," in message.body
    # Times in the jam's own time zone (London is on summer time: UTC+1), and in UTC:
    # an email has no script to add the reader's own.
    assert "Starts: Tue 10 Jun 2031, 10:00 Europe/London (UTC+1), which is Tue 10 Jun 2031, 09:00 UTC" in message.body
    assert (
        "Submissions due: Wed 11 Jun 2031, 22:00 Europe/London (UTC+1), which is Wed 11 Jun 2031, 21:00 UTC"
        in message.body
    )
    assert f"/jams/{signup.jam.slug}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>ARENA Interpretability Hackathon</strong>" in html
    name, content, attachment_type = message.attachments[0]
    assert (name, attachment_type) == (f"{signup.jam.slug}.ics", "text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == signup.jam.starts_at


def _confirmation_item(signup) -> OutboxItem:
    return OutboxItem.objects.get(handler="jams.services.signup_confirmation_deliver", args={"signup_id": signup.pk})


def test_signup_records_its_confirmation_in_the_outbox(running_jam, user):
    signup = signup_create(jam=running_jam, user=user)

    item = _confirmation_item(signup)
    assert (item.kind, item.recipients, item.jam_id, item.state) == (
        "Sign-up confirmation",
        user.email,
        running_jam.pk,
        OutboxItem.State.QUEUED,
    )


def test_signup_confirmation_is_sent_once_even_if_run_twice(signup):
    first = signup_confirmation_deliver(signup_id=signup.pk)
    second = signup_confirmation_deliver(signup_id=signup.pk)

    signup.refresh_from_db()
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert signup.confirmation_sent_at is not None


def test_signup_confirmation_for_a_deleted_signup_is_skipped(signup):
    signup_id = signup.pk
    signup.delete()
    assert signup_confirmation_deliver(signup_id=signup_id) is False
    assert mail.outbox == []


def test_signup_queues_the_confirmation_on_commit_only(running_jam, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signup = signup_create(jam=running_jam, user=user)
    assert mail.outbox == []
    assert len(callbacks) == 2  # the cached pages' version bump, then the outbox's publish

    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert _confirmation_item(signup).state == OutboxItem.State.SENT


def test_signup_confirmation_retries_when_smtp_fails(running_jam, user, smtp_sink, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    smtp_sink.refuse_next(2)
    signup = signup_create(jam=running_jam, user=user)
    item = _confirmation_item(signup)
    later = timezone.now()

    for _ in range(3):  # the run at once, then the sweep's two retries after each back-off
        later += timedelta(hours=1)
        outbox_item_run(item_id=item.pk, now=later)

    signup.refresh_from_db()
    item.refresh_from_db()
    assert smtp_sink.refused == 2
    assert [m["To"] for m in smtp_sink.messages] == [user.email]
    assert signup.confirmation_sent_at is not None
    assert (item.state, item.tries) == (OutboxItem.State.SENT, 3)


def test_signup_confirmation_gives_up_without_marking_sent(running_jam, user, smtp_sink, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    smtp_sink.refuse_next(100)
    signup = signup_create(jam=running_jam, user=user)
    item = _confirmation_item(signup)

    for _ in range(MAX_TRIES + 2):
        outbox_item_run(item_id=item.pk)

    signup.refresh_from_db()
    item.refresh_from_db()
    assert smtp_sink.refused == MAX_TRIES
    assert signup.confirmation_sent_at is None
    assert (item.state, item.tries) == (OutboxItem.State.GAVE_UP, MAX_TRIES)
    assert "SMTP" in item.last_error
