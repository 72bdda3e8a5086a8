from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .cache import HOME, SITE, versions_bump


class AdminWritesMarkPagesStale:
    """A change an organizer makes in the admin can touch any public page (a jam and its
    inlines, sign-ups, entries, testimonials, names): after every admin POST that did not
    fail, all cached pages are marked stale. Organizers' writes are rare, so one version
    for all of them costs nothing worth the bookkeeping of finer ones, and none is missed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "POST" and response.status_code < 400:
            if self.admin_prefix is None:
                self.admin_prefix = reverse("admin:index")
            if request.path.startswith(self.admin_prefix):
                versions_bump([SITE, HOME])
        return response
