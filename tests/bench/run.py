"""`make bench`: the app's pages against a hello-world Django view on the same gunicorn.

Starts moto's S3 server, a fresh database (a new PostgreSQL database on the server named
by DATABASE_URL, dropped at the end, or a SQLite file), the app under gunicorn with the
repo's gunicorn.conf.py and DEBUG off, and tests/bench/hello.py under the same gunicorn
and config. Loads the bench data, counts each page's queries in-process, measures each
page in interleaved rounds (hello, page, hello, page ...), runs the upload surge, and
prints one table. Everything it started is stopped at the end, on Ctrl-C or on error.

Knobs: BENCH_SECONDS (per round, 5), BENCH_ROUNDS (3), BENCH_WARMUP (seconds, 1),
BENCH_LOADGEN (wrk or python; wrk when installed), BENCH_REDIS_URL (the Redis for the
cache, redis://127.0.0.1:6379/13; the run's keys carry its own prefix and are the only
ones it deletes), BENCH_SURGE (0 skips the upload surge),
BENCH_KEEP (1 keeps the temporary folder with the servers' logs), and gunicorn's own
GUNICORN_WORKERS / GUNICORN_THREADS.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests import services
from tests.bench import load

ROOT = services.ROOT
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
ANONYMOUS_TARGET = 0.50
SIGNED_IN_TARGET = 0.25
SURGE_MEMORY_TARGET_MB = 50


@dataclass
class Knobs:
    seconds: float
    rounds: int
    warmup: float
    loadgen: str
    redis_url: str
    surge: bool
    keep: bool

    @classmethod
    def from_env(cls) -> Knobs:
        return cls(
            seconds=float(os.environ.get("BENCH_SECONDS", "5")),
            rounds=int(os.environ.get("BENCH_ROUNDS", "3")),
            warmup=float(os.environ.get("BENCH_WARMUP", "1")),
            loadgen=os.environ.get("BENCH_LOADGEN") or load.generator_name(),
            redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
            surge=os.environ.get("BENCH_SURGE", "1") != "0",
            keep=os.environ.get("BENCH_KEEP") == "1",
        )


@dataclass
class Page:
    name: str
    path: str
    target: float | None  # None: a reference row, not a page with a target
    signed_in: bool = False  # as the bench's participant, with the session cookie
    queries: tuple[int, int] | None = None  # (warm, cold)
    rates: tuple[float, float] = (0.0, 0.0)  # (page, hello) mean req/s over the rounds
    errors: int = 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    knobs = Knobs.from_env()
    # Both stop the run through the same cleanup; SIGINT explicitly, since a shell starting
    # the bench in the background hands it SIGINT ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    with ExitStack() as stack:
        try:
            return _run(knobs, stack)
        except KeyboardInterrupt:
            print("\nInterrupted: stopping everything the bench started.", file=sys.stderr)
            return 130
        finally:
            print("Stopping the servers ...", file=sys.stderr)


def _run(knobs: Knobs, stack: ExitStack) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    if knobs.keep:
        _say(f"Working in {workdir} (kept: BENCH_KEEP=1)")
    else:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
    s3 = _start_s3(workdir, stack)
    database, database_label = _database(workdir, stack)
    cache_url, cache_label = _cache(knobs)
    if cache_url:
        cache_label += "; tasks: a Celery worker process on the same Redis"
    else:
        cache_label += "; tasks: in the web process"
    env = _environment(workdir, s3, database, cache_url)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command

    from tests.bench import data, queries

    started = time.monotonic()
    bench = data.load()
    call_command("collectstatic", interactive=False, verbosity=0)
    _say(f"Loaded the bench data in {time.monotonic() - started:.0f} s")

    app_env = _with_worker(env, cache_url, workdir, stack)
    app_port, hello_port = services.free_port(), services.free_port()
    app = _start_gunicorn("hackathon.wsgi", app_port, app_env, workdir / "gunicorn-app.log", stack)
    _start_gunicorn("tests.bench.hello:application", hello_port, env, workdir / "gunicorn-hello.log", stack)
    app_url, hello_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{hello_port}/"

    pages = _pages(bench)
    for page in pages:
        page.queries = queries.count(page.path, signed_in_as=bench.participant_email if page.signed_in else None)
    cookie = _log_in(app_url, bench.participant_email, data.PASSWORD)

    _say(f"Measuring {len(pages)} pages: {knobs.rounds} rounds of {knobs.seconds:g} s each, with {knobs.loadgen}")
    _measure(knobs, pages, app_url, hello_url, cookie)
    surge_line = "upload surge: skipped (BENCH_SURGE=0)"
    if knobs.surge:
        from tests.bench import surge

        surge_line = surge.run(base_url=app_url, bench=bench, s3=s3, gunicorn_pid=app.pid)
    _print_table(knobs, pages, surge_line, database_label, cache_label)
    _print_log_trouble(workdir / "gunicorn-app.log")
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# What the bench starts -----------------------------------------------------------------


def _start_s3(workdir: Path, stack: ExitStack) -> services.S3Server:
    try:
        process, server = services.start_s3_server(workdir / "moto-server.log")
    except BaseException as missing:  # pytest's skip outcome: a BaseException with the reason
        if isinstance(missing, KeyboardInterrupt):
            raise
        raise SystemExit(f"make bench needs moto's S3 server: {missing}") from None
    stack.callback(services.stop_process, process)
    return server


def _database(workdir: Path, stack: ExitStack) -> tuple[str, str]:
    """A fresh database: never the data DATABASE_URL holds, only its server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        path = workdir / "bench.sqlite3"
        return f"sqlite:///{path}", "SQLite (a fresh file)"
    import psycopg2

    parts = urlsplit(url)
    name = f"bench_{os.getpid()}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin = psycopg2.connect(url)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    stack.callback(drop)
    fresh = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    with psycopg2.connect(fresh) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    connection.close()
    return fresh, f"PostgreSQL {version} (a fresh database {name} on DATABASE_URL's server)"


def _cache(knobs: Knobs) -> tuple[str, str]:
    import redis

    try:
        redis.Redis.from_url(knobs.redis_url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return "", "local memory per process (no Redis answered)"
    return knobs.redis_url, f"Redis ({knobs.redis_url})"


def _environment(workdir: Path, s3: services.S3Server, database: str, cache_url: str) -> dict[str, str]:
    """Production mode over plain http, on the services the bench started."""
    static_root = workdir / "static"
    static_root.mkdir()
    env = {
        **s3.env(),
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "DATABASE_URL": database,
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
        # Worker recycling is off while measuring: a restart mid-round costs the app a
        # Django start-up, and the surge's memory figure must be of the same processes.
        "GUNICORN_MAX_REQUESTS": "0",
        # As the Dockerfile sets for the web process: two malloc arenas per process, and
        # large blocks (the upload checks' 1 MB reads) mmapped and given back when freed.
        "MALLOC_ARENA_MAX": "2",
        "MALLOC_MMAP_THRESHOLD_": "131072",
    }
    for name in ("CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL", "GUNICORN_BIND", "GUNICORN_ACCESS_LOG"):
        os.environ.pop(name, None)
    if cache_url:
        env["CACHE_URL"] = cache_url
        env["CACHE_KEY_PREFIX"] = f"bench-{os.getpid()}"
    return env


def _with_worker(env: dict[str, str], redis_url: str, workdir: Path, stack: ExitStack) -> dict[str, str]:
    """As in production, the app queues its tasks (emails, thumbnails, slide pages) on Redis
    for a Celery worker process of their own, so the web process's memory is the web's.
    Without Redis the tasks run inside the web requests, as under `make run`."""
    if not redis_url:
        return env
    queue = f"bench-{os.getpid()}"
    app_env = {**env, "CELERY_BROKER_URL": redis_url, "CELERY_TASK_DEFAULT_QUEUE": queue}
    worker = services.start_celery_worker(
        env={**os.environ, **app_env}, log_path=workdir / "celery-worker.log", queue=queue
    )
    stack.callback(services.stop_process, worker)
    return app_env


def _start_gunicorn(app: str, port: int, env: dict[str, str], log_path: Path, stack: ExitStack) -> subprocess.Popen:
    log = log_path.open("wb")
    stack.callback(log.close)
    process = subprocess.Popen(
        [str(services.BIN / "gunicorn"), "-c", str(GUNICORN_CONF), app],
        cwd=ROOT,
        env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stack.callback(services.stop_process, process)

    def answers() -> bool:
        if process.poll() is not None:
            return True
        try:
            return requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    services.wait_until(answers, timeout=60, interval=0.3)
    if process.poll() is not None or not answers():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"gunicorn ({app}) did not answer on port {port}; its log ends:\n{tail}")
    return process


# The pages ------------------------------------------------------------------------------


def _pages(bench) -> list[Page]:
    from django.templatetags.static import static

    jam = f"/jams/{bench.running_slug}/"
    return [
        Page("home", "/", ANONYMOUS_TARGET),
        Page("jam page (1,000 sign-ups)", jam, ANONYMOUS_TARGET),
        Page("gallery", f"{jam}entries/", ANONYMOUS_TARGET),
        Page("entry page", f"{jam}entries/{bench.entry_id}/", ANONYMOUS_TARGET),
        Page("results page", f"/jams/{bench.finished_slug}/results/", ANONYMOUS_TARGET),
        Page("jam page, signed in", jam, SIGNED_IN_TARGET, signed_in=True),
        Page("static file (whitenoise)", static("css/site.css"), ANONYMOUS_TARGET),
        # The ceiling for any page of this app: a trivial view behind all its middleware.
        Page("reference: the app's /time view", "/time", None),
    ]


def _log_in(base_url: str, email: str, password: str) -> str:
    """Log in through the live login form; returns the Cookie header a browser would send."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=30)
    token = _csrf_token(page.text)
    answer = session.post(
        f"{base_url}/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"Logging in as {email} failed: {answer.status_code}")
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def _csrf_token(html: str) -> str:
    import re

    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise SystemExit("No CSRF token in the page")
    return found.group(1)


def _measure(knobs: Knobs, pages: list[Page], app_url: str, hello_url: str, cookie: str) -> None:
    load.measure(hello_url, seconds=knobs.warmup, tool=knobs.loadgen)
    for page in pages:
        url = app_url + page.path
        headers = {"Cookie": cookie} if page.signed_in else {}
        answer = requests.get(url, headers=headers, allow_redirects=False, timeout=30)
        if answer.status_code != 200:
            raise SystemExit(f"{page.name}: GET {page.path} answered {answer.status_code}, not 200")
        if page.signed_in and "Log out" not in answer.text:
            raise SystemExit(f"{page.name}: GET {page.path} with the session cookie is not signed in")
        load.measure(url, seconds=knobs.warmup, headers=headers, tool=knobs.loadgen)
        page_rates, hello_rates = [], []
        for _ in range(knobs.rounds):
            hello = load.measure(hello_url, seconds=knobs.seconds, tool=knobs.loadgen)
            measured = load.measure(url, seconds=knobs.seconds, headers=headers, tool=knobs.loadgen)
            hello_rates.append(hello.requests_per_second)
            page_rates.append(measured.requests_per_second)
            page.errors += measured.errors
        page.rates = (sum(page_rates) / len(page_rates), sum(hello_rates) / len(hello_rates))
        ratio = page.rates[0] / page.rates[1] if page.rates[1] else 0
        _say(f"  {page.name}: {page.rates[0]:.0f} req/s, hello {page.rates[1]:.0f} req/s ({ratio:.0%})")


# The table ------------------------------------------------------------------------------


def _print_table(knobs: Knobs, pages: list[Page], surge_line: str, database: str, cache: str) -> None:
    conf = _gunicorn_settings()
    print()
    print(f"make bench, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {_machine()}")
    print(
        f"gunicorn: {conf['workers']} workers x {conf['threads']} threads ({conf['worker_class']}); "
        f"{database}; cache: {cache}; load: {knobs.loadgen} -t{load.WRK_THREADS} -c{load.CONNECTIONS}, "
        f"{knobs.rounds} x {knobs.seconds:g} s per page"
    )
    print()
    print("| page | req/s | hello req/s | ratio | target | queries warm (cold) |")
    print("|---|---:|---:|---:|---:|---:|")
    for page in pages:
        rate, hello = page.rates
        ratio = rate / hello if hello else 0.0
        mark = " !" if page.target is not None and ratio < page.target else ""
        target = f"≥ {page.target:.0%}" if page.target is not None else "-"
        warm, cold = page.queries or (0, 0)
        errors = f" ({page.errors} errors)" if page.errors else ""
        print(
            f"| {page.name} `{page.path}` | {rate:,.0f}{errors} | {hello:,.0f} | {ratio:.1%}{mark} "
            f"| {target} | {warm} ({cold}) |"
        )
    print()
    print(surge_line)
    print()
    print('"!" marks a figure short of its target.')


def _print_log_trouble(log_path: Path) -> None:
    """What the app's gunicorn logged at ERROR or worse (worker timeouts, tracebacks)."""
    trouble = [line for line in log_path.read_text(errors="replace").splitlines() if _is_trouble(line)]
    if trouble:
        print(f"\nThe app's gunicorn logged {len(trouble)} errors; the first:")
        print("\n".join(f"  {line}" for line in trouble[:5]))


def _is_trouble(line: str) -> bool:
    return line.startswith(("ERROR", "CRITICAL")) or "[ERROR]" in line or "[CRITICAL]" in line


def _gunicorn_settings() -> dict:
    import runpy

    return runpy.run_path(str(GUNICORN_CONF))


def _machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}"
