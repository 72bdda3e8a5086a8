from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from hackathon.celery import app as celery_app
from tests import services
from tests.factories import JamFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    services.ARTIFACTS.mkdir(exist_ok=True)
    return services.ARTIFACTS


# Real services -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(artifacts_dir):
    process, server = services.start_s3_server(artifacts_dir / "moto-server.log")
    yield server
    services.stop_process(process)


@pytest.fixture
def s3_storage(s3_server, settings):
    """Switch the default and the public storage to S3 on moto's server for this test."""
    from django.core.files.storage import default_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_server.storage_setting(),
        "public": s3_server.public_storage_setting(),
    }
    yield default_storage


@pytest.fixture(scope="session")
def redis_url(artifacts_dir):
    process, url = services.find_redis(artifacts_dir / "redis-server.log")
    yield url
    if process:
        services.stop_process(process)


@pytest.fixture(scope="session")
def smtp_sink_session():
    server, sink = services.start_smtp_sink()
    yield sink
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_sink(smtp_sink_session):
    smtp_sink_session.clear()
    yield smtp_sink_session
    smtp_sink_session.clear()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, redis_url, s3_server, smtp_sink_session, artifacts_dir):
    """A real `celery worker` process on Redis that opens the test database, sends mail to
    the SMTP sink and stores files on moto's S3 server."""
    from django.db import connection

    with django_db_blocker.unblock():
        database_url = services.database_url_for(connection.settings_dict)
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    env = {
        **os.environ,
        **s3_server.env(),
        "DJANGO_SETTINGS_MODULE": "hackathon.settings",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": smtp_sink_session.url,
        "DEBUG": "true",
        # The worker marks cached pages stale (a new thumbnail): it shares the cache with
        # the test process, under this run's own prefix.
        "CACHE_URL": _cache_url(redis_url),
        "CACHE_KEY_PREFIX": _cache_prefix(queue),
    }
    process = services.start_celery_worker(env=env, log_path=artifacts_dir / "celery-worker.log", queue=queue)
    process.env = env  # for a test that starts a worker of its own, the same way
    yield process
    services.stop_process(process)


def _cache_url(redis_url: str) -> str:
    """The cache's own Redis database, beside the broker's: clearing it never drops a task."""
    return redis_url.rsplit("/", 1)[0] + "/14"


def _cache_prefix(queue: str) -> str:
    return f"{queue}-cache"


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db, redis_url, s3_storage, smtp_sink, settings):
    """Tasks queued by this test go through Redis to the worker process.

    The test's own writes are committed (transactional_db) so the worker sees them, and the
    test process stores files on the same S3 server and names the same SMTP sink."""
    from django.core.cache import cache

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    settings.CACHES = {
        "default": {
            "BACKEND": "hackathon.cache.ReusedClientRedisCache",
            "LOCATION": _cache_url(redis_url),
            "KEY_PREFIX": _cache_prefix(django_settings.CELERY_TASK_DEFAULT_QUEUE),
        }
    }
    cache.clear()
    previous = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    yield celery_worker_process
    try:
        idle = services.wait_for_worker_idle(
            celery_app, broker_url=redis_url, queue=django_settings.CELERY_TASK_DEFAULT_QUEUE
        )
    finally:  # the next tests run tasks in-process again, whatever happened here
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
    if not idle:
        pytest.fail("the Celery worker was still busy 60 s after the test; its tables cannot be emptied")


# Browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        services.service_missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, artifacts_dir, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(artifacts_dir / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# Data ----------------------------------------------------------------------------------


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def running_jam(db):
    return JamFactory.running()


@pytest.fixture
def organizer(client):
    """A superuser signed in on `client`: organizers work in the admin."""
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def _clean_cache():
    """Cached pages and their versions outlive the database's rollback between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _clean_media():
    yield
    media = Path(django_settings.MEDIA_ROOT)
    if media.is_dir() and "test-artifacts" in media.parts:
        shutil.rmtree(media, ignore_errors=True)
