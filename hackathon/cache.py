"""Django's Redis cache, keeping its Redis clients.

Django's RedisCacheClient builds a new ``redis.Redis`` for every operation, and redis-py's
constructor sets up some 170 response callbacks each time: measured, that was most of
what a page served from the cache cost. A client is safe to share between threads (its
connection pool hands out connections), so one per server is kept and reused.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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
