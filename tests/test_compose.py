"""The production-like stack in docker-compose.yml, checked by docker-compose itself.

No Docker engine is needed: `docker-compose config` validates the file against the
Compose schema and prints it resolved (anchors merged, variables interpolated).
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.services import BIN, ROOT, free_port, service_missing, stop_process, wait_until

COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")
# The stack needs a SECRET_KEY from the shell or .env: it has no default.
COMPOSE_SECRET_KEY = "compose-test-key-" + "r7" * 25
SHARED_SETTINGS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "EMAIL_URL",
)


def run_compose(*args: str, secret_key: str | None = COMPOSE_SECRET_KEY) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("docker-compose")
    if not executable:
        service_missing("docker-compose is not installed (apt-get install --no-install-recommends docker-compose)")
    env = {name: value for name, value in os.environ.items() if name != "SECRET_KEY"}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def resolved_services() -> dict:
    result = run_compose("config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def test_compose_file_is_valid():
    result = run_compose("config", "-q")

    assert result.returncode == 0, f"docker-compose rejected docker-compose.yml:\n{result.stderr}"


def test_compose_has_the_whole_stack():
    services = resolved_services()

    assert set(services) == {
        "proxy", "web", "worker", "beat", "migrate", "db", "redis", "minio", "createbucket", "mailpit",
    }  # fmt: skip
    environments = {name: services[name]["environment"] for name in APP_SERVICES}
    for setting in SHARED_SETTINGS:
        values = {name: environment.get(setting) for name, environment in environments.items()}
        assert len(set(values.values())) == 1, f"{setting} differs between the app services: {values}"
        assert values["web"], f"{setting} is not set for the app services"
    assert "worker" in command_text(services["worker"])
    assert "beat" in command_text(services["beat"])


def test_compose_app_keys_match_minio_root_user():
    services = resolved_services()

    minio = services["minio"]["environment"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["AWS_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
        assert environment["AWS_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]


# gunicorn.conf.py: what the Dockerfile and the web service run -------------------------

GUNICORN_CONF = ROOT / "gunicorn.conf.py"


def gunicorn_settings(monkeypatch, **environ: str) -> dict:
    for name in [name for name in os.environ if name.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_conf_values_are_sane(monkeypatch):
    conf = gunicorn_settings(monkeypatch)

    assert conf["workers"] >= 2
    assert conf["threads"] >= 1
    assert conf["worker_class"] == ("gthread" if conf["threads"] > 1 else "sync")
    assert conf["bind"] == "0.0.0.0:8000"
    assert 0 < conf["timeout"] <= 120
    assert conf["graceful_timeout"] > 0
    assert conf["keepalive"] > 0
    assert conf["max_requests"] > 0
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]


def test_gunicorn_conf_reads_overrides_from_the_environment(monkeypatch):
    conf = gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="1", GUNICORN_BIND="127.0.0.1:9123")

    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 1, "sync")
    assert conf["bind"] == "127.0.0.1:9123"


def test_gunicorn_conf_is_what_the_image_and_the_web_service_run():
    services = resolved_services()
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert command_text(services["web"]) == "gunicorn -c gunicorn.conf.py hackathon.wsgi"
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "hackathon.wsgi"]' in dockerfile


# SECRET_KEY: required, no default -------------------------------------------------------


def test_compose_needs_a_secret_key():
    missing = run_compose("config", "-q", secret_key=None)
    given = resolved_services()

    assert missing.returncode != 0
    assert "set SECRET_KEY" in missing.stderr
    for name in (*APP_SERVICES, "migrate"):
        assert given[name]["environment"]["SECRET_KEY"] == COMPOSE_SECRET_KEY


# The proxy: nginx in front of gunicorn (deploy/nginx.conf) -------------------------------

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_directives(text: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;{{}}]+);", text, flags=re.MULTILINE)


def nginx_location(text: str, pattern: str) -> str:
    match = re.search(rf"location {re.escape(pattern)} \{{(.*?)\}}", text, flags=re.DOTALL)
    assert match, f"no `location {pattern}` in {NGINX_CONF}"
    return match.group(1)


def nginx_size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_compose_puts_the_proxy_in_front_of_web():
    services = resolved_services()
    proxy, web = services["proxy"], services["web"]

    assert proxy["image"].startswith("nginx:")
    (volume,) = proxy["volumes"]  # docker-compose 1.29 prints the short form
    assert volume == f"{NGINX_CONF}:/etc/nginx/nginx.conf:ro"
    assert [(int(port["published"]), int(port["target"])) for port in proxy["ports"]] == [(8000, 80)]
    assert "ports" not in web  # reached only through the proxy
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    # The upstream is the web service on the port its gunicorn binds.
    assert nginx_directives(NGINX_CONF.read_text(), "server") == ["web:8000"]
    assert "8000" in [str(port) for port in web["expose"]]


def test_nginx_conf_limits_bodies_and_times_out_idle_clients():
    from django.urls import reverse

    from submissions.middleware import ENTRY_FORM_MAX_BYTES

    text = NGINX_CONF.read_text()
    gunicorn_timeout = runpy.run_path(str(GUNICORN_CONF))["timeout"]

    assert nginx_directives(text, "proxy_request_buffering") == ["on"]
    assert nginx_directives(text, "proxy_buffering") == ["on"]
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        (value,) = nginx_directives(text, name)
        assert value.endswith("s") and 0 < int(value[:-1]) <= 10, f"{name} {value}"
    (read_timeout,) = nginx_directives(text, "proxy_read_timeout")
    assert int(read_timeout.rstrip("s")) < gunicorn_timeout
    # 1 MB everywhere, the entry form's own limit on the entry form, whose URL it matches.
    submit = nginx_location(text, "~ ^/jams/[^/]+/submit/$")
    (submit_limit,) = nginx_directives(submit, "client_max_body_size")
    assert nginx_size(submit_limit) == ENTRY_FORM_MAX_BYTES
    default_limit = next(v for v in nginx_directives(text, "client_max_body_size") if v != submit_limit)
    assert nginx_size(default_limit) == 1024**2
    submit_url = reverse("submissions:submit", kwargs={"slug": "a-jam"})
    presign_url = reverse("submissions:upload_presign", kwargs={"slug": "a-jam"})
    assert re.match(r"^/jams/[^/]+/submit/$", submit_url)
    assert not re.match(r"^/jams/[^/]+/submit/$", presign_url)  # a file's name only: 1 MB
    # The headers the app reads: the client's address appended, the scheme replaced.
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx_directives(text, "proxy_set_header")
    assert "X-Forwarded-Proto $scheme" in nginx_directives(text, "proxy_set_header")


def nginx_executable() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        service_missing("nginx is not installed (apt-get install --no-install-recommends nginx)")
    return found


def render_nginx_conf(folder: Path, *, port: int, app_port: int) -> Path:
    """deploy/nginx.conf as it would run here: listening on `port`, in front of the app on
    `app_port` on this machine, its temporary files in `folder`."""
    text = NGINX_CONF.read_text()
    replacements = {
        "server web:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80 default_server;": f"listen 127.0.0.1:{port} default_server;",
        "http {\n": "http {\n"
        + "".join(
            f"    {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{old!r} is not in {NGINX_CONF} once"
        text = text.replace(old, new)
    folder.chmod(0o777)  # nginx's workers run as an unprivileged user when started as root
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


def nginx_command(conf: Path, *args: str, directives: str = "") -> list[str]:
    folder = conf.parent
    settings = f"pid {folder}/nginx.pid; {directives}"
    return [nginx_executable(), "-e", "stderr", "-p", str(folder), "-c", str(conf), "-g", settings, *args]


@pytest.fixture
def nginx_folder():
    """A folder nginx's workers can reach (pytest's tmp_path is in a folder only its owner
    may enter, and nginx started as root runs its workers as nobody)."""
    with tempfile.TemporaryDirectory(prefix="nginx-test-") as folder:
        yield Path(folder)


def test_nginx_conf_is_valid(nginx_folder):
    conf = render_nginx_conf(nginx_folder, port=free_port(), app_port=free_port())

    result = subprocess.run(nginx_command(conf, "-t"), capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def gunicorn_behind_nginx(nginx_folder, tmp_path, artifacts_dir):
    """The app under gunicorn with one sync worker (the worst case: one request at a time),
    and nginx with deploy/nginx.conf in front. Yields (nginx's port, gunicorn's port)."""
    app_port, port = free_port(), free_port()
    conf = render_nginx_conf(nginx_folder, port=port, app_port=app_port)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hackathon.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "CACHE_URL": "",
        "CELERY_BROKER_URL": "",
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
    }
    with (artifacts_dir / "gunicorn-behind-nginx.log").open("wb") as log:
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "hackathon.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    with (artifacts_dir / "nginx.log").open("wb") as log:
        proxy = subprocess.Popen(nginx_command(conf, directives="daemon off;"), stdout=log, stderr=log)
    try:
        answered = wait_until(lambda: _answers(f"http://127.0.0.1:{port}/time"), timeout=60, interval=0.3)
        assert answered, "nginx and gunicorn did not answer: test-artifacts/nginx.log, gunicorn-behind-nginx.log"
        yield port, app_port
    finally:
        stop_process(proxy)
        stop_process(gunicorn)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _lying_posts(port: int, count: int = 3, path: str = "/accounts/login/") -> list[socket.socket]:
    """POSTs that promise 1000 bytes, send 10 and wait: a slowloris. Each carries a CSRF
    cookie and its token (anyone gets a pair from any form), so the app does read the body
    rather than refuse the request at once."""
    csrf = "s1owLor1sCsrfSecretOf32Character"
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Cookie: csrftoken={csrf}\r\nX-CSRFToken: {csrf}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b"username=x")
        sockets.append(sock)
    return sockets


def _timed_get(url: str, timeout: float) -> tuple[int | None, float]:
    started = time.monotonic()
    try:
        status = requests.get(url, timeout=timeout).status_code
    except requests.Timeout:
        status = None
    return status, time.monotonic() - started


def test_lying_posts_do_not_delay_a_get_through_nginx(gunicorn_behind_nginx):
    port, app_port = gunicorn_behind_nginx

    held = _lying_posts(port)
    try:
        through_nginx = _timed_get(f"http://127.0.0.1:{port}/time", timeout=5)
    finally:
        for sock in held:
            sock.close()
    # Without nginx the same three hold gunicorn's one worker: the GET waits (the control).
    held = _lying_posts(app_port)
    try:
        straight = _timed_get(f"http://127.0.0.1:{app_port}/time", timeout=3)
    finally:
        for sock in held:
            sock.close()

    status, seconds = through_nginx
    assert status == 200 and seconds < 2, through_nginx
    assert straight[0] is None, f"gunicorn answered while its worker was held: {straight}"


def test_nginx_refuses_bodies_over_the_limit_of_their_path(gunicorn_behind_nginx):
    port, _ = gunicorn_behind_nginx
    two_megabytes = b"a=" + b"x" * (2 * 1024**2)

    login = requests.post(f"http://127.0.0.1:{port}/accounts/login/", data=two_megabytes, timeout=10)
    entry_form = requests.post(f"http://127.0.0.1:{port}/jams/a-jam/submit/", data=two_megabytes, timeout=10)
    presign = requests.post(f"http://127.0.0.1:{port}/jams/a-jam/submit/upload/", data=two_megabytes, timeout=10)

    assert login.status_code == 413
    assert "too large" in login.text
    assert entry_form.status_code != 413  # passed on: the app sends the anonymous visitor to log in
    assert entry_form.history and entry_form.history[0].status_code == 302
    assert presign.status_code == 413
