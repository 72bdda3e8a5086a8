"""The web worker's warm-up (hackathon/warmup.py, gunicorn's post_worker_init) loads what a
first submission would, without talking to the broker. Run in a fresh interpreter, as a
worker starts: sys.modules there is what the warm-up loaded."""

from __future__ import annotations

import json
import socket
import sys

from tests.services import free_port
from tests.test_settings import run

PROBE = """
import json, sys, time, django
django.setup()
from hackathon.warmup import warm_up
started = time.monotonic()
warm_up()
print(json.dumps({"seconds": time.monotonic() - started, "modules": sorted(sys.modules)}))
"""

# What the first POST of the entry form loaded on every worker before (make bench's
# per-request module log): the outbox's task and Celery's message building; what the first
# jam page loaded: the Markdown extensions and the highlighter; the first signed-in request:
# the session serializer, message storages and context processors.
FIRST_REQUEST_MODULES = (
    "outbox.tasks",
    "celery.app.amqp",
    "celery.canvas",
    "celery.events.dispatcher",
    "kombu.transport.redis",
    "markdown.extensions.tables",
    "pygments.lexers",
    "django.contrib.sessions.serializers",
    "django.contrib.messages.storage.cookie",
    "django.template.context_processors",
)


def test_warm_up_loads_what_first_requests_would_and_never_touches_the_broker():
    # A port where nothing listens: any connection attempt would fail (and log) or hang.
    port = free_port()
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))  # held but not listening: connects are refused
    try:
        broker = f"redis://127.0.0.1:{port}/0"
        result = run([sys.executable, "-c", PROBE], CELERY_BROKER_URL=broker, SECRET_KEY="x" * 50)
    finally:
        listener.close()
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1])["modules"])
    missing = [name for name in FIRST_REQUEST_MODULES if name not in loaded]
    assert not missing
    assert "Could not" not in result.stderr and "Error" not in result.stderr
