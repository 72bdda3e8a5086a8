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
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        import kombu.transport.redis  # noqa: F401 - the outbox's publishing loads it on first use
