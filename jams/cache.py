"""Versioned cache keys for the public pages.

Every cached copy is tied to the current version of each scope it depends on: a fragment
by a key that includes them, a whole page by carrying them (so one round trip fetches the
versions and the copy together). A write that changes what a page shows bumps its
scopes' versions once its transaction commits, so the very next request misses and
renders afresh; stale copies are never served again and age out of the cache on their
own. Nothing here guesses with time-outs.

Scopes:
- ``jam:<slug>``: everything one jam's pages show (the jam, its resources and speakers,
  sign-ups, teams' entries, thumbnails, judging results);
- ``home``: the list of jams on the home page (bumped with every jam's scope);
- ``site``: what pages show beyond their own jam, such as the testimonials (a jam's,
  its host's, the site's on the home page).

A version lives in the cache itself, with no expiry. If it is ever evicted, a fresh
random version takes its place: that can only cause a miss, never a stale hit.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import get_path_info
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags

from hackathon.cache import (
    VERSION_PREFIX,
    versions_bump,
    versions_get,
    versions_token,
)


def jam_scope(slug: str) -> str:
    # By slug, the part of the URL a request knows before any query.
    return f"jam:{slug}"


HOME = "home"
SITE = "site"


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


# Whole pages for anonymous visitors ------------------------------------------------------


# Bumped whenever CachedCopy or CachedPage changes (every key names it), so a release
# never reads another release's copies.
PAGE_FORMAT = 5


@dataclass(frozen=True)
class CachedCopy:
    """A page or a part of one, with the versions it was made under."""

    body: bytes | str
    versions: str  # the token of the scopes' versions it was made under
    expires_at: datetime | None = None  # the next moment it changes by itself (a phase)

    def current(self, token: str) -> bool:
        return self.versions == token and (self.expires_at is None or timezone.now() < self.expires_at)


@dataclass(frozen=True)
class CachedPage(CachedCopy):
    """A whole response: its body and the headers the full stack gave it."""

    headers: tuple[tuple[str, str], ...] = ()
    etag: str = ""


def public_page(scopes: Callable[..., Iterable[str]]) -> Callable:
    """Mark a view as a public page that PublicPageCacheMiddleware may serve from the cache.

    `scopes(**view_kwargs)` names the scopes the page depends on (the site scope is
    always added). A view may set `response.changes_at` to the moment its page changes
    without any write (the next phase of a jam); the copy is not served after it.
    """

    def decorator(view):
        view.public_page_scopes = scopes
        return view

    return decorator


class PublicPageCacheMiddleware:
    """Anonymous visitors' public pages, whole, from the cache. The first middleware, so a
    page is stored with every header the others add, and a hit skips sessions, CSRF,
    authentication and the view. (In production `PublicPageWSGICache` answers hits even
    before Django builds a request; this middleware then only stores what it missed.)

    A request counts as anonymous only when it carries neither a session cookie nor a
    messages cookie: nothing about the visitor can then be on the page. A page is stored
    only when it set no cookie (a page carrying a CSRF token sets one) and answered 200.
    Every page answers conditional GETs with an ETag of its content. Signed-in people get
    the view itself, which caches only its public fragments.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = request.META.get(LOOKED_UP) or page_lookup(request.META)
        if found is None:
            return self.get_response(request)
        key, token, page = found
        if page is None:
            response = self.get_response(request)
            page = _store(key, token, response)
            if page is None:
                return response
        response = HttpResponse(page.body)
        for header, value in page.headers:
            response[header] = value
        return get_conditional_response(request, etag=page.etag, response=response)


class PublicPageWSGICache:
    """The same pages, answered at the WSGI layer (hackathon/wsgi.py): a hit never reaches
    Django's handler. What misses goes on to Django, where PublicPageCacheMiddleware
    stores it, told what was looked up so it does not ask the cache again."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        found = page_lookup(environ)
        if found is None:
            return self.application(environ, start_response)
        page = found[2]
        if page is None:
            environ[LOOKED_UP] = found
            return self.application(environ, start_response)
        headers = list(page.headers)
        if _etag_matches(environ.get("HTTP_IF_NONE_MATCH", ""), page.etag):
            kept = {"etag", "cache-control", "vary", "expires"}
            start_response("304 Not Modified", [(n, v) for n, v in headers if n.lower() in kept])
            return [b""]
        headers.append(("Content-Length", str(len(page.body))))
        start_response("200 OK", headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else page.body]


# Set in the WSGI environ by PublicPageWSGICache when it looked a page up and missed.
LOOKED_UP = "jams.public_page"


def page_lookup(environ: dict) -> tuple[str, str, CachedPage | None] | None:
    """(key, versions token, current copy or None) for a request that may get, and give,
    the page everyone sees; None for any other request."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    try:
        match = resolve(get_path_info(environ))
    except Resolver404:
        return None
    scopes = getattr(match.func, "public_page_scopes", None)
    if scopes is None:
        return None
    key = _page_key(environ)
    token, page = versions_and_copy([*scopes(**match.kwargs), SITE], key)
    return key, token, page if isinstance(page, CachedPage) else None


def _page_key(environ: dict) -> str:
    """Per scheme, host, path and query (in a fixed order): never per visitor."""
    query = urlencode(sorted(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)))
    scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    raw = f"{scheme}://{host}{environ.get('PATH_INFO', '')}?{query}"
    return f"page:{PAGE_FORMAT}:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _etag_matches(header: str, etag: str) -> bool:
    if not header:
        return False
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in tags or etag in tags


class _LocalCopies:
    """The copies this process served lately, by key, up to a total size: a hit then asks
    Redis only for the versions (a few bytes), not for the page again. A local copy is
    served only under the versions it names, exactly like one from Redis."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self.copies: OrderedDict[str, CachedCopy] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> CachedCopy | None:
        with self.lock:
            copy = self.copies.get(key)
            if copy is not None:
                self.copies.move_to_end(key)
            return copy

    def put(self, key: str, copy: CachedCopy) -> None:
        if len(copy.body) > self.max_bytes // 8:
            return  # one huge page must not push out everything else
        with self.lock:
            old = self.copies.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.copies[key] = copy
            self.size += len(copy.body)
            while self.size > self.max_bytes:
                _, dropped = self.copies.popitem(last=False)
                self.size -= len(dropped.body)


_local = _LocalCopies(max_bytes=32 * 1024 * 1024)


def versions_and_copy(scopes: list[str], key: str) -> tuple[str, CachedCopy | None]:
    """The token of the scopes' current versions, and the copy kept under `key` if it is
    current: made under that same token and not past its expiry. The versions come from
    the shared cache on every call; the copy from this process's memory when it has that
    one, else from the shared cache."""
    version_keys = [VERSION_PREFIX + scope for scope in scopes]
    found = cache.get_many(version_keys)
    if not all(k in found for k in version_keys):
        return versions_token(versions_get(scopes)), None  # a version never set, or evicted
    token = versions_token({k.removeprefix(VERSION_PREFIX): found[k] for k in version_keys})
    copy = _local.get(key)
    if copy is not None and copy.current(token):
        return token, copy
    copy = cache.get(key)
    if not isinstance(copy, CachedCopy) or not copy.current(token):
        return token, None
    _local.put(key, copy)
    return token, copy


def copy_store(key: str, copy: CachedCopy) -> None:
    """Keep a copy in the shared cache, until it expires (a day at most), and in this
    process."""
    timeout = 86_400
    if copy.expires_at is not None:
        timeout = max(1, min(timeout, int((copy.expires_at - timezone.now()).total_seconds()) + 1))
    cache.set(key, copy, timeout)
    _local.put(key, copy)


# Headers that belong to one response, not to the page.
_NOT_STORED = {"content-length", "date", "set-cookie"}


def _store(key: str, versions: str, response: HttpResponse) -> CachedPage | None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    content = response.content
    etag = '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'
    response["ETag"] = etag
    # Browsers and proxies may keep a copy but must ask (a cheap 304) before using it.
    patch_cache_control(response, no_cache=True, public=True)
    patch_vary_headers(response, ["Cookie"])
    headers = tuple((name, value) for name, value in response.items() if name.lower() not in _NOT_STORED)
    page = CachedPage(content, versions, getattr(response, "changes_at", None), headers=headers, etag=etag)
    copy_store(key, page)
    return page
