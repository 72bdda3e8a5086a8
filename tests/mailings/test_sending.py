"""Writing, rendering and sending a mailing, in process: the outbox's items run here (the
worker's tests are in test_worker.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from jams.models import Jam, JamTimeChange
from jams.services import jam_times_log
from jams.times import format_jam_time_and_utc
from mailings.emails import mailing_render
from mailings.models import Audience, Delivery, Mailing
from mailings.services import AlreadySent, mailing_create, mailing_deliver, mailing_send
from outbox.models import OutboxItem
from outbox.services import outbox_item_run
from tests.factories import SignUpFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

BODY = "Hi {{ name }},\n\nSubmit to [{{ jam }}](https://example.com/jam) by **{{ deadline_local }}**."


def test_unknown_placeholders_are_refused_with_the_ones_there_are(scene):
    with pytest.raises(ValidationError) as raised:
        mailing_create(jam=scene.jam, audience=Audience.SIGNED_UP, subject="{{ title }}", body="Hi {{name}} {{ nme }}",
                       created_by=None)  # fmt: skip

    assert raised.value.message_dict == {
        "subject": ["Unknown placeholder {{ title }}. You can use {{ name }}, {{ jam }}, {{ deadline_local }}."],
        "body": ["Unknown placeholder {{ nme }}. You can use {{ name }}, {{ jam }}, {{ deadline_local }}."],
    }
    assert Mailing.objects.count() == 0


def test_text_and_html_come_from_one_markdown_body_with_the_persons_values(scene):
    scene.jam.title = "Evals & <Interp>"
    reader = UserFactory(display_name="<b>Ann</b> [x](https://evil.example)")

    rendered = mailing_render(subject="{{ jam }}: last call for {{name}}", body=BODY, jam=scene.jam, user=reader)

    deadline = format_deadline(scene.jam)
    assert "Europe/London" in deadline
    assert rendered.subject == "Evals & <Interp>: last call for <b>Ann</b> [x](https://evil.example)"
    assert rendered.text == (
        "Hi <b>Ann</b> [x](https://evil.example),\n\n"
        f"Submit to [Evals & <Interp>](https://example.com/jam) by **{deadline}**."
    )
    assert rendered.html == (
        "<p>Hi &lt;b&gt;Ann&lt;/b&gt; [x](https://evil.example),</p>\n"
        '<p>Submit to <a href="https://example.com/jam" rel="noopener noreferrer nofollow">'
        f"Evals &amp; &lt;Interp&gt;</a> by <strong>{deadline}</strong>.</p>"
    )


def format_deadline(jam) -> str:
    """As emails give a time: in the jam's zone and in UTC."""
    return format_jam_time_and_utc(jam.submission_deadline, jam)


def test_sending_records_one_outbox_email_per_person_and_a_second_send_does_nothing(
    scene, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = mailing_create(jam=scene.jam, audience=Audience.NOT_SUBMITTED, subject="Last call", body=BODY,
                             created_by=scene.jo)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        count = mailing_send(mailing=mailing)
    with pytest.raises(AlreadySent):
        mailing_send(mailing=mailing)

    items = OutboxItem.objects.filter(kind="Announcement")
    expected = ["alice@example.com", "bea@example.com", "bob@example.com", "carl@example.com"]
    assert count == len(expected) == Mailing.objects.get().recipient_count
    assert sorted(items.values_list("recipients", flat=True)) == expected
    assert set(items.values_list("state", flat=True)) == {OutboxItem.State.SENT}
    assert sorted(m.to[0] for m in mailoutbox) == expected
    message = next(m for m in mailoutbox if m.to == ["bea@example.com"])
    assert message.body.startswith("Hi Bea,\n\nSubmit to [Interpretability Jam]")
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/accounts/announcements/" in message.alternatives[0][0]


def test_running_each_delivery_twice_sends_each_person_one_email(scene, mailoutbox):
    mailing = mailing_create(jam=scene.jam, audience=Audience.SUBMITTED, subject="Thanks", body=BODY, created_by=None)
    mailing_send(mailing=mailing)  # the items are recorded; nothing ran yet (no commit here)
    items = list(OutboxItem.objects.filter(kind="Announcement"))

    first = [outbox_item_run(item_id=item.pk) for item in items]
    again = [outbox_item_run(item_id=item.pk) for item in items]
    # The task itself run twice, past the outbox's own check: the Delivery row stops it.
    direct = [mailing_deliver(**item.args) for item in items]

    assert (first, again, direct) == ([True] * 3, [False] * 3, [False] * 3)
    assert sorted(m.to[0] for m in mailoutbox) == ["dan@example.com", "dora@example.com", "erin@example.com"]
    assert Delivery.objects.filter(mailing=mailing).count() == 3


def test_someone_who_unsubscribes_after_the_send_gets_nothing(scene, mailoutbox):
    mailing = mailing_create(jam=scene.jam, audience=Audience.NO_TEAM, subject="Teams", body=BODY, created_by=None)
    mailing_send(mailing=mailing)
    scene.alice.announcements_opt_out = True
    scene.alice.save()

    (item,) = OutboxItem.objects.filter(kind="Announcement")
    outbox_item_run(item_id=item.pk)

    assert mailoutbox == []
    assert OutboxItem.objects.get(pk=item.pk).state == OutboxItem.State.SENT  # nothing left to do


def test_sending_takes_the_same_queries_for_one_person_and_for_many(scene):
    def send(audience):
        mailing = mailing_create(jam=scene.jam, audience=audience, subject="S", body="B", created_by=None)
        return count_queries(lambda: mailing_send(mailing=mailing))

    one = send(Audience.NO_TEAM)
    SignUpFactory.create_batch(60, jam=scene.jam)
    many = send(Audience.NO_TEAM)

    assert Mailing.objects.order_by("pk").last().recipient_count == 61
    assert one == many


# Changed times (jams.signals.jam_times_changed) ----------------------------------------


def move_deadline(jam, *, by_user, notify: bool):
    """Move the saved jam's deadline two hours as the admin's save does: save the jam,
    then log the change (jams.services.jam_times_log), which sends jams.signals."""
    before = Jam.objects.get(pk=jam.pk)
    jam.submission_deadline = before.submission_deadline + timedelta(hours=2)
    jam.save()
    return before.submission_deadline, jam_times_log(before=before, jam=jam, by_user=by_user, notify=notify)


def test_changed_times_with_notify_email_everyone_signed_up_in_the_jams_zone_and_utc(
    scene, django_capture_on_commit_callbacks, mailoutbox
):
    jam = scene.jam
    with django_capture_on_commit_callbacks(execute=True):
        old, changes = move_deadline(jam, by_user=scene.jo, notify=True)

    mailing = Mailing.objects.get()
    people = sorted(m.to[0].split("@")[0] for m in mailoutbox)
    assert [change.field for change in changes] == [JamTimeChange.Field.DEADLINE]
    assert (mailing.audience, mailing.subject) == (Audience.SIGNED_UP, "{{ jam }}: the deadline moved")
    assert (mailing.created_by, mailing.sent_at is not None) == (scene.jo, True)
    assert people == ["alice", "bea", "bob", "carl", "dan", "dora", "erin"]
    assert {m.subject for m in mailoutbox} == {"Interpretability Jam: the deadline moved"}
    body = mailoutbox[0].body
    moved = f"Submission deadline moved from {format_jam_time_and_utc(old, jam)} to {format_deadline(jam)}."
    assert f"- {moved}" in body
    assert f"The submission deadline is now {format_deadline(jam)}." in body
    assert "Europe/London" in body


def test_changed_times_without_notify_send_nothing(scene, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        _, changes = move_deadline(scene.jam, by_user=scene.jo, notify=False)

    assert len(changes) == 1  # the time really moved, and was logged
    assert (Mailing.objects.count(), OutboxItem.objects.count(), mailoutbox) == (0, 0, [])
