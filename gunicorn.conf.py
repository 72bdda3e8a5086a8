"""Gunicorn settings for the web process: `gunicorn -c gunicorn.conf.py hackathon.wsgi`.

Sized from the machine's CPU count; each value can be overridden from the environment
(GUNICORN_WORKERS, GUNICORN_THREADS, ...) without editing this file. `make bench` runs
both the app and its hello-world baseline with this file.
"""

from __future__ import annotations

import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# The CPUs this process may run on (a container's cpuset), not every CPU of the host.
_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# 2 x CPUs + 1 processes, the usual rule, capped so a large host does not start dozens of
# copies of Django (each ~60-90 MB). Threads let a worker keep serving while one request
# waits on PostgreSQL, Redis or S3, and make keep-alive connections possible (the sync
# worker closes every connection after one response).
workers = _env_int("GUNICORN_WORKERS", min(2 * _cpus + 1, 12))
threads = _env_int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"

# A request running longer than this is killed with its worker: no page should take 30 s,
# and uploads go straight to S3, not through us. On SIGTERM, workers get as long to finish
# what they are serving.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive connections are held this long; a proxy in front usually reuses them.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)

# Recycle each worker after about this many requests, so a slow leak cannot grow without
# bound; the jitter keeps the workers from all restarting at once. 0 turns it off.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", max(max_requests // 10, 0))

# The heartbeat file lives in memory: a container's overlay filesystem can stall it
# long enough for the arbiter to kill healthy workers.
# gunicorn's own temporary files, which only this process writes: not a shared-tmp risk.
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Errors always go to stderr; the access log (one line per request, to stdout) is opt-in
# with GUNICORN_ACCESS_LOG=1, since a proxy in front usually logs requests already.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in ("1", "true", "yes", "on"):
    accesslog = "-"


def on_starting(server):
    """With S3 (a bucket named), parse botocore's data for S3 clients once, here in the
    master: the forked workers share it copy-on-write instead of each parsing its own
    (about 11 MB) on its first S3 call. See hackathon/storage.py."""
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        return
    try:
        from hackathon.storage import botocore_preload

        botocore_preload()
    except Exception as error:  # noqa: BLE001 - only an optimisation: workers load it themselves
        server.log.warning("Could not preload botocore's S3 data: %s", error)


def post_worker_init(worker):
    """Set up, before the first request, what each worker sets up once anyway
    (hackathon/warmup.py): a surge then finds every worker ready."""
    try:
        from hackathon.warmup import warm_up

        warm_up()
    except Exception as error:  # noqa: BLE001 - only an optimisation: requests set it up themselves
        worker.log.warning("Could not warm the worker up: %s", error)
