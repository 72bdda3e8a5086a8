"""The production-like stack in docker-compose.yml, checked by docker-compose itself.

No Docker engine is needed: `docker-compose config` validates the file against the
Compose schema and prints it resolved (anchors merged, variables interpolated).
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess

import yaml

from tests.services import ROOT, service_missing

COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")
SHARED_SETTINGS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "EMAIL_URL",
)


def run_compose(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("docker-compose")
    if not executable:
        service_missing("docker-compose is not installed (apt-get install --no-install-recommends docker-compose)")
    return subprocess.run(
        [executable, "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
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

    assert set(services) == {"web", "worker", "beat", "migrate", "db", "redis", "minio", "createbucket", "mailpit"}
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
