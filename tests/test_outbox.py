"""The outbox's own rules: a try is counted before the work, so a job that kills its
worker every time still gives up; a retry by an organizer queues it again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from outbox.models import OutboxItem
from outbox.services import MAX_TRIES, outbox_item_run, outbox_retry

pytestmark = pytest.mark.django_db


def _item(handler: str, **fields) -> OutboxItem:
    return OutboxItem.objects.create(kind="Test", handler=handler, **fields)


def test_a_try_is_counted_even_when_the_work_takes_its_worker_down():
    item = _item("tests.outbox_handlers.dies")

    with pytest.raises(SystemExit):
        outbox_item_run(item_id=item.pk)

    item.refresh_from_db()
    assert (item.state, item.tries) == (OutboxItem.State.QUEUED, 1)


def test_a_job_whose_worker_dies_every_time_gives_up_after_its_tries():
    item = _item("tests.outbox_handlers.dies")
    for _ in range(MAX_TRIES):
        with pytest.raises(SystemExit):
            outbox_item_run(item_id=item.pk)

    done = outbox_item_run(item_id=item.pk)  # the sweep's next go: not run again

    item.refresh_from_db()
    assert done is False
    assert (item.state, item.tries) == (OutboxItem.State.GAVE_UP, MAX_TRIES)
    assert item.last_error == "Its worker never finished it."


def test_a_done_item_is_not_run_again():
    item = _item("tests.outbox_handlers.fine")

    first, second = outbox_item_run(item_id=item.pk), outbox_item_run(item_id=item.pk)

    item.refresh_from_db()
    assert (first, second) == (True, False)
    assert (item.state, item.tries) == (OutboxItem.State.SENT, 1)


def test_an_organizers_retry_queues_a_given_up_item_and_leaves_a_sent_one(django_capture_on_commit_callbacks):
    gave_up = _item("tests.outbox_handlers.fine", state=OutboxItem.State.GAVE_UP, tries=MAX_TRIES)
    sent = _item("tests.outbox_handlers.fine", state=OutboxItem.State.SENT, tries=1)

    with django_capture_on_commit_callbacks(execute=True):  # queued at once (eager here): run
        count = outbox_retry(item_ids=[gave_up.pk, sent.pk])

    gave_up.refresh_from_db()
    sent.refresh_from_db()
    assert count == 1
    assert (gave_up.state, gave_up.tries) == (OutboxItem.State.SENT, 1)
    assert (sent.state, sent.tries) == (OutboxItem.State.SENT, 1)


def test_the_admin_list_gives_when_an_item_was_done_in_utc(admin_client):
    when = datetime(2026, 3, 14, 18, 5, tzinfo=ZoneInfo("Europe/Paris"))
    _item("tests.outbox_handlers.fine", state=OutboxItem.State.SENT, tries=1, done_at=when)

    html = admin_client.get("/admin/outbox/outboxitem/").content.decode()

    assert "1 try · Sat 14 Mar 2026, 17:05 UTC" in html
