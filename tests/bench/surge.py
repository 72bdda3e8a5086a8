"""The upload surge: 50 teams submit 10 MiB slides at the same moment, straight to S3.

Each team's member, signed in, follows the contract of `submissions.views.entry_upload_presign`
as upload.js does: GET the submit page (CSRF token, version), POST for a presigned POST,
POST the file to S3 with the returned fields, then POST the entry form with the key and
action=submit. Afterwards the database and the bucket are checked: every team has a
submitted entry whose slides object is in S3 at its full size. Meanwhile the RSS of the
gunicorn master and its workers is sampled from /proc.

Then the same again, each team replacing its slides: on their first S3 call, gunicorn's
threads each set up their own boto3 session (django-storages keeps one per thread, about
14 MB each), so the first round's growth includes that one-time cost and the second
shows the uploads' own.
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import requests
from django.test import Client
from PIL import Image

from accounts.models import User
from submissions.models import Entry, TeamMembership
from submissions.uploads import MAX_UPLOAD_BYTES

TARGET_MEMORY_MB = 50
SAMPLE_SECONDS = 0.1


@dataclass
class Outcome:
    ok: bool
    seconds: float
    error: str = ""
    key: str = ""  # the object this team's entry should now hold


def run(*, base_url: str, bench, s3, gunicorn_pid: int) -> str:
    """Run the surge, then the same again with every team replacing its slides; returns
    the table's lines. The first round includes what the web workers set up on their first
    upload; the second shows what uploads cost once that is done."""
    slides = _slides_of_size(MAX_UPLOAD_BYTES)
    cookies = [_session_cookie(user_id) for user_id in bench.surge_user_ids]
    submit_url = f"{base_url}/jams/{bench.running_slug}/submit/"
    lines = []
    for label in (f"upload surge: {len(cookies)} simultaneous 10 MiB submissions", "  the same again, warm"):
        sampler = RssSampler(gunicorn_pid)
        barrier = threading.Barrier(len(cookies))
        pool = ThreadPoolExecutor(len(cookies))
        with sampler:
            started = time.monotonic()
            try:
                outcomes = list(pool.map(partial(_submit, submit_url, slides=slides, barrier=barrier), cookies))
            except BaseException:
                # Ctrl-C: don't wait for 50 uploads; they fail fast once the servers stop.
                barrier.abort()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            elapsed = time.monotonic() - started
        pool.shutdown()
        lines.append(f"{label}: {_summary(bench, s3, outcomes, sampler, elapsed)}")
    return "\n".join(lines)


def _summary(bench, s3, outcomes: list[Outcome], sampler: RssSampler, elapsed: float) -> str:
    landed = _landed(bench.surge_user_ids, s3, keys={outcome.key for outcome in outcomes if outcome.key})
    lost = len(outcomes) - landed
    after, peak = sampler.growth_mb()
    slowest = max(outcome.seconds for outcome in outcomes)
    summary = (
        f"{landed} landed, {lost} lost{' !' if lost else ''} (target 0); "
        f"web process memory +{after:.0f} MB after, +{peak:.0f} MB at peak{' !' if peak >= TARGET_MEMORY_MB else ''} "
        f"(target < {TARGET_MEMORY_MB} MB); {elapsed:.1f} s for all, slowest {slowest:.1f} s"
    )
    errors = sorted({outcome.error for outcome in outcomes if not outcome.ok})
    if errors:
        summary += "\n    failures: " + "; ".join(errors[:5])
    return summary


def _slides_of_size(size: int) -> bytes:
    """A real one-page PDF, brought to `size` bytes by an appended object whose stream is
    random bytes, as slides are mostly compressed pictures. (Random bytes loose after the
    end would read as PDF names to the upload checks: "/JS" turns up in 10 MB of noise.)"""
    out = io.BytesIO()
    Image.new("RGB", (960, 540), "white").save(out, format="PDF", resolution=72)
    pdf = out.getvalue()
    head, tail = b"\n9999 0 obj\n<< /Length %d >>\nstream\n", b"\nendstream\nendobj\n"
    length = size - len(pdf) - len(head % 10_000_000) - len(tail)
    return pdf + head % length + os.urandom(length) + tail


def _session_cookie(user_id: int) -> str:
    """A signed-in session for this member, made in-process (no password hashing x 50)."""
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client.cookies["sessionid"].value


def _submit(submit_url: str, session_id: str, *, slides: bytes, barrier: threading.Barrier) -> Outcome:
    session = requests.Session()
    session.cookies.set("sessionid", session_id)
    barrier.wait()
    started = time.monotonic()
    step, key = "submit page", ""
    try:
        form = session.get(submit_url, timeout=60)
        _expect(form, 200)
        token = _input_value(form.text, "csrfmiddlewaretoken")
        version = _input_value(form.text, "version", required=False)
        step = "presign"
        presign = session.post(
            f"{submit_url}upload/",
            data={"field": "slides", "name": "deadline-slides.pdf", "size": len(slides)},
            headers={"X-CSRFToken": token},
            timeout=60,
        )
        _expect(presign, 200)
        post = presign.json()
        key = post["key"]
        step = "S3 POST"
        stored = requests.post(
            post["url"],
            data=post["fields"],
            files={"file": ("deadline-slides.pdf", slides, post["fields"].get("Content-Type"))},
            timeout=120,
        )
        _expect(stored, 200, 201, 204)
        step = "entry form"
        # A fresh connection, as a browser's would be: gunicorn closed the idle keep-alive
        # one during the upload (keepalive is 5 s), and a POST sent on it just as it closes
        # is reset; browsers retry that case, requests does not.
        session.close()
        saved = session.post(
            submit_url,
            data={
                "csrfmiddlewaretoken": token,
                "version": version,
                "title": "Probing for deception at the deadline",
                "abstract": "Linear probes on the residual stream find a deception direction.",
                "authors": "A deadline-night team",
                "slides_key": key,
                "action": "submit",
            },
            allow_redirects=False,
            timeout=60,
        )
        _expect(saved, 302)
    except (requests.RequestException, ValueError, KeyError) as error:
        return Outcome(False, time.monotonic() - started, f"{step}: {type(error).__name__}: {error}", key)
    return Outcome(True, time.monotonic() - started, key=key)


def _expect(response: requests.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise ValueError(f"answered {response.status_code}: {_message(response.text)}")


def _input_value(html: str, name: str, *, required: bool = True) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    if value is None and required:
        raise ValueError(f"no {name} field in the submit page")
    return value.group(1) if value else ""


def _message(html: str) -> str:
    errors = re.findall(r'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>(.*?)<', html, re.S)
    return " ".join(error.strip() for error in errors if error.strip())[:200] or html[:200]


def _landed(user_ids: list[int], s3, *, keys: set[str]) -> int:
    """Submitted entries of the surge teams holding the slides uploaded in this round,
    whose object is in S3 at 10 MiB. A key the server refused counts as lost, too."""
    teams = TeamMembership.objects.filter(user_id__in=user_ids).values("team_id")
    names = Entry.objects.filter(team_id__in=teams, state=Entry.State.SUBMITTED).exclude(slides="")
    client = s3.client()
    listed = client.list_objects_v2(Bucket=s3.bucket, Prefix="uploads/").get("Contents", [])
    sizes = {item["Key"]: item["Size"] for item in listed}
    return sum(name in keys and sizes.get(name) == MAX_UPLOAD_BYTES for name in names.values_list("slides", flat=True))


class RssSampler:
    """The summed RSS of a process and its children, before, after and at the peak."""

    def __init__(self, pid: int):
        self.pid = pid
        self.before = self.peak = self.after = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> RssSampler:
        self.before = self.peak = tree_rss(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.after = tree_rss(self.pid)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, tree_rss(self.pid))

    def growth_mb(self) -> tuple[float, float]:
        mb = 1024 * 1024
        return (self.after - self.before) / mb, (max(self.peak, self.after) - self.before) / mb


def tree_rss(pid: int) -> int:
    """Bytes of RSS of `pid` and its direct children (gunicorn's master and workers)."""
    total = _rss(pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += _rss(int(stat.parent.name))
    return total


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
