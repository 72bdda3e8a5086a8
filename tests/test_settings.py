"""The one settings module: embedded defaults, and environment variables that switch each
part to the real service. Each case runs in a fresh interpreter, as a deployment would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.services import ROOT

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "storage": settings.STORAGES["default"]["BACKEND"],
    "bucket": settings.STORAGES["default"].get("OPTIONS", {}).get("bucket_name"),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "email_host": settings.EMAIL_HOST,
}))
"""

SWITCHES = (
    "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL", "EMAIL_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE",
)  # fmt: skip


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    base["DJANGO_SETTINGS_MODULE"] = "hackathon.settings"
    return subprocess.run(args, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60)


def probe(**env: str) -> dict:
    result = run([sys.executable, "-c", PROBE], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_embedded_defaults_need_no_services():
    found = probe()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["db_name"].endswith("db.sqlite3")
    assert found["storage"] == "django.core.files.storage.FileSystemStorage"
    assert found["eager"] is True
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"


def test_settings_environment_switches_to_real_services():
    found = probe(
        DATABASE_URL="postgres://jams@db.internal:5432/jams",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        AWS_STORAGE_BUCKET_NAME="jam-uploads",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
        EMAIL_URL="smtp://mail.internal:1025",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "jams"
    assert found["storage"] == "hackathon.storage.S3Storage"
    assert found["bucket"] == "jam-uploads"
    assert found["eager"] is False
    assert found["broker"] == "redis://redis.internal:6379/0"
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert found["email_host"] == "mail.internal"


def test_settings_check_deploy_is_clean_with_debug_off():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        DEBUG="false",
        SECRET_KEY="k3y-" + "x7Qp9vL2mN8rT4wZ6yB1cD5fG0hJ3kS" * 2,
        ALLOWED_HOSTS="jams.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# SECRET_KEY: no public default in production ---------------------------------------------


def test_settings_refuse_to_start_with_debug_off_and_no_secret_key():
    result = run([sys.executable, "-c", PROBE], DEBUG="false", ALLOWED_HOSTS="jams.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr
    assert "set SECRET_KEY in the environment" in result.stderr


def test_settings_refuse_the_development_key_with_debug_off():
    from hackathon.settings import DEVELOPMENT_SECRET_KEY

    result = run([sys.executable, "-c", PROBE], DEBUG="false", SECRET_KEY=DEVELOPMENT_SECRET_KEY)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_settings_an_empty_secret_key_is_no_key():
    result = run([sys.executable, "-c", PROBE], DEBUG="false", SECRET_KEY="")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_settings_debug_on_without_a_key_uses_the_development_one():
    result = run([sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"])

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("django-insecure-")


def test_settings_debug_off_starts_on_the_key_given():
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = run([sys.executable, "-c", code], DEBUG="false", SECRET_KEY="given-" + "q" * 50)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "given-" + "q" * 50


# Celery: lost tasks come back within minutes, never while still running -----------------

CELERY_PROBE = """
import json, django
django.setup()
from hackathon.celery import app
app.loader.import_default_modules()
own = {
    name: [task.soft_time_limit, task.time_limit]
    for name, task in app.tasks.items()
    if not name.startswith("celery.")
}
print(json.dumps({
    "visibility_timeout": app.conf.broker_transport_options.get("visibility_timeout"),
    "soft": app.conf.task_soft_time_limit,
    "hard": app.conf.task_time_limit,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "prefetch": app.conf.worker_prefetch_multiplier,
    "tasks": own,
}))
"""


def celery_conf() -> dict:
    result = run([sys.executable, "-c", CELERY_PROBE], CELERY_BROKER_URL="redis://redis.internal:6379/0")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_a_killed_workers_tasks_come_back_within_minutes_not_while_running():
    conf = celery_conf()

    # Soft limit (the task is interrupted and the outbox records the failure), then the
    # hard one (its process is killed), then Redis hands an unacknowledged task to
    # another worker: never one still running, and minutes, not Redis's default hour.
    assert 0 < conf["soft"] < conf["hard"] < conf["visibility_timeout"] <= conf["hard"] + 120
    assert conf["visibility_timeout"] <= 5 * 60
    # Acknowledged when done, and given back when its worker dies: the tasks are idempotent.
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True
    assert conf["prefetch"] == 1  # a task waiting in a busy worker's buffer would age too


def test_settings_no_task_runs_longer_than_the_visibility_timeout():
    conf = celery_conf()

    assert {"outbox.tasks.outbox_item_run_task", "outbox.tasks.outbox_sweep_task"} <= set(conf["tasks"])
    for name, (soft, hard) in conf["tasks"].items():
        assert soft is None or soft <= conf["soft"], name
        assert hard is None or hard <= conf["hard"], name


def test_settings_the_redis_transport_gets_the_visibility_timeout(redis_url):
    from django.conf import settings

    from hackathon.celery import app
    from outbox.services import PUBLISH_TRANSPORT_OPTIONS

    expected = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    with app.connection_for_read(url=redis_url) as worker_side:
        consuming = worker_side.default_channel.visibility_timeout
    publish_options = {**app.conf.broker_transport_options, **PUBLISH_TRANSPORT_OPTIONS}
    with app.connection_for_write(url=redis_url, transport_options=publish_options) as publisher:
        publishing = publisher.default_channel.visibility_timeout

    assert consuming == publishing == expected


def interrupted() -> None:
    """An outbox handler that reaches the soft time limit."""
    from celery.exceptions import SoftTimeLimitExceeded

    raise SoftTimeLimitExceeded()


@pytest.mark.django_db
def test_settings_a_task_at_its_soft_time_limit_is_recorded_and_retried_later():
    from outbox.models import OutboxItem
    from outbox.services import outbox_item_run

    item = OutboxItem.objects.create(kind="Slow job", handler="tests.test_settings.interrupted", is_email=False)

    done = outbox_item_run(item_id=item.pk)

    item.refresh_from_db()
    assert done is False
    assert (item.state, item.tries) == (OutboxItem.State.FAILED, 1)
    assert item.last_error.startswith("SoftTimeLimitExceeded")
