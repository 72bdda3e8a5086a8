"""Django's Redis cache, keeping its Redis clients; and the versions of what pages show.

Django's RedisCacheClient builds a new ``redis.Redis`` for every operation, and redis-py's
constructor sets up some 170 response callbacks each time: measured, that was most of
what a page served from the cache cost. A client is safe to share between threads (its
connection pool hands out connections), so one per server is kept and reused.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


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
