"""The admin index's health panel: the outbox's queued items, its failures of the last 24
hours, the oldest queued item's age, and whether a worker answered in the last minute (its
heartbeat in the shared cache, recorded by the worker process itself: outbox/heartbeat.py)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from outbox.heartbeat import HEARTBEAT_KEY, worker_heartbeat_last, worker_heartbeat_record
from outbox.models import OutboxItem
from outbox.services import MAX_TRIES, outbox_item_run
from outbox.templatetags.outbox_health import seconds_text
from tests.factories import UserFactory
from tests.querycount import count_queries
from tests.services import HungServer, wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def no_heartbeat():
    from django.core.cache import cache

    cache.delete(HEARTBEAT_KEY)


def _item(*, handler: str = "tests.outbox_handlers.fine", **fields) -> OutboxItem:
    return OutboxItem.objects.create(kind="Test", handler=handler, **fields)


def _failed_now() -> OutboxItem:
    """An item whose run failed just now (through the outbox's own run)."""
    item = _item(handler="tests.outbox_handlers.no_such_handler")
    outbox_item_run(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == OutboxItem.State.FAILED
    return item


def _gave_up_now() -> OutboxItem:
    item = _item(handler="tests.outbox_handlers.no_such_handler")
    for _ in range(MAX_TRIES):
        outbox_item_run(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == OutboxItem.State.GAVE_UP
    return item


@pytest.fixture
def broker_named():
    """As in production: tasks go to a worker (none runs here), not into the web process."""
    from hackathon.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def panel(client: Client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    start = html.index('data-testid="health-panel"')
    return html[start : html.index("</section>", start)]


def figure(html: str, name: str) -> str:
    start = html.index(f'data-testid="health-{name}"')
    return html[html.index(">", start) + 1 : html.index("</", start)]


def test_the_figures_count_queued_failed_lately_and_the_oldest_queued(staff_client, no_heartbeat):
    now = timezone.now()
    _item(created_at=now - timedelta(minutes=7, seconds=5))
    _item(created_at=now - timedelta(minutes=2))
    _item(state=OutboxItem.State.SENT, created_at=now - timedelta(hours=3))  # done: not counted
    _failed_now()
    _gave_up_now()
    _item(state=OutboxItem.State.FAILED, failed_at=now - timedelta(hours=25))  # too long ago
    _item(state=OutboxItem.State.SENT, failed_at=now - timedelta(hours=1))  # failed, then done

    html = panel(staff_client)

    assert figure(html, "queued") == "2"
    assert figure(html, "failed") == "2"
    assert "7 min ago" in html
    assert 'href="/admin/outbox/outboxitem/?state__exact=queued"' in html
    assert 'href="/admin/outbox/outboxitem/?failed=24h"' in html


def test_the_failed_link_lists_exactly_the_failures_it_counts(staff_client):
    recent = _failed_now()
    _item(state=OutboxItem.State.FAILED, failed_at=timezone.now() - timedelta(hours=25))
    _item()

    response = staff_client.get("/admin/outbox/outboxitem/?failed=24h")

    assert [item.pk for item in response.context["cl"].result_list] == [recent.pk]


def test_nothing_queued_says_so(staff_client, no_heartbeat):
    html = panel(staff_client)

    assert (figure(html, "queued"), figure(html, "failed")) == ("0", "0")
    assert "none queued" in html


def test_without_a_heartbeat_no_worker_answered_in_red(staff_client, no_heartbeat, broker_named):
    html = panel(staff_client)

    assert figure(html, "worker") == "no worker answered in the last minute"
    assert re.search(r'health-figure health-worker health-bad">\s*<dt>Worker', html)


def test_a_heartbeat_older_than_a_minute_is_no_answer_and_says_when(staff_client, broker_named):
    worker_heartbeat_record(at=time.time() - 300)

    assert figure(panel(staff_client), "worker") == "no worker answered in the last minute (last 5 min ago)"


def test_a_heartbeat_within_the_minute_is_an_answer_in_green(staff_client, broker_named):
    worker_heartbeat_record(at=time.time() - 20)

    html = panel(staff_client)

    assert figure(html, "worker") in ("answered 20 s ago", "answered 21 s ago")
    assert re.search(r'health-figure health-worker health-good">\s*<dt>Worker', html)


@pytest.fixture
def hung_broker(settings, broker_named):
    """The broker named is a server that accepts connections and never answers: a ping of
    the workers or a publish would wait on it, and it counts who connected."""
    from hackathon.celery import app

    previous = app.conf.broker_url, app.conf.broker_transport_options
    # Short time-outs: a panel that did reach for it fails this test instead of hanging it.
    app.conf.broker_transport_options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5, "max_retries": 0}
    with HungServer() as server:
        settings.CELERY_BROKER_URL = app.conf.broker_url = f"redis://127.0.0.1:{server.port}/0"
        yield server
    app.conf.broker_url, app.conf.broker_transport_options = previous


def test_with_the_broker_hung_the_index_renders_without_reaching_it_and_says_no_worker(
    staff_client, no_heartbeat, hung_broker
):
    html = panel(staff_client)  # a 200, else it fails here

    assert figure(html, "worker") == "no worker answered in the last minute"
    assert hung_broker.held == []  # nothing connected to the broker: nothing could wait on it


def test_without_a_broker_the_panel_says_no_worker_is_needed(staff_client, no_heartbeat):
    # The test settings have no broker: tasks run in the web process.
    assert "none needed: tasks run in the web process" in panel(staff_client)


def test_people_without_the_outbox_permission_see_no_panel():
    user = UserFactory(is_staff=True)
    client = Client()
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert 'data-testid="health-panel"' not in response.content.decode()


def test_the_admin_index_runs_the_same_queries_with_few_and_many_items(staff_client):
    _item()
    _failed_now()
    few = count_queries(lambda: staff_client.get("/admin/"))
    for _ in range(30):
        _item()
        _failed_now()
    many = count_queries(lambda: staff_client.get("/admin/"))

    assert few == many


def test_ages_read_at_a_glance():
    assert [seconds_text(s) for s in (0, 45, 119, 120, 7199, 7200, 7260, 172_799, 172_800)] == [
        "0 s", "45 s", "119 s", "2 min", "119 min", "2 h", "2 h 1 min", "47 h 59 min", "2 days",
    ]  # fmt: skip


# With the real worker process --------------------------------------------------------------


def test_a_running_worker_answers(celery_worker, staff_client, broker_named):
    # The fixture empties the shared cache: the worker's next beat (every 15 s) records it.
    assert worker_heartbeat_last() is None
    assert wait_until(lambda: worker_heartbeat_last() is not None, timeout=30)

    html = panel(staff_client)

    assert re.fullmatch(r"answered \d+ s ago", figure(html, "worker"))
    assert timezone.now() - worker_heartbeat_last() < timedelta(seconds=30)
