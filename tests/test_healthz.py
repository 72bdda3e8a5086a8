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
    assert set(detailed.json()["checks"]) == {"database", "broker", "storage"}


def test_healthz_ok_on_real_redis_and_s3(client, redis_url, s3_storage, token):
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    try:
        response = client.get("/healthz", **token)
    finally:
        celery_app.conf.update(task_always_eager=True)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}


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
