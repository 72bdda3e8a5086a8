"""SQL queries per request, counted in-process with the Django test client against the
same database and settings as the gunicorn under test."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User


def count(path: str, *, signed_in_as: str | None = None) -> tuple[int, int]:
    """(warm, cold): the queries of a request with the cache filled by the one before it
    (the steady state), and of the first request after the cache was emptied."""
    client = Client()
    if signed_in_as:
        client.force_login(User.objects.get(email=signed_in_as))
    cache_empty()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code} in-process, not 200")
    with CaptureQueriesContext(connection) as warm:
        client.get(path)
    return len(warm), len(cold)


def cache_empty() -> None:
    """Empty this run's cache. On Redis only this run's keys (its own KEY_PREFIX), not the
    whole database, so a second bench run on the same Redis is left alone."""
    conf = settings.CACHES["default"]
    location, prefix = str(conf.get("LOCATION", "")), conf.get("KEY_PREFIX")
    if not (location.startswith(("redis://", "rediss://", "unix://")) and prefix):
        cache.clear()
        return
    import redis

    client = redis.Redis.from_url(location)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    client.close()
