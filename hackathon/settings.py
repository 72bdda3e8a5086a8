"""One settings module for every place the app runs.

Each part has an embedded default that needs nothing installed (SQLite, files on local
disk, Celery tasks run in-process, email to the console); an environment variable
switches it to the real service. The README lists the variables.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# The key signs sessions, password-reset and verification links: a default one is public
# (it is in this file), so with DEBUG off the app refuses to start without its own.
DEVELOPMENT_SECRET_KEY = "django-insecure-local-development-key-never-used-in-production"
SECRET_KEY = env("SECRET_KEY", default="") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off the app will not start on the public development "
        "key: set SECRET_KEY in the environment to a long random value, for example the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))', and keep it secret."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links in emails and calendar files; requests use their own host.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The admin, for staff with a verified email address (accounts/admin_site.py).
    "accounts.admin_site.VerifiedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    # Log-in limits (accounts/throttling.py).
    "axes",
    "accounts",
    "outbox",
    "jams",
    "submissions",
    "judging",
    # Organizers' announcements to an audience of one jam: above judging, as its audiences
    # read jams, submissions and judging (tests/test_dependencies.py).
    "mailings",
    "demo",
]

MIDDLEWARE = [
    # First, so a cached page keeps every header the others add (jams/cache.py).
    "jams.cache.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after, as whitenoise asks: nothing below is for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy (below), with the file store's origin (hackathon/csp.py).
    "hackathon.csp.StorageAwareCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL in the address or a cookie, a form body that did not arrive whole or with a
    # NUL in it: 400 before any view (hackathon/requests.py).
    "hackathon.requests.WholeRequestMiddleware",
    # The upload views: log-in and size checked before the body is read (submissions/middleware.py).
    "submissions.middleware.UploadGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jams.middleware.AdminWritesMarkPagesStale",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: a locked log-in's answer (429), and a sign-up or password reset
    # refused for too many from one address (accounts/throttling.py).
    "accounts.throttling.ThrottledMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hackathon.urls"
WSGI_APPLICATION = "hackathon.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write (web threads, a Celery worker): take the write lock when a
    # transaction starts, so two of them never deadlock upgrading a read lock, and wait
    # for it rather than fail at once. WAL lets readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Links typed without a scheme are taken as https (the Django 6 default).
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every log-in while the account or the address is locked.
    "accounts.throttling.LoginLimitBackend",
    "accounts.backends.UserBackend",
    # Sessions made before UserBackend name this one; it reads the same users.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Proxies in front that append the client's address to X-Forwarded-For (nginx in
# docker-compose.yml: 1). The log-in limits count by the address the nearest one saw;
# with 0 (nothing in front, `make run`) by the connection's own.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Log-in limits (django-axes, accounts/throttling.py): an account locks after 5 wrong
# passwords, an address after 30 on any accounts (a venue's network puts a whole jam
# behind one), each for 15 minutes after the last failure; even the right password is
# refused meanwhile (429), and a new password from the emailed link unlocks the account.
# The counts are in the default cache: shared Redis in production (CACHE_URL), no table.
AXES_HANDLER = "accounts.throttling.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_USERNAME_FORM_FIELD = "username"  # the log-in form's field and authenticate()'s argument
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = False  # the handler clears the account's count, not the address's
AXES_ENABLE_ADMIN = False  # its admin lists the database handler's rows; we keep none
# Sign-ups and password-reset requests per address: (how many, in what window).
SIGNUP_RATE_LIMIT = (env.int("SIGNUP_RATE_LIMIT", default=20), timedelta(minutes=15))
PASSWORD_RESET_RATE_LIMIT = (env.int("PASSWORD_RESET_RATE_LIMIT", default=10), timedelta(minutes=15))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# 24 h, with the zone, wherever Django formats a time itself (the admin's lists and
# read-only fields): hackathon/formats/en/formats.py.
FORMAT_MODULE_PATH = ["hackathon.formats"]

# Files. Static files are served by whitenoise; uploads go to the default storage:
# S3 through django-storages when a bucket is named, else a folder on local disk.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "hackathon.storage.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default="us-east-1"),
            "signature_version": "s3v4",
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
            # S3Storage stores objects with the type found in their content (never the
            # uploader's), non-pictures as attachments, and this storage's objects with
            # `Cache-Control: private, max-age=<querystring_expire>` (hackathon/storage.py).
            # Every S3 call gives up after at most 2 x 10 s (a hung S3): under gunicorn's
            # 30 s worker time-out, so the entry form answers 503 and keeps what was typed.
            "connect_timeout": env.float("AWS_S3_CONNECT_TIMEOUT", default=3),
            "read_timeout": env.float("AWS_S3_READ_TIMEOUT", default=10),
            "max_attempts": env.int("AWS_S3_MAX_ATTEMPTS", default=2),
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
# Thumbnails of submitted entries: a second storage whose URLs are stable and unsigned,
# so browsers and CDNs keep them (names are never reused: a new image makes new names).
# On S3 the same bucket under public/, public-read; locally media/public/, which the
# development server serves under MEDIA_URL. Everything else stays private (entry_file).
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
if AWS_STORAGE_BUCKET_NAME:
    PUBLIC_STORAGE = {
        "BACKEND": "hackathon.storage.S3Storage",
        "OPTIONS": {
            **DEFAULT_STORAGE["OPTIONS"],
            "location": "public",
            "default_acl": "public-read",
            "querystring_auth": False,
            "object_parameters": {"CacheControl": PUBLIC_CACHE_CONTROL},
            "custom_domain": env("AWS_S3_PUBLIC_DOMAIN", default=None),
        },
    }
else:
    PUBLIC_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": f"{MEDIA_ROOT}/public", "base_url": f"{MEDIA_URL}public/"},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "public": PUBLIC_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]

# Cache: Django's RedisCache when CACHE_URL (or REDIS_URL) names a Redis server, else
# memory local to each process. Public pages are cached under versioned keys that every
# write bumps (jams/cache.py); with more than one process (gunicorn workers, a Celery
# worker) the cache must be shared, so production sets CACHE_URL.
CACHE_URL = env("CACHE_URL", default="") or env("REDIS_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "hackathon.cache.ReusedClientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="hackathon"),
            "TIMEOUT": 86_400,
            # A Redis that hangs costs half a second, then the cache fails open to the
            # database for a few seconds (hackathon/cache.py).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions are read from the shared cache and written through to the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 86_400}}

# Celery: in-process unless a broker is named.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# A task is acknowledged when it ends, so one whose worker died is run again: every task
# is idempotent (they take ids; the outbox's run skips an item done or being done).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest tasks (an outbox job: a thumbnail, a slide page, a share card) take seconds.
# At the soft limit a task is interrupted (the outbox records the failure and retries it
# with back-off); at the hard limit its process is killed.
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_TIME_LIMIT = 120
# Redis gives a task taken but never acknowledged (its whole worker was killed) to another
# worker this long after it was taken: Redis's default is an hour. Just above the hard
# limit, so a task still running is never handed out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Requests queue their emails and file jobs through the outbox, whose publishing waits at
# most half a second on a broker that refuses or hangs (outbox/services.py).
CELERY_BEAT_SCHEDULE = {
    # What the outbox still owes: never queued (the broker was down), lost, or due a retry.
    "outbox-sweep": {"task": "outbox.tasks.outbox_sweep_task", "schedule": 30.0},
    "judging-open": {"task": "judging.tasks.judging_open_task", "schedule": 300.0},
    # Objects uploaded straight to S3 but never attached to an entry, after 24 h.
    "uploads-purge": {"task": "submissions.tasks.uploads_purge_task", "schedule": 3600.0},
}

# /healthz says only ok or fail (and 200 or 503) to the public; which service is down, and
# why, to staff and to a monitor sending `Authorization: Bearer <HEALTHZ_TOKEN>`.
HEALTHZ_TOKEN = env("HEALTHZ_TOKEN", default="")

# Email: the console unless EMAIL_URL names an SMTP server (smtp://host:port).
# django-environ's documented way to spread its dict into settings.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Alignment Jams <jams@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security: strict when DEBUG is off, so `manage.py check --deploy` is clean.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy (django-csp): our own scripts and styles only, never
# inline ones (templates carry no inline JS or CSS); frames only from the video players
# an entry may embed. The S3 store's origin is added to img-src and connect-src by
# hackathon/csp.py. The browser journeys fail on any violation (tests/e2e/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
