"""Versioned cache keys for the public pages.

Every cached page is stored under a key that includes the current version of each scope
it depends on. A write that changes what a page shows bumps its scopes' versions once its
transaction commits, so the very next request misses and renders afresh; stale copies are
never read again and age out of the cache on their own. Nothing here guesses with
time-outs.

Scopes:
- ``jam:<slug>``: everything one jam's pages show (the jam, its resources and speakers,
  sign-ups, teams' entries, thumbnails, judging results);
- ``home``: the list of jams on the home page (bumped with every jam's scope);
- ``site``: what every page shows, such as the testimonials.

A version lives in the cache itself, with no expiry. If it is ever evicted, a fresh
random version takes its place: that can only cause a miss, never a stale hit.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

VERSION_PREFIX = "pagever:"


def jam_scope(slug: str) -> str:
    # By slug, the part of the URL a request knows before any query.
    return f"jam:{slug}"


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


def pages_changed(*, jam=None, jam_id: int | None = None, slugs: Iterable[str] = (), site: bool = False) -> None:
    """Mark the cached pages of a jam (and the home page), or of the whole site, stale.

    Call it from inside the write's transaction: the bump happens when it commits (at
    once outside a transaction), so no request can cache the old rows under the new
    version. `slugs` names extra slugs, such as the one a jam had before a rename.
    """
    scopes = {HOME}
    if jam is None and jam_id is not None:
        from .models import Jam

        jam = Jam.objects.filter(pk=jam_id).only("slug").first()
    if jam is not None:
        scopes.add(jam_scope(jam.slug))
    scopes.update(jam_scope(slug) for slug in slugs)
    if site:
        scopes.add(SITE)
    transaction.on_commit(lambda: versions_bump(sorted(scopes)))


def versions_token(versions: dict[str, str]) -> str:
    return hashlib.blake2b(repr(sorted(versions.items())).encode(), digest_size=12).hexdigest()


# Whole pages for anonymous visitors ------------------------------------------------------


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    content_type: str
    etag: str
    expires_at: datetime | None  # the next moment the page changes by itself (a phase)


def _shares_nothing_personal(request: HttpRequest) -> bool:
    """Whether this request may get, and give, the page every anonymous visitor sees."""
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    # A message waiting to be shown belongs to this visitor alone.
    if "messages" in request.COOKIES:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return not request.session.get("_messages")
    return True


def _page_key(request: HttpRequest, versions: dict[str, str]) -> str:
    query = "&".join(sorted(request.GET.urlencode().split("&"))) if request.GET else ""
    raw = f"{request.path}?{query}|{versions_token(versions)}"
    return "page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def public_page(scopes: Callable[..., Iterable[str]]) -> Callable:
    """Serve a public page to anonymous visitors from the cache.

    `scopes(**view_kwargs)` names the scopes the page depends on (the site scope is
    always added). A view may set `response.changes_at` to the moment its page changes
    without any write (the next phase of a jam); the copy is not served after it.
    Signed-in people get the view itself, which caches only its public fragments.
    Every page answers conditional GETs with an ETag of its content.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _shares_nothing_personal(request):
                return view(request, *args, **kwargs)
            key = _page_key(request, versions_get([*scopes(**kwargs), SITE]))
            page = cache.get(key)
            if page is None or (page.expires_at is not None and timezone.now() >= page.expires_at):
                response = view(request, *args, **kwargs)
                page = _store(request, key, response)
                if page is None:
                    return response
            response = HttpResponse(page.content, content_type=page.content_type)
            response["ETag"] = page.etag
            # Browsers and proxies may keep a copy but must ask (a cheap 304) before using it.
            patch_cache_control(response, no_cache=True, public=True)
            patch_vary_headers(response, ["Cookie"])
            return get_conditional_response(request, etag=page.etag, response=response)

        return wrapper

    return decorator


def _store(request: HttpRequest, key: str, response: HttpResponse) -> CachedPage | None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None  # the page carries this visitor's CSRF token
    expires_at = getattr(response, "changes_at", None)
    timeout = 86_400
    if expires_at is not None:
        timeout = max(1, min(timeout, int((expires_at - timezone.now()).total_seconds()) + 1))
    content = response.content
    etag = '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'
    page = CachedPage(content, response["Content-Type"], etag, expires_at)
    cache.set(key, page, timeout)
    return page
