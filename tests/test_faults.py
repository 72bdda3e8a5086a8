"""The fault matrix, on real services: the broker (Redis) refusing or hung while people
sign up and submit.

The person sees success once their data is saved, without waiting on the broker (its
publish gives up after half a second: see PROMPT); the email, thumbnails and
slide pages are outbox rows, done by the real worker once the broker is back (the sweep
queues them), each exactly once."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from hackathon.celery import app as celery_app
from jams.models import SignUp
from outbox import services as outbox_services
from outbox.models import OutboxItem
from outbox.services import outbox_sweep
from submissions.models import Entry
from tests.factories import TeamFactory, UserFactory
from tests.files import pdf_bytes, png_bytes
from tests.services import HungServer, free_port, wait_until
from tests.submissions.test_direct_uploads import entry_form, upload

pytestmark = pytest.mark.django_db(transaction=True)

# Seconds a request may take here: well above the publish's half-second time-outs on a busy
# machine, well below a request left hanging on the broker (no time-out: for ever).
PROMPT = 5


@pytest.fixture
def broker(celery_worker, redis_url):
    """Point this process's publishing at another broker URL (the worker stays on Redis)."""

    def use(url: str) -> None:
        celery_app.conf.broker_url = url  # the outbox connects afresh for each batch
        outbox_services._broker.down_until = 0.0  # forget the last failure

    yield use
    use(redis_url)


@pytest.fixture(params=["refusing", "hung"])
def broken_broker(request, broker):
    if request.param == "refusing":
        broker(f"redis://127.0.0.1:{free_port()}/0")
        yield request.param
    else:
        with HungServer() as server:
            broker(f"redis://127.0.0.1:{server.port}/0")
            yield request.param


def _timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def _back_and_swept(broker, redis_url) -> None:
    broker(redis_url)
    outbox_sweep(now=timezone.now() + timedelta(minutes=5))


def _all_done(items) -> bool:
    return not OutboxItem.objects.filter(pk__in=[i.pk for i in items]).exclude(state=OutboxItem.State.SENT).exists()


def test_signup_while_the_broker_is_down_succeeds_and_the_email_goes_once_it_is_back(
    broken_broker, broker, redis_url, running_jam, client, smtp_sink
):
    user = UserFactory(email="grace@example.com")
    client.force_login(user)

    response, seconds = _timed(lambda: client.post(f"/jams/{running_jam.slug}/signup/", {"show_in_list": "on"}))

    assert (response.status_code, response.url) == (302, running_jam.get_absolute_url() + "#signups")
    assert seconds < PROMPT, f"the sign-up took {seconds:.1f} s with the broker {broken_broker}"
    assert SignUp.objects.filter(jam=running_jam, user=user).exists()
    (item,) = OutboxItem.objects.filter(kind="Sign-up confirmation")
    assert item.state == OutboxItem.State.QUEUED
    assert smtp_sink.messages == []

    _back_and_swept(broker, redis_url)

    (message,) = smtp_sink.wait_for(1, timeout=30)
    assert message["To"] == "grace@example.com"
    assert wait_until(lambda: _all_done([item]), timeout=10)
    outbox_sweep(now=timezone.now() + timedelta(minutes=10))  # nothing left: nothing twice
    time.sleep(1)
    assert len(smtp_sink.messages) == 1


def test_submit_while_the_broker_is_down_succeeds_and_the_files_and_email_follow(
    broken_broker, broker, redis_url, running_jam, client, smtp_sink
):
    team = TeamFactory(jam=running_jam, name="Negative Heads", created_by=UserFactory(email="arthur@example.com"))
    client.force_login(team.created_by)
    slides_key = upload(client, running_jam, pdf_bytes())
    image_key = upload(client, running_jam, png_bytes(), field="image", name="cover.png")

    form = entry_form(slides_key=slides_key, image_key=image_key)
    response, seconds = _timed(lambda: client.post(f"/jams/{running_jam.slug}/submit/", form))

    assert response.status_code == 302, response.content.decode()[:500]
    assert seconds < PROMPT, f"the submission took {seconds:.1f} s with the broker {broken_broker}"
    entry = Entry.objects.get(team=team)
    assert entry.is_submitted
    items = list(OutboxItem.objects.filter(jam=running_jam).order_by("kind"))
    assert [i.kind for i in items] == ["Entry confirmation", "Share card", "Slide pages", "Thumbnails"]
    assert {i.state for i in items} == {OutboxItem.State.QUEUED}

    _back_and_swept(broker, redis_url)

    (message,) = smtp_sink.wait_for(1, timeout=30)
    assert message["To"] == "arthur@example.com"
    assert wait_until(lambda: _all_done(items), timeout=60)
    # The thumbnails' job records the share card anew (it shows the thumbnail): done too.
    assert wait_until(lambda: _all_done(OutboxItem.objects.filter(jam=running_jam)), timeout=60)
    assert OutboxItem.objects.filter(jam=running_jam).count() == 5
    entry.refresh_from_db()
    assert entry.thumbnails_ready
    assert entry.slide_pages


def test_a_worker_killed_mid_job_leaves_it_to_do_and_the_sweep_has_it_done_once(
    celery_worker, celery_worker_process, redis_url, smtp_sink, artifacts_dir, tmp_path
):
    """The whole worker SIGKILLed while it runs an item: the row lock dies with its
    connection, the row stays to do, and the sweep has another worker do it, once."""
    import os
    import signal

    from outbox.tasks import outbox_item_run_task
    from tests import services

    started = tmp_path / "started"
    item = OutboxItem.objects.create(
        kind="Slow note",
        handler="tests.outbox_handlers.slow_note",
        args={"to": "kim@example.com", "seconds": 60, "started": str(started)},
        recipients="kim@example.com",
    )
    queue = f"doomed-{os.getpid()}"
    env = {**celery_worker_process.env, "CELERY_TASK_DEFAULT_QUEUE": queue}
    doomed = services.start_celery_worker(env=env, log_path=artifacts_dir / "doomed-worker.log", queue=queue)
    try:
        outbox_item_run_task.apply_async(kwargs={"item_id": item.pk}, queue=queue)
        assert wait_until(started.exists, timeout=30)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        services.stop_process(doomed)
    item.refresh_from_db()
    left = (item.state, smtp_sink.messages[:])

    outbox_sweep(now=timezone.now() + timedelta(minutes=5))

    assert left == (OutboxItem.State.QUEUED, [])
    (message,) = smtp_sink.wait_for(1, timeout=60)
    assert message["To"] == "kim@example.com"
    assert wait_until(lambda: _all_done([item]), timeout=10)
    time.sleep(1)
    assert len(smtp_sink.messages) == 1


def _terminate_other_backends(connection) -> int:
    """What a PostgreSQL restart does to every connection but this one: cut it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def gunicorn_app(artifacts_dir, running_jam):
    """The app under gunicorn as in production (one worker, one thread, so one kept
    database connection), on the test database; yields its base URL."""
    import os
    import subprocess

    from django.db import connection

    from tests import services

    if connection.vendor != "postgresql":
        services.service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")
    port = services.free_port()
    log_path = artifacts_dir / "gunicorn-faults.log"
    env = {
        **os.environ,
        "DATABASE_URL": services.database_url_for(connection.settings_dict),
        "CONN_MAX_AGE": "600",
        "DEBUG": "true",  # plain http, no static manifest; the database settings are production's
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
        "CACHE_URL": "",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(services.BIN / "gunicorn"), "-c", str(services.ROOT / "gunicorn.conf.py"), "hackathon.wsgi"],
            cwd=services.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(url + "/time", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        if not services.wait_until(answers, timeout=60, interval=0.3):
            pytest.fail("gunicorn did not answer: " + log_path.read_text(errors="replace")[-2000:])
        yield url
    finally:
        services.stop_process(process)


def test_a_database_connection_cut_between_requests_costs_no_request(gunicorn_app, running_jam):
    """PostgreSQL restarted between requests: the web worker's kept connection is dead.
    The next request checks it first (CONN_HEALTH_CHECKS), connects afresh and succeeds."""
    from django.db import connection

    url = gunicorn_app + running_jam.get_absolute_url()
    first = requests.get(url, timeout=10)
    cut = _terminate_other_backends(connection)

    second = requests.get(url + "?again", timeout=10)  # not the copy the worker cached

    assert first.status_code == 200
    assert cut >= 1  # the worker kept its connection, and lost it
    assert second.status_code == 200


@pytest.fixture
def hung_cache(settings):
    """The page cache and the sessions on a Redis that hangs (production shares one Redis
    for the broker, the cache and the sessions); the broker refusing too."""
    with HungServer() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "hackathon.cache.ReusedClientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{server.port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        celery_app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
        outbox_services._broker.down_until = 0.0
        try:
            yield server
        finally:
            celery_app.conf.update(task_always_eager=True)
            outbox_services._broker.down_until = 0.0


def test_signup_and_pages_while_the_cache_redis_hangs(hung_cache, running_jam, client):
    """The cache fails open: a read is a miss, a write is skipped, and after the first
    time-out the process leaves Redis alone for a while, so the request pays it once."""
    user = UserFactory(email="grace@example.com")
    client.force_login(user)

    page, page_seconds = _timed(lambda: client.get(running_jam.get_absolute_url()))
    waits = len(hung_cache.held)
    signup, signup_seconds = _timed(lambda: client.post(f"/jams/{running_jam.slug}/signup/", {"show_in_list": "on"}))
    after = client.get(running_jam.get_absolute_url())

    assert page.status_code == 200
    assert page_seconds < PROMPT, f"the jam page took {page_seconds:.1f} s"
    assert signup.status_code == 302
    assert signup_seconds < PROMPT, f"the sign-up took {signup_seconds:.1f} s"
    assert waits == 1  # the page's many reads of the cache waited on the hung Redis once
    assert SignUp.objects.filter(jam=running_jam, user=user).exists()
    assert "You're signed up" in after.content.decode()
    assert OutboxItem.objects.filter(kind="Sign-up confirmation", state=OutboxItem.State.QUEUED).exists()


def test_when_the_cache_redis_answers_again_every_cached_page_is_stale(redis_url, settings):
    """A write during the outage could not bump its page's version: the first call that
    succeeds afterwards gives the site scope a new version, which every copy names."""
    from django.core.cache import caches

    from hackathon.cache import versions_get

    settings.CACHES = {
        "default": {
            "BACKEND": "hackathon.cache.ReusedClientRedisCache",
            "LOCATION": redis_url.rsplit("/", 1)[0] + "/14",
            "KEY_PREFIX": f"recovery-{time.monotonic_ns()}",
        }
    }
    cache = caches["default"]
    before = versions_get(["site"])["site"]
    client = cache._cache
    client._had_outage = True  # as after a call that failed and its pause
    cache.get("anything")  # the first call that succeeds

    assert versions_get(["site"])["site"] != before
    assert client._had_outage is False


def test_a_worker_child_killed_mid_job_has_the_job_done_once_by_the_next_child(
    celery_worker, celery_worker_process, smtp_sink, artifacts_dir, tmp_path
):
    """A prefork worker's child SIGKILLed while it runs an item: the message is not
    acknowledged (acks_late) and goes back to the queue (reject_on_worker_lost), the
    worker starts a new child, and that one does the item, once."""
    import os
    import signal

    from outbox.tasks import outbox_item_run_task
    from tests import services

    started = tmp_path / "started"
    item = OutboxItem.objects.create(
        kind="Slow note",
        handler="tests.outbox_handlers.slow_note",
        args={"to": "lee@example.com", "seconds": 60, "started": str(started)},
        recipients="lee@example.com",
    )
    queue = f"prefork-{os.getpid()}"
    env = {**celery_worker_process.env, "CELERY_TASK_DEFAULT_QUEUE": queue}
    log = artifacts_dir / "prefork-worker.log"
    worker = services.start_celery_worker(env=env, log_path=log, queue=queue, pool="prefork")
    try:
        outbox_item_run_task.apply_async(kwargs={"item_id": item.pk}, queue=queue)
        assert wait_until(started.exists, timeout=30)
        children = [int(pid) for pid in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]
        assert len(children) == 1
        os.kill(children[0], signal.SIGKILL)

        (message,) = smtp_sink.wait_for(1, timeout=60)
        assert wait_until(lambda: _all_done([item]), timeout=20)
    finally:
        services.stop_process(worker)
    time.sleep(1)
    item.refresh_from_db()
    assert message["To"] == "lee@example.com"
    assert len(smtp_sink.messages) == 1
    assert item.tries == 2  # the killed run's try counted, then the one that did it


def test_the_worker_counts_as_idle_only_once_its_running_job_is_done(celery_worker, redis_url, tmp_path):
    """What the worker fixture waits for before the test's tables are emptied."""
    from django.conf import settings

    from tests import services

    item = OutboxItem.objects.create(
        kind="Slow note",
        handler="tests.outbox_handlers.slow_note",
        args={"to": "kim@example.com", "seconds": 2, "started": str(tmp_path / "started")},
        recipients="kim@example.com",
    )
    outbox_services.outbox_publish(item_ids=[item.pk])

    assert services.wait_for_worker_idle(celery_app, broker_url=redis_url, queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    item.refresh_from_db()
    assert item.state == OutboxItem.State.SENT
