from __future__ import annotations

import logging
import time

from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app

logger = logging.getLogger(__name__)


@never_cache
def server_time(request: HttpRequest) -> JsonResponse:
    """The server's clock in milliseconds since the epoch, for the countdown."""
    return JsonResponse({"now": round(time.time() * 1000)})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "ok (tasks run in-process)"
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _check_storage() -> str:
    # exists() on a key that need not exist: a round trip that needs the bucket or folder.
    default_storage.exists("healthz-probe")
    return "ok"


CHECKS = {"database": _check_database, "broker": _check_broker, "storage": _check_storage}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every service answers, 503 naming those that don't."""
    report, down = {}, []
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure means "down", and says why
            logger.warning("healthz: %s is down: %s", name, error)
            report[name] = f"down: {error.__class__.__name__}"
            down.append(name)
    body = {"status": "ok" if not down else "down", "down": down, "checks": report}
    return JsonResponse(body, status=503 if down else 200)
