"""The baseline: a single-file Django app whose one view returns "Hello, world".

Served by the same gunicorn binary with the same gunicorn.conf.py as the app, so the
ratio of a page's throughput to this one's says what the page itself costs:
`gunicorn -c gunicorn.conf.py tests.bench.hello:application`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="hello-world-baseline-signs-nothing",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
)


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("", hello)]

application = get_wsgi_application()
