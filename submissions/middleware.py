"""The upload views refuse by who asks and by the size they announce, before any byte of
the body is read: an anonymous visitor's 60 MB never reaches a temporary file.

Django writes a multipart body's files to disk as soon as anything reads the form (the
CSRF check does, before the view's own log-in check). So for the views that take files
this middleware, placed after AuthenticationMiddleware, answers first: not signed in, the
entry form sends the person to log in and the presign endpoint says 403; a
`Content-Length` over the view's limit is a 413. The session comes from its cookie, the
size from the header: neither touches the body. (A proxy in front may refuse earlier;
this holds without one.)
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from hackathon.requests import content_length, refused

from .uploads import MAX_UPLOAD_BYTES, human_size

# The entry form may carry the slides and the project image, each up to 10 MB, through
# the server (local storage, or a browser without direct upload), plus its text fields
# and the multipart framing: 1 MB is far above what those take.
ENTRY_FORM_MAX_BYTES = 2 * MAX_UPLOAD_BYTES + 1024 * 1024
# The presign request names a file; the file itself goes to S3.
PRESIGN_MAX_BYTES = 16 * 1024

LIMITS = {
    "submissions:submit": ENTRY_FORM_MAX_BYTES,
    "submissions:upload_presign": PRESIGN_MAX_BYTES,
}
JSON_VIEWS = {"submissions:upload_presign"}


class UploadGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view_name = _upload_view(request)
        if view_name is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return _log_in_first(request, view_name)
        size, limit = content_length(request), LIMITS[view_name]
        if size > limit:
            return _too_large(request, view_name, size, limit)
        return self.get_response(request)


def _upload_view(request: HttpRequest) -> str | None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return None
    return view_name if view_name in LIMITS else None


def _log_in_first(request: HttpRequest, view_name: str) -> HttpResponse:
    if view_name in JSON_VIEWS:
        return JsonResponse({"error": "Please log in to upload files."}, status=403)
    return redirect_to_login(request.get_full_path())


def _too_large(request: HttpRequest, view_name: str, size: int, limit: int) -> HttpResponse:
    if view_name in JSON_VIEWS:
        return JsonResponse({"error": f"This request is {human_size(size)}; at most {human_size(limit)}."}, status=413)
    message = (
        f"This form was {human_size(size)}, more than the {human_size(limit)} a save can carry: "
        "slides and the project image may be up to 10 MB each. Nothing was saved. "
        "Please go back and pick smaller files."
    )
    return refused(request, status=413, title="Those files are too large", message=message)
