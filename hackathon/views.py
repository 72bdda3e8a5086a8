from __future__ import annotations

import hmac
import logging
import time
from functools import partial

import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from outbox.services import outbox_oldest_to_do_age

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
    """A PING that gives up after a second, so a hung broker never hangs the check."""
    if celery_app.conf.task_always_eager:
        return "ok (tasks run in-process)"
    url = celery_app.conf.broker_url
    if url.startswith(("redis://", "rediss://")):
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return "ok"
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return "ok"


# The outbox's oldest item still to do, past this, means the workers are not keeping up
# (or not running): the check fails, so a monitor alerts.
OUTBOX_STALE_SECONDS = 15 * 60


def _check_outbox(figures: dict) -> str:
    age = figures["outbox_oldest_to_do_seconds"] = outbox_oldest_to_do_age()
    if age is None:
        return "ok (nothing to do)"
    if age > OUTBOX_STALE_SECONDS:
        raise OutboxStale(f"the oldest item to do waits for {age:.0f} s")
    return f"ok (oldest to do: {age:.0f} s)"


class OutboxStale(Exception):
    pass


def _check_storage() -> str:
    # exists() on a key that need not exist: a round trip that needs the bucket or folder.
    default_storage.exists("healthz-probe")
    return "ok"


CHECKS = {"database": _check_database, "broker": _check_broker, "storage": _check_storage}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every service answers, else 503. To the public only `{"status": "ok"}` or
    `{"status": "fail"}`: which service is down, and the error's name, tell an attacker
    what the site runs on. Staff, and a monitor with the HEALTHZ_TOKEN, get the details;
    the log always has them."""
    report, down = {}, []
    figures = {"outbox_oldest_to_do_seconds": None}  # filled by the outbox's check
    for name, check in {**CHECKS, "outbox": partial(_check_outbox, figures)}.items():
        try:
            report[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure means "down", and says why
            logger.warning("healthz: %s is down: %s", name, error)
            report[name] = f"down: {error.__class__.__name__}"
            down.append(name)
    body = {"status": "fail" if down else "ok"}
    if _may_see_details(request):
        body.update(down=down, checks=report, **figures)
    return JsonResponse(body, status=503 if down else 200)


def _may_see_details(request: HttpRequest) -> bool:
    token = settings.HEALTHZ_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # a monitor without a session: no database or cache round trip to find out
    try:
        return request.user.is_active and request.user.is_staff
    except Exception:  # noqa: BLE001 - the session or the database is what's down: no details
        return False
