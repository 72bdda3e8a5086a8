import pytest

from hackathon.celery import app as celery_app
from tests.services import free_port

pytestmark = pytest.mark.django_db


def test_healthz_ok_on_embedded_defaults(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert set(response.json()["checks"]) == {"database", "broker", "storage"}


def test_healthz_ok_on_real_redis_and_s3(client, redis_url, s3_storage):
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.update(task_always_eager=True)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}


def test_healthz_names_a_broker_that_is_down(client):
    previous = celery_app.conf.broker_url
    celery_app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.update(task_always_eager=True, broker_url=previous)
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_healthz_names_storage_that_is_down(client, s3_server, settings):
    storage = s3_server.storage_setting()
    storage["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["storage"]
