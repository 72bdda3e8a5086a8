"""What a web worker sets up once, done when it starts rather than on its first requests
(gunicorn's post_worker_init, gunicorn.conf.py).

Each of these happens once per process whatever the traffic: the URLconf and the modules
it imports (the API's schemas, the feeds), the S3 clients (hackathon/storage.py), Celery's
Redis transport for the outbox's publishing, the templates of the busiest pages and the
password validators' word list. Done lazily, they all land in the first seconds of a
deadline surge, on every worker at once; done here, a worker is ready before it takes a
request, and what a surge costs is what the requests themselves cost (`make bench`).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

TEMPLATES = (
    "base.html",
    "jams/jam_detail.html",
    "submissions/entry_form.html",
    "submissions/entry_list.html",
    "submissions/entry_detail.html",
)


def warm_up() -> None:
    from django.conf import settings
    from django.contrib.auth.password_validation import get_default_password_validators
    from django.core.files.storage import storages
    from django.template.loader import get_template
    from django.urls import get_resolver

    from jams.markdown import render_markdown

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    for name in TEMPLATES:
        get_template(name)
    get_default_password_validators()
    if settings.AWS_STORAGE_BUCKET_NAME:
        from hackathon.storage import S3Storage, s3_client

        for alias in ("default", "public"):
            storage = storages[alias]
            if isinstance(storage, S3Storage):
                s3_client(storage)
    render_markdown("Warm *up*:\n\n```python\nx = 1\n```\n\n| a |\n|---|\n| b |\n")
    _request_machinery()
    _celery_publishing()


def _request_machinery() -> None:
    """What a signed-in request loads the first time: the authentication backends, the
    session serializer, the message storages, the context processors, the formats."""
    from django.conf import settings
    from django.contrib.auth import get_backends
    from django.template import engines
    from django.utils import formats
    from django.utils.module_loading import import_string

    get_backends()
    import_string(settings.SESSION_SERIALIZER)
    import_string(settings.MESSAGE_STORAGE)
    # The fallback storage's parts.
    import_string("django.contrib.messages.storage.cookie.CookieStorage")
    import_string("django.contrib.messages.storage.session.SessionStorage")

    for engine in engines.all():
        getattr(engine, "engine", engine).template_context_processors  # noqa: B018
    formats.get_format("DATETIME_FORMAT")


def _celery_publishing() -> None:
    """What the outbox's first publish would load: the task module, Celery's message
    building (its amqp and events parts) and the broker's transport. A message is built,
    not sent: nothing talks to the broker here."""
    from django.conf import settings

    from hackathon.celery import app
    from outbox.tasks import outbox_item_run_task

    app.amqp.as_task_v2("00000000-0000-0000-0000-000000000000", outbox_item_run_task.name, kwargs={"item_id": 0})
    app.amqp.router  # noqa: B018
    # The event dispatcher a publish builds (disabled, as task events are off), and the
    # receiver module celery.events brings with it.
    app.events.Dispatcher  # noqa: B018
    app.events.Receiver  # noqa: B018
    from kombu.utils import limits  # noqa: F401 - the producer's rate limits, the same

    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        import kombu.transport.redis  # noqa: F401 - the outbox's publishing loads it on first use
