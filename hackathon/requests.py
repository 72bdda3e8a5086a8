"""Requests that can't half-save: a body that did not arrive whole, or text PostgreSQL
can't store, is refused before any view acts on it.

A client that promises `Content-Length: N` and sends less (an upload cut off halfway, a
connection dropped, a lie) leaves Django's parsers with what did arrive, silently: the
multipart parser keeps the fields before the cut and drops the rest, so an edit would be
saved with its later fields blank. Here the bytes that arrive are counted, and a form
whose body came up short is a 400 before its view runs.

U+0000 can't be stored in PostgreSQL text, so a NUL anywhere a view might take to the
database (the address, its query, a cookie such as the session's, a header, a form
value) is a 400 too, instead of a 500 from the database driver.

Only bodies Django parses for views (forms: urlencoded and multipart) are counted; a view
reading another kind of body itself is not covered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .text import has_nul

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

INCOMPLETE_MESSAGE = (
    "Your browser sent only part of this form ({received:,} of {expected:,} bytes): the connection "
    "was probably cut off. Nothing was saved. Please go back and send it again."
)
NUL_MESSAGE = (
    "This request contains a NUL character (%00 or \\0), which nothing on this site accepts, so it was not acted on."
)


class _CountingStream:
    """The request's body stream, counting the bytes that arrive."""

    def __init__(self, stream):
        self._stream = stream
        self.received = 0

    def read(self, *args) -> bytes:
        data = self._stream.read(*args)
        self.received += len(data)
        return data

    def readline(self, *args) -> bytes:
        line = self._stream.readline(*args)
        self.received += len(line)
        return line

    def close(self) -> None:
        self._stream.close()


def refused(request: HttpRequest, *, status: int, title: str, message: str, safe: bool = True) -> HttpResponse:
    """A short page saying why a request was refused. `safe=False` when the request
    itself can't be trusted to load its session (a NUL in a cookie): shown as signed out."""
    context = {"title": title, "message": message, "back": request.path if safe else "/"}
    if not safe:
        context["user"] = AnonymousUser()
    return render(request, "request_refused.html", context, status=status)


def content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _has_body(request: HttpRequest) -> bool:
    return request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and content_length(request) > 0


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in FORM_TYPES


class WholeRequestMiddleware:
    """After AuthenticationMiddleware and CsrfViewMiddleware: the address, cookies and
    headers are checked before anything loads the session; the form is checked in
    `process_view`, once URL resolution found a view (so a 404 never reads a body) and
    after the CSRF check, which reads the same form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _address_has_nul(request):
            return refused(request, status=400, title="Bad request", message=NUL_MESSAGE, safe=False)
        if _has_body(request) and _is_form(request):
            request._body_counter = _CountingStream(request._stream)
            request._stream = request._body_counter
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        counter = getattr(request, "_body_counter", None)
        if counter is None:
            return None
        # Parse now: every form field and file, or the cut. OSError: the connection broke
        # while the body was read, which the count below tells.
        with contextlib.suppress(OSError):
            request.POST  # noqa: B018
        expected = content_length(request)
        if counter.received < expected:
            message = INCOMPLETE_MESSAGE.format(received=counter.received, expected=expected)
            return refused(request, status=400, title="The form didn't arrive whole", message=message)
        if _form_has_nul(request):
            return refused(request, status=400, title="Bad request", message=NUL_MESSAGE)
        return None


def _address_has_nul(request: HttpRequest) -> bool:
    headers = (value for name, value in request.META.items() if name.startswith("HTTP_") and isinstance(value, str))
    return (
        has_nul(request.path)
        or _any_nul(request.GET.lists())
        or _any_nul(request.COOKIES.items())
        or any(has_nul(value) for value in headers)
    )


def _form_has_nul(request: HttpRequest) -> bool:
    # Uploaded files' names need no check: Django's parser drops unprintable characters.
    return _any_nul(request.POST.lists())


def _any_nul(pairs: Iterable[tuple[str, str | list[str]]]) -> bool:
    for key, values in pairs:
        if has_nul(key) or any(has_nul(value) for value in ([values] if isinstance(values, str) else values)):
            return True
    return False
