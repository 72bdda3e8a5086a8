"""`PORT=8123 make run`: the server listens there and SITE_URL, the address in emails and
calendar files, follows it unless set. Read from make's own plan (`make -n`), then the
settings are loaded in a fresh interpreter with the environment that plan gives."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

from tests.services import ROOT


def make_run_plan(**env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL", "MAKEFLAGS")}
    result = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def command(plan: list[str], manage_command: str) -> tuple[dict[str, str], list[str]]:
    """The environment and arguments of `manage.py <manage_command>` in the plan."""
    line = next(line for line in plan if re.search(rf"manage\.py {manage_command}\b", line))
    words = shlex.split(line)
    env = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    return env, [w for w in words if not re.match(r"^[A-Z_]+=", w)]


def site_url_seen_by_django(env: dict[str, str]) -> str:
    probe = "import django; from django.conf import settings; django.setup(); print(settings.SITE_URL)"
    base = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    base["DJANGO_SETTINGS_MODULE"] = "hackathon.settings"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_make_run_serves_on_port_and_site_url_follows():
    plan = make_run_plan(PORT="8123")

    env, args = command(plan, "runserver")
    seed_env, _ = command(plan, "seed_demo")
    assert args[-1] == "127.0.0.1:8123"
    assert site_url_seen_by_django(env) == "http://127.0.0.1:8123"
    assert seed_env == env


def test_make_run_defaults_to_8000_and_keeps_a_site_url_that_is_set():
    env, args = command(make_run_plan(), "runserver")
    set_env, set_args = command(make_run_plan(PORT="8123", SITE_URL="https://jams.example.org"), "runserver")

    assert args[-1] == "127.0.0.1:8000"
    assert site_url_seen_by_django(env) == "http://127.0.0.1:8000"
    assert set_args[-1] == "127.0.0.1:8123"
    assert site_url_seen_by_django(set_env) == "https://jams.example.org"
