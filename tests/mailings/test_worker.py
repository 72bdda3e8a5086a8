"""Mailings through the real worker, on Redis, to the test SMTP server: 2,000 people each
get one email; a refusing server leaves the rows failed until retried, then each is sent
once; and a worker killed mid-batch loses no one and doubles no one."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from jams.models import SignUp
from jams.times import format_jam_time_and_utc
from mailings.models import Audience, Delivery
from mailings.services import mailing_create, mailing_send
from outbox import services as outbox_services
from outbox.models import OutboxItem
from outbox.services import outbox_retry, outbox_sweep
from outbox.tasks import outbox_item_run_task
from tests import services
from tests.factories import JamFactory
from tests.services import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "Hi {{ name }},\n\n{{ jam }} closes on **{{ deadline_local }}**. [Submit here](https://example.com/submit)."


def people_signed_up(jam, count: int) -> list[str]:
    users = User.objects.bulk_create(
        User(email=f"person{n:05d}@example.com", display_name=f"Person {n}", password="!") for n in range(count)
    )
    SignUp.objects.bulk_create(SignUp(jam=jam, user=user) for user in users)
    return [user.email for user in users]


def sent(mailing) -> int:
    return OutboxItem.objects.filter(args__mailing_id=mailing.pk, state=OutboxItem.State.SENT).count()


def report(request, line: str) -> None:
    """Shown whether or not pytest captures output (-s), and kept in test-artifacts/."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\n{line}")
    else:
        print(line)
    with (services.ARTIFACTS / "mailing-times.txt").open("a") as log:
        log.write(f"{timezone.now():%Y-%m-%d %H:%M} {line}\n")


def test_two_thousand_people_each_get_exactly_one_email(celery_worker, smtp_sink, request):
    jam = JamFactory.running(title="The Big Jam", timezone="Asia/Tokyo")
    addresses = people_signed_up(jam, 2000)
    mailing = mailing_create(jam=jam, audience=Audience.SIGNED_UP, subject="{{ jam }}: one day left", body=BODY,
                             created_by=None)  # fmt: skip

    started = time.monotonic()
    count = mailing_send(mailing=mailing)  # records 2,000 outbox rows and queues them on commit
    recorded = time.monotonic() - started
    done = wait_until(lambda: sent(mailing) == 2000, timeout=300, interval=0.5)
    seconds = time.monotonic() - started

    rate = f"{2000 / seconds:.0f} emails/s, one solo worker, SMTP sink"
    report(request, f"[mailings] 2,000 recipients: queued in {recorded:.1f} s, all sent in {seconds:.1f} s ({rate})")
    assert (count, done) == (2000, True)
    assert wait_until(lambda: len(smtp_sink.messages) == 2000, timeout=10)
    received = Counter(message["To"] for message in smtp_sink.messages)
    assert received == Counter(addresses)  # everyone, once
    assert {message["Subject"] for message in smtp_sink.messages} == {"The Big Jam: one day left"}
    assert Delivery.objects.filter(mailing=mailing).count() == 2000
    one = next(m for m in smtp_sink.messages if m["To"] == "person01234@example.com")
    text = one.get_body(("plain",)).get_content().replace("\r\n", "\n")
    deadline = format_jam_time_and_utc(jam.submission_deadline, jam)  # Asia/Tokyo's time, then UTC's
    assert text.startswith(f"Hi Person 1234,\n\nThe Big Jam closes on **{deadline}**.")
    assert one["List-Unsubscribe"].strip().startswith(f"<{settings.SITE_URL}/accounts/announcements/")


def test_a_refusing_smtp_server_leaves_the_rows_failed_and_a_retry_sends_each_once(celery_worker, smtp_sink):
    jam = JamFactory.running()
    addresses = people_signed_up(jam, 3)
    smtp_sink.refuse_next(3)
    mailing = mailing_create(jam=jam, audience=Audience.SIGNED_UP, subject="News", body=BODY, created_by=None)

    mailing_send(mailing=mailing)
    items = OutboxItem.objects.filter(args__mailing_id=mailing.pk)
    assert wait_until(lambda: set(items.values_list("state", flat=True)) == {OutboxItem.State.FAILED}, timeout=60)
    failed = (smtp_sink.refused, smtp_sink.messages[:], [i.last_error[:16] for i in items])

    outbox_retry(item_ids=[item.pk for item in items])  # the outbox admin's "retry"

    assert failed == (3, [], ["SMTPConnectError"] * 3)
    assert wait_until(lambda: sent(mailing) == 3, timeout=60)
    outbox_sweep(now=timezone.now() + timedelta(hours=1))  # nothing left to do: nothing again
    time.sleep(1)
    assert sorted(message["To"] for message in smtp_sink.messages) == addresses
    assert sorted(items.values_list("tries", flat=True)) == [1, 1, 1]  # a retry starts its tries afresh


def test_a_worker_killed_mid_batch_loses_no_one_and_doubles_no_one(
    celery_worker, celery_worker_process, smtp_sink, artifacts_dir
):
    """A worker doing a mailing's batch is SIGKILLed while it waits on the SMTP server for
    the fourth email. The three before are sent and recorded; the sweep has the other
    worker do the rest, the fourth included: six emails, one each."""
    jam = JamFactory.running()
    addresses = people_signed_up(jam, 6)
    queue = f"doomed-mailing-{os.getpid()}"
    doomed = services.start_celery_worker(
        env={**celery_worker_process.env, "CELERY_TASK_DEFAULT_QUEUE": queue},
        log_path=artifacts_dir / "doomed-mailing-worker.log",
        queue=queue,
    )
    try:
        outbox_services._broker.down_until = time.monotonic() + 600  # the send queues nothing itself...
        mailing = mailing_create(jam=jam, audience=Audience.SIGNED_UP, subject="News", body=BODY, created_by=None)
        mailing_send(mailing=mailing)
        items = list(OutboxItem.objects.filter(args__mailing_id=mailing.pk).order_by("pk"))
        smtp_sink.hold_from(3)
        for item in items:  # ...the doomed worker gets the whole batch
            outbox_item_run_task.apply_async(kwargs={"item_id": item.pk}, queue=queue)
        assert wait_until(lambda: smtp_sink.held == 1, timeout=60)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        services.stop_process(doomed)
        outbox_services._broker.down_until = 0.0
        smtp_sink.release()
    states = Counter(OutboxItem.objects.filter(args__mailing_id=mailing.pk).values_list("state", flat=True))
    before = (len(smtp_sink.messages), states)

    outbox_sweep(now=timezone.now() + timedelta(minutes=5))  # as the beat's sweep does, later

    assert before == (3, Counter({OutboxItem.State.SENT: 3, OutboxItem.State.QUEUED: 3}))
    assert wait_until(lambda: sent(mailing) == 6, timeout=60)
    time.sleep(1)
    assert sorted(message["To"] for message in smtp_sink.messages) == addresses
    assert Delivery.objects.filter(mailing=mailing).count() == 6
