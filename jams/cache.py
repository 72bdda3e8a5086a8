"""Versioned cache keys for the public pages.

Every cached page is stored under a key that includes the current version of each scope
it depends on. A write that changes what a page shows bumps its scopes' versions once its
transaction commits, so the very next request misses and renders afresh; stale copies are
never read again and age out of the cache on their own. Nothing here guesses with
time-outs.

Scopes:
- ``jam:<id>``: everything one jam's pages show (the jam, its resources and speakers,
  sign-ups, teams' entries, thumbnails, judging results);
- ``home``: the list of jams on the home page (bumped with every jam's scope);
- ``site``: what every page shows, such as the testimonials.

A version lives in the cache itself, with no expiry. If it is ever evicted, a fresh
random version takes its place: that can only cause a miss, never a stale hit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

VERSION_PREFIX = "pagever:"


def jam_scope(jam_id: int) -> str:
    return f"jam:{jam_id}"


HOME = "home"
SITE = "site"


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


def pages_changed(*, jam_id: int | None = None, site: bool = False) -> None:
    """Mark the cached pages of a jam (and the home page), or of the whole site, stale.

    Call it from inside the write's transaction: the bump happens when it commits (at
    once outside a transaction), so no request can cache the old rows under the new
    version.
    """
    scopes = [HOME]
    if jam_id is not None:
        scopes.append(jam_scope(jam_id))
    if site:
        scopes.append(SITE)
    transaction.on_commit(lambda: versions_bump(scopes))
