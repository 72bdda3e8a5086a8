from contextlib import contextmanager

import pytest

from hackathon.celery import app as celery_app
from tests.factories import UserFactory
from tests.services import free_port

pytestmark = pytest.mark.django_db

TOKEN = "healthz-test-token-5d1f0c"


@pytest.fixture
def token(settings):
    settings.HEALTHZ_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@contextmanager
def broker_down():
    previous = celery_app.conf.broker_url
    celery_app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    try:
        yield
    finally:
        celery_app.conf.update(task_always_eager=True, broker_url=previous)


def test_healthz_ok_on_embedded_defaults(client, token):
    public = client.get("/healthz")
    detailed = client.get("/healthz", **token)

    assert (public.status_code, public.json()) == (200, {"status": "ok"})
    assert detailed.status_code == 200
    assert set(detailed.json()["checks"]) == {"database", "broker", "storage", "outbox"}
    assert detailed.json()["outbox_oldest_to_do_seconds"] is None


def test_healthz_ok_on_real_redis_and_s3(client, redis_url, s3_storage, token):
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    try:
        response = client.get("/healthz", **token)
    finally:
        celery_app.conf.update(task_always_eager=True)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "ok",
        "storage": "ok",
        "outbox": "ok (nothing to do)",
    }


def test_healthz_tells_the_public_only_that_it_failed(client, token):
    with broker_down():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "fail"}
    assert b"broker" not in response.content
    assert b"Error" not in response.content


def test_healthz_names_a_broker_that_is_down_to_a_monitor_with_the_token(client, token):
    with broker_down():
        response = client.get("/healthz", **token)

    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["down"] == ["broker"]
    assert response.json()["checks"]["broker"].startswith("down: ")


def test_healthz_a_wrong_token_gets_no_details(client, token):
    with broker_down():
        response = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")

    assert (response.status_code, response.json()) == (503, {"status": "fail"})


def test_healthz_without_a_token_set_a_bearer_header_gets_no_details(client, settings):
    settings.HEALTHZ_TOKEN = ""
    with broker_down():
        response = client.get("/healthz", HTTP_AUTHORIZATION="Bearer ")

    assert (response.status_code, response.json()) == (503, {"status": "fail"})


def test_healthz_details_for_staff_not_for_other_people(client):
    client.force_login(UserFactory())
    with broker_down():
        person = client.get("/healthz")
    client.force_login(UserFactory(is_staff=True))
    with broker_down():
        staff = client.get("/healthz")

    assert person.json() == {"status": "fail"}
    assert staff.status_code == 503
    assert staff.json()["down"] == ["broker"]


def test_healthz_names_storage_that_is_down(client, s3_server, settings, token):
    storage = s3_server.storage_setting()
    storage["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    response = client.get("/healthz", **token)
    assert response.status_code == 503
    assert response.json()["down"] == ["storage"]


def test_healthz_never_hangs_on_a_hung_broker(client, token):
    import time

    from tests.services import HungServer

    with HungServer() as server:
        previous = celery_app.conf.broker_url
        celery_app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{server.port}/0")
        try:
            started = time.monotonic()
            response = client.get("/healthz", **token)
            seconds = time.monotonic() - started
        finally:
            celery_app.conf.update(task_always_eager=True, broker_url=previous)

    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert seconds < 3


def test_healthz_reports_the_oldest_outbox_item_and_fails_when_it_is_stale(client, token):
    from datetime import timedelta

    from django.utils import timezone

    from outbox.models import OutboxItem

    item = OutboxItem.objects.create(kind="Test", handler="x.y", created_at=timezone.now() - timedelta(minutes=5))
    fresh = client.get("/healthz", **token)
    OutboxItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    stale = client.get("/healthz", **token)
    public = client.get("/healthz")

    assert fresh.status_code == 200
    assert 299 <= fresh.json()["outbox_oldest_to_do_seconds"] < 330
    assert fresh.json()["checks"]["outbox"].startswith("ok (oldest to do: 3")
    assert stale.status_code == 503
    assert stale.json()["down"] == ["outbox"]
    assert public.json() == {"status": "fail"}
