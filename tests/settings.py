"""Test settings: the app's own settings, read from the same environment, plus what only
tests want. Variables are set before importing them so the settings module sees them."""

import os
import uuid

# Playwright's sync API leaves an asyncio loop running in the main thread; without this the
# ORM refuses every call made while a browser test runs.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
# Tasks run in-process unless a test starts a real worker (tests/services.py), which
# switches the Celery app to the broker below. The queue name is this run's own, so a
# worker left from another run never takes our tasks.
# Celery reads CELERY_BROKER_URL from the environment before its own config, so it is
# taken out of the environment and handed over as a setting the tests can switch.
_broker_url = os.environ.pop("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"tests-{uuid.uuid4().hex[:12]}")

from hackathon.settings import *  # noqa: E402, F403

CELERY_BROKER_URL = _broker_url
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Per test run (two runs may share a checkout): uploads, and the SQLite test database,
# which is a file rather than SQLite's in-memory default so a Celery worker process can
# open it too.
(BASE_DIR / "test-artifacts").mkdir(exist_ok=True)  # noqa: F405
MEDIA_ROOT = BASE_DIR / "test-artifacts" / f"media-{os.getpid()}"  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-artifacts" / f"test-db-{os.getpid()}.sqlite3")}  # noqa: F405
STORAGES["default"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT, "base_url": "/media/"},
}
STORAGES["public"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT / "public", "base_url": "/media/public/"},
}
# Serve static files from the app folders, as in development: no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
