"""Limits on guessing and on mass sign-ups: log-in failures per account and per address
(django-axes, with the handler below), and a count of sign-ups and password-reset
requests per address (a small counter in Django's cache).

- An account is locked after AXES_FAILURE_LIMIT wrong passwords, an address (the
  client's IP) after LOGIN_ADDRESS_FAILURE_LIMIT on any accounts: higher, since a venue's
  network puts a whole hackathon behind one address. Each lock lasts AXES_COOLOFF_TIME
  from the last failure; while it lasts even the right password is refused (429).
- A successful log-in clears its account's count (not the address's: logging in to one's
  own account must not wipe the count of guesses at others'). Setting a new password
  from the emailed link clears it too: a locked-out person can always reset.
- Sign-ups and reset requests are counted per address (SIGNUP_RATE_LIMIT,
  PASSWORD_RESET_RATE_LIMIT); over the limit the form says so (429) and keeps what was
  typed, or, from a form whose view does not catch `Throttled`, a 429 page says it.

The counts live in the default cache (Redis in production: shared by every worker, and
gone by themselves when they expire); no table is needed.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cache, make_cache_key_list
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def locked_message() -> str:
    return f"Too many attempts. Try again in {_minutes(cool_off_seconds())}, or reset your password."


class Throttled(Exception):
    """Too many requests of one kind from one address (or at one account) for now."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


# Who is asking --------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies (nginx in
    docker-compose.yml), the address the nearest of them saw, from the right of
    X-Forwarded-For (each proxy appends the address it saw; what the client wrote
    itself is further left and is not believed); otherwise the connection's own."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def account_key(username: str | None) -> str:
    """What an account's failures are counted under: the address as accounts are found by
    it (case-insensitively: `Ann@x` and `ann@x` are one account, and one count), marked
    as an account's. Axes keys each count by the bare value, so without the mark an
    attacker logging in as "203.0.113.9" would count failures against that IP address."""
    return "account:" + (username or "").strip().lower()


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the account a log-in attempt is counted against."""
    value = credentials.get("username") if credentials else getattr(request, "POST", {}).get("username")
    return account_key(value)


# Log-in failures (django-axes) ------------------------------------------------------------


class LoginLimitBackend(AxesStandaloneBackend):
    """Axes's gate, first in AUTHENTICATION_BACKENDS: refuses every log-in, the right
    password included, while the account or the address is locked. A call without a
    request is no web log-in (the shell, a management command, a test client's `login`)
    and has no address to count by: it is let through to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AccountAndAddressHandler(AxesCacheHandler):
    """Axes's cache handler, with one limit per account and a higher one per address
    (axes has one limit for both), and a successful log-in clearing only its account's
    count. The cache is looked up at each use, so a test's CACHES setting holds."""

    def __init__(self):  # axes's keeps the cache object from when it was made
        pass

    @property
    def cache(self):
        return get_cache()

    def _counts(self, request, credentials: dict | None) -> tuple[int, int]:
        username = login_username(request, credentials)
        address = request.axes_ip_address or ""
        account_key, address_key = make_cache_key_list([{"username": username}, {"ip_address": address}])
        return self.cache.get(account_key, 0), self.cache.get(address_key, 0)

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        account, address = self._counts(request, credentials)
        return account >= settings.AXES_FAILURE_LIMIT or address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None:
            # Axes locks when either count reaches one limit; ours differ.
            request.axes_locked_out = self.is_locked(request, credentials)

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        login_failures_clear(username=user.get_username())

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        # `manage.py axes_reset_username Ann@Example.com` too.
        username = account_key(username) if username is not None else None
        return super().reset_attempts(ip_address=ip_address, username=username, ip_or_username=ip_or_username)


def login_failures_clear(*, username: str) -> None:
    """Forget an account's failed log-ins (its lock too); its addresses' counts stay."""
    AxesProxyHandler.reset_attempts(username=username)


def login_locked(request: HttpRequest, *, username: str) -> bool:
    """Whether log-ins to this account, or from this address, are refused for now."""
    return not AxesProxyHandler.is_allowed(request, {"username": username})


class LockedOutLoginForm(AuthenticationForm):
    """The log-in form as typed, refused with the lock's message: it does not try the
    password (which would count another failure)."""

    def clean(self):
        raise forms.ValidationError(locked_message(), code="locked")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the log-in page again, with the address typed and the
    lock's message, 429."""
    data = request.POST if request.method == "POST" else None
    context = {"form": LockedOutLoginForm(request, data=data), "next": request.POST.get("next", "")}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(cool_off_seconds())
    return response


def signup_authenticate(request: HttpRequest | None, *, email: str, password: str):
    """A sign-up form's password tried on the account its address has, counted as a
    log-in (so the form is no way round the limits). The failure that locks does not
    answer differently here: the form says the same whether the address has an account,
    and the lock is felt at the next sign-up, whether the address has one or not
    (signup_check)."""
    user = authenticate(request, username=email, password=password)
    if request is not None:
        request.axes_locked_out = False
    return user


# Sign-ups and reset requests, per address --------------------------------------------------


def rate_hit(*, scope: str, key: str, count: int, per: timedelta) -> bool:
    """Count one more request of this kind from `key`; whether it is within `count` per
    `per`. The window starts at the first request."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"throttle:{scope}:{digest}"
    seconds = int(per.total_seconds())
    if cache.add(cache_key, 1, timeout=seconds):
        return True
    try:
        made = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(cache_key, 1, timeout=seconds)
        return True
    return made <= count


def _rate_check(request: HttpRequest, *, scope: str, limit: tuple[int, timedelta], what: str) -> None:
    count, per = limit
    if not rate_hit(scope=scope, key=client_ip(request), count=count, per=per):
        seconds = int(per.total_seconds())
        raise Throttled(f"Too many {what} from your network. Try again in {_minutes(seconds)}.", retry_after=seconds)


def signup_check(request: HttpRequest | None, *, email: str) -> None:
    """Raise Throttled when this address has made too many sign-ups lately, or when
    log-ins to `email` or from this address are locked (the same answer whether `email`
    has an account or not)."""
    if request is None:
        return
    _rate_check(request, scope="signup", limit=settings.SIGNUP_RATE_LIMIT, what="sign-ups")
    if login_locked(request, username=email):
        raise Throttled(locked_message(), retry_after=cool_off_seconds())


def password_reset_check(request: HttpRequest) -> None:
    """Raise Throttled when this address has asked for too many reset links lately."""
    limit = settings.PASSWORD_RESET_RATE_LIMIT
    _rate_check(request, scope="password-reset", limit=limit, what="password-reset requests")


def throttled_response(response: HttpResponse, throttled: Throttled) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(throttled.retry_after)
    return response


class ThrottledMiddleware:
    """A `Throttled` no view caught (a sign-up inside another form): a 429 page that says
    why and when to try again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Throttled):
            return None
        response = render(request, "accounts/throttled.html", {"message": exception.message})
        return throttled_response(response, exception)
