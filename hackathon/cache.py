"""Django's Redis cache, keeping its Redis clients; and the versions of what pages show.

Django's RedisCacheClient builds a new ``redis.Redis`` for every operation, and redis-py's
constructor sets up some 170 response callbacks each time: measured, that was most of
what a page served from the cache cost. A client is safe to share between threads (its
connection pool hands out connections), so one per server is kept and reused.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable

import redis
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction

logger = logging.getLogger(__name__)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Also: the cache fails open. Redis holds copies and versions, never the only copy of
    anything (sessions are written through to the database), so when it refuses or hangs
    (short socket time-outs, settings.CACHES) a read is a miss and a write is skipped, and
    the request goes on from the database. After one failure the process leaves Redis
    alone for a few seconds, so a request pays the time-out once, not on every call. When
    Redis answers again, this process marks every cached page stale (the site scope): a
    write during the outage could not bump its page's version."""

    OUTAGE_PAUSE_SECONDS = 5.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._down_until = 0.0
        self._had_outage = False

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def _guarded(self, call, fallback):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            result = call()
        except redis.RedisError as error:
            if not self._had_outage:
                logger.warning("Cache: Redis failed (%s); serving from the database meanwhile.", error)
            self._had_outage = True
            self._down_until = time.monotonic() + self.OUTAGE_PAUSE_SECONDS
            return fallback
        if self._had_outage:
            self._had_outage = False
            logger.warning("Cache: Redis answers again; every cached page is marked stale.")
            self._guarded(lambda: super(ReusedClientRedisCacheClient, self).set_many(_stale_all(), None), None)
        return result

    def add(self, key, value, timeout):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).add(key, value, timeout), False)

    def get(self, key, default):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).get(key, default), default)

    def set(self, key, value, timeout):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).set(key, value, timeout), None)

    def touch(self, key, timeout):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).touch(key, timeout), False)

    def delete(self, key):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).delete(key), False)

    def get_many(self, keys):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).get_many(keys), {})

    def has_key(self, key):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).has_key(key), False)

    def incr(self, key, delta):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).incr(key, delta), delta)

    def set_many(self, data, timeout):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).set_many(data, timeout), None)

    def delete_many(self, keys):
        return self._guarded(lambda: super(ReusedClientRedisCacheClient, self).delete_many(keys), None)


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


def _stale_all() -> dict:
    """The site scope's version key (full, as the client stores it), with a new value."""
    from django.core.cache import cache

    return {cache.make_and_validate_key(VERSION_PREFIX + "site"): uuid.uuid4().hex}


# Versions of what pages show ------------------------------------------------------------
# A scope names a part of what pages show (a jam, the site, one person's account); a copy
# made under a scope's version is current only while the version stays. The pages' scopes
# are in jams/cache.py; a person's own is here, below every app, because accounts bumps it.

VERSION_PREFIX = "pagever:"


def versions_get(scopes: Iterable[str]) -> dict[str, str]:
    """The current version of each scope (one round trip to the cache)."""
    keys = [VERSION_PREFIX + scope for scope in scopes]
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        # add() keeps a version another process set in the meantime.
        for key, value in missing.items():
            if not cache.add(key, value, timeout=None):
                found[key] = cache.get(key) or value
            else:
                found[key] = value
    return {key.removeprefix(VERSION_PREFIX): value for key, value in found.items()}


def versions_bump(scopes: Iterable[str]) -> None:
    """Give each scope a new version now."""
    cache.set_many({VERSION_PREFIX + scope: uuid.uuid4().hex for scope in scopes}, timeout=None)


def versions_token(versions: dict[str, str]) -> str:
    return hashlib.blake2b(repr(sorted(versions.items())).encode(), digest_size=12).hexdigest()


def user_scope(pk: int | str) -> str:
    """What a signed-in person's own pages show of their account (their name, their role),
    and whether their session is still good (their password, whether they are active)."""
    return f"user:{pk}"


def user_pages_changed(pk: int | str) -> None:
    """Mark a person's own cached pages stale once the current transaction commits."""
    transaction.on_commit(lambda: versions_bump([user_scope(pk)]))
