"""Real services for the tests: moto's S3 server, Redis, an SMTP sink, a Celery worker.

Each starter returns a handle or calls `service_missing`, which skips the test with the
reason, or fails it when REQUIRE_SERVICES=1 (CI), where nothing may be skipped.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: a missing service fails the run)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class HungServer:
    """A TCP server that accepts every connection and never answers: a service that hangs.
    `with HungServer() as server:` ... `server.port`."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.held.append(connection)  # read nothing, answer nothing

    def __enter__(self) -> HungServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# S3: moto's server, a real S3 API over HTTP --------------------------------------------


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    access_key: str = "testing-access-key"
    secret_key: str = "testing-secret-key"
    region: str = "us-east-1"

    def env(self) -> dict[str, str]:
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def storage_setting(self) -> dict:
        return {
            "BACKEND": "hackathon.storage.S3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint_url,
                "access_key": self.access_key,
                "secret_key": self.secret_key,
                "region_name": self.region,
                "signature_version": "s3v4",
                "addressing_style": "path",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        }

    def public_storage_setting(self) -> dict:
        """The public storage of hackathon/settings.py: this bucket's public/ prefix."""
        from django.conf import settings

        options = self.storage_setting()["OPTIONS"]
        return {
            "BACKEND": "hackathon.storage.S3Storage",
            "OPTIONS": {
                **options,
                "location": "public",
                "default_acl": "public-read",
                "querystring_auth": False,
                "object_parameters": {"CacheControl": settings.PUBLIC_CACHE_CONTROL},
            },
        }

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def start_s3_server(log_path: Path) -> tuple[subprocess.Popen, S3Server]:
    executable = BIN / "moto_server"
    if not executable.exists():
        service_missing(f"moto_server is not installed in {BIN} (pip install 'moto[s3]' flask flask-cors)")
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen([str(executable), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    if not wait_until(lambda: port_open(port), timeout=20):
        stop_process(process)
        service_missing(f"moto's S3 server did not start on port {port}; see {log_path}")
    server = S3Server(endpoint_url=f"http://127.0.0.1:{port}", bucket="hackathon-test-uploads")
    server.client().create_bucket(Bucket=server.bucket)
    return process, server


# Redis --------------------------------------------------------------------------------


def find_redis(log_path: Path) -> tuple[subprocess.Popen | None, str]:
    """The Redis on 127.0.0.1:6379 if it answers, else one started on a free port."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return None, url
    except redis.RedisError:
        pass
    executable = shutil.which("redis-server")
    if not executable:
        service_missing("Redis does not answer on 127.0.0.1:6379 and redis-server is not installed")
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=log,
    )
    url = f"redis://127.0.0.1:{port}/15"
    if not wait_until(lambda: port_open(port), timeout=10):
        stop_process(process)
        service_missing(f"redis-server did not start on port {port}; see {log_path}")
    return process, url


# SMTP: a small real SMTP server that keeps what it receives ----------------------------


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refusals_left: int = 0
    refused: int = 0
    # Once it holds this many messages, new connections wait, unanswered, until release():
    # a sender stuck mid-batch (to be killed there). None: never.
    hold_after: int | None = None
    held: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def refuse_next(self, count: int) -> None:
        """Answer the next `count` connections with 421 (service unavailable)."""
        with self.lock:
            self.refusals_left = count

    def hold_from(self, count: int) -> None:
        """Leave connections unanswered once `count` messages arrived, until release()."""
        with self.lock:
            self.hold_after, self.held = count, 0
            self.released.clear()

    def release(self) -> None:
        with self.lock:
            self.hold_after = None
        self.released.set()

    def clear(self) -> None:
        self.release()
        with self.lock:
            self.messages.clear()
            self.refusals_left = 0
            self.refused = 0
            self.held = 0

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        wait_until(lambda: len(self.messages) >= count, timeout=timeout)
        return list(self.messages)


class _SmtpHandler(socketserver.StreamRequestHandler):
    sink: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink = self.server.sink  # type: ignore[attr-defined]
        with sink.lock:
            hold = sink.hold_after is not None and len(sink.messages) >= sink.hold_after
            sink.held += hold
        if hold and not sink.released.wait(timeout=60):
            return
        with sink.lock:
            refuse = sink.refusals_left > 0
            if refuse:
                sink.refusals_left -= 1
                sink.refused += 1
        if refuse:
            self.reply("421 4.3.2 Service not available, try again later")
            return
        self.reply("220 test-smtp ESMTP ready")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test-smtp")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self._receive(sink)
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _receive(self, sink: SmtpSink) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        with sink.lock:
            sink.messages.append(message)


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_smtp_sink() -> tuple[_SmtpServer, SmtpSink]:
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    sink = SmtpSink(host="127.0.0.1", port=server.server_address[1])
    server.sink = sink  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, name="smtp-sink", daemon=True).start()
    return server, sink


# Celery: a real worker process --------------------------------------------------------


def database_url_for(settings_dict: dict) -> str:
    """A DATABASE_URL that opens the database this test run uses (the test database)."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine.endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(name)}"


def worker_name() -> str:
    return f"test-worker-{os.getpid()}@{socket.gethostname()}"


def start_celery_worker(*, env: dict[str, str], log_path: Path, queue: str, pool: str = "solo") -> subprocess.Popen:
    executable = BIN / "celery"
    if not executable.exists():
        service_missing(f"celery is not installed in {BIN}")
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(executable), "-A", "hackathon", "worker", f"--pool={pool}", "--concurrency=1",
            "-Q", queue, "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", worker_name(),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip

    def ready() -> bool:
        return process.poll() is not None or b"ready." in log_path.read_bytes()

    wait_until(ready, timeout=60, interval=0.2)
    if process.poll() is not None or b"ready." not in log_path.read_bytes():
        stop_process(process)
        tail = log_path.read_text(errors="replace")[-2000:]
        service_missing(f"the Celery worker did not become ready; its log ends:\n{tail}")
    return process


def wait_for_worker_idle(app, *, broker_url: str, queue: str, timeout: float = 60) -> bool:
    """Wait until the worker has nothing waiting in its queue, prefetched or running, twice
    in a row.

    Called before a test's tables are emptied: a job the test set off and did not wait for
    (a share card drawn after the thumbnails it waited for) holds rows in a transaction,
    and the flush's TRUNCATE, locking table after table, can deadlock with it. The solo
    pool answers control messages only between jobs, so an answer means none is running;
    the queue is read again after the answer (a job that just ended may have queued
    another), and a second reading a moment later catches one the worker took meanwhile."""
    import redis

    client = redis.Redis.from_url(broker_url)

    def idle_once() -> bool:
        if client.llen(queue):
            return False
        with app.connection_for_write(broker_url) as connection:
            inspect = app.control.inspect(destination=[worker_name()], timeout=1, connection=connection)
            replies = inspect.reserved() or {}
        return worker_name() in replies and not replies[worker_name()] and not client.llen(queue)

    def idle() -> bool:
        if not idle_once():
            return False
        time.sleep(0.2)
        return idle_once()

    try:
        return wait_until(idle, timeout=timeout, interval=0.2)
    finally:
        client.close()
