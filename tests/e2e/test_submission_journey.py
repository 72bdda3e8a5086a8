"""The submission journey, in Debian's Chromium driven by Playwright, with a real Celery
worker process sending the email and making the thumbnails on moto's S3 server."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from outbox.models import OutboxItem
from submissions.models import Entry
from tests.files import MB, pdf_bytes, png_bytes
from tests.services import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JAM = "ai-evaluations-sprint"
EMAIL, PASSWORD = "participant@example.com", "demo-password-123"
TITLE = "Sycophancy under pressure"
SIZE_ERROR = "Upload failed. Max size for files is 10 MB."
SUBMITTED = (
    "You have successfully submitted! You should receive an email and your project should appear in the gallery."
)


def seed_demo(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    settings.DEBUG = False


def log_in(page, base_url: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-user")).to_have_text("Pat Participant")


def open_team(page, base_url: str) -> None:
    """The participant's team page, forming a team first if they have none.

    The jam page offers "Your team" only to people signed up to the jam; the demo data may
    or may not have signed the participant up and put them in a team."""
    page.goto(f"{base_url}/jams/{JAM}/")
    your_team = page.get_by_role("link", name="Your team")
    if your_team.is_visible():
        your_team.click()
    else:
        page.goto(f"{base_url}/jams/{JAM}/team/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^(Team “.+”|Form a team for AI Evaluations Sprint)$"))
    if heading.text_content().startswith("Form a team"):
        page.get_by_label("Team name").fill("Eval Otters")
        page.get_by_role("button", name="Create team").click()
        expect(heading).to_have_text("Team “Eval Otters”")


def throttle_uploads(page, *, bytes_per_second: int) -> None:
    """On loopback an upload takes milliseconds and the progress bar would flash by unseen;
    at this rate it stays on screen for a few seconds, as on a slow connection."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    conditions = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second}
    cdp.send("Network.emulateNetworkConditions", conditions)


def check_confirmation_email(smtp_sink, entry: Entry, image: Path) -> None:
    # Forming a team signs the participant up too, which sends an email of its own.
    assert wait_until(lambda: any(TITLE in m["Subject"] for m in smtp_sink.messages), timeout=30)
    (message,) = [m for m in smtp_sink.messages if TITLE in m["Subject"]]
    members = {membership.user.email for membership in entry.team.memberships.select_related("user")}
    assert EMAIL in members
    assert {address.addr_spec for address in message["To"].addresses} == members
    # Django folds a long non-ASCII subject onto a second line; unfolding leaves a space.
    assert message["Subject"].strip() == f"Your entry “{TITLE}” is in for AI Evaluations Sprint"
    lines = message.get_body(preferencelist=("plain",)).get_content().splitlines()
    assert lines[0] == f"Hi team {entry.team.name},"  # as typed: plain text is not HTML-escaped
    assert "- Slides: eval-slides.pdf (200.0 KB)" in lines
    assert f"- Project image: otter-cover.png ({image.stat().st_size / 1024:.1f} KB)" in lines


def check_thumbnails_made_by_the_worker(entry: Entry, s3_server, artifacts_dir: Path) -> None:
    def ready() -> bool:
        entry.refresh_from_db()
        return entry.thumbnails_ready

    assert wait_until(ready, timeout=30, interval=0.25)
    worker_log = (artifacts_dir / "celery-worker.log").read_text(errors="replace")
    assert re.search(r"Task outbox\.tasks\.outbox_item_run_task\[[\w-]+\] succeeded in [\d.]+s: True", worker_log)
    job = OutboxItem.objects.get(kind="Thumbnails", args={"entry_id": entry.pk})
    assert wait_until(lambda: OutboxItem.objects.filter(pk=job.pk, state=OutboxItem.State.SENT).exists(), timeout=10)
    s3 = s3_server.client()
    head = s3.head_object(Bucket=s3_server.bucket, Key=entry.thumbnail_card.name)
    assert head["ContentType"] == "image/jpeg"
    stored = s3.get_object(Bucket=s3_server.bucket, Key=entry.thumbnail_card.name)["Body"].read()
    assert Image.open(io.BytesIO(stored)).size == (640, 360)


def test_participant_submits_an_entry_and_sees_its_thumbnail_in_the_gallery(
    live_server, page, celery_worker, smtp_sink, s3_server, settings, artifacts_dir, tmp_path
):
    seed_demo(settings)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    too_big = tmp_path / "huge-slides.pdf"
    too_big.write_bytes(pdf_bytes(12 * MB))
    slides = tmp_path / "eval-slides.pdf"
    slides.write_bytes(pdf_bytes(200 * 1024))
    image = tmp_path / "otter-cover.png"
    image.write_bytes(png_bytes(1200, 800))

    log_in(page, live_server.url)
    open_team(page, live_server.url)
    page.get_by_role("link", name="Go to your entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit your project")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Authors").fill("Pat Participant")
    page.get_by_label("Abstract").fill("We push models to agree with wrong answers and count how often they do.")
    page.get_by_label("Repository link").fill("https://github.com/example/sycophancy-eval")
    # The demo jam has two tracks: the entry enters one (radio buttons, one only).
    tracks = page.get_by_test_id("entry-tracks")
    expect(tracks.get_by_role("radio")).to_have_count(2)
    tracks.get_by_label("Propensities").check()

    slides_error = page.locator("[data-upload-field]", has=page.locator("#id_slides")).get_by_text(SIZE_ERROR)
    page.set_input_files("#id_slides", str(too_big))
    expect(slides_error).to_be_visible(timeout=1_000)
    assert page.eval_on_selector("#id_slides", "el => el.files.length") == 0
    page.screenshot(path=str(artifacts_dir / "submission-form-size-error.png"), full_page=True)
    page.set_input_files("#id_slides", str(slides))
    expect(slides_error).to_be_hidden(timeout=1_000)
    page.set_input_files("#id_image", str(image))

    throttle_uploads(page, bytes_per_second=100 * 1024)
    submit = page.get_by_role("button", name=re.compile(r"^(Submit|Save changes)$"))
    submit.click()
    expect(page.get_by_test_id("upload-progress")).to_be_visible()
    expect(submit).to_be_disabled()
    # The bar moves with the upload: caught part way, neither empty nor full.
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=upload-progress]')?.value; return v > 0 && v < 100; }"
    )
    page.screenshot(path=str(artifacts_dir / "submission-uploading.png"), full_page=True)
    expect(page.get_by_text(SUBMITTED)).to_be_visible()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/jams/{JAM}/entries/\d+/", page.url)
    page.screenshot(path=str(artifacts_dir / "submission-success.png"), full_page=True)

    entry = Entry.objects.select_related("team").get(pk=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert (entry.title, entry.is_submitted) == (TITLE, True)
    assert list(entry.tracks.values_list("name", flat=True)) == ["Propensities"]
    expect(page.get_by_test_id("entry-tracks")).to_have_text("Propensities")
    check_confirmation_email(smtp_sink, entry, image)
    check_thumbnails_made_by_the_worker(entry, s3_server, artifacts_dir)

    page.goto(f"{live_server.url}/jams/{JAM}/entries/")
    thumbnail = page.get_by_test_id("entry-card").filter(has_text=TITLE).get_by_test_id("entry-thumbnail")
    thumbnail.scroll_into_view_if_needed()
    thumbnail.evaluate("img => img.decode()")  # fails if the image does not load
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 640
    page.screenshot(path=str(artifacts_dir / "submission-gallery.png"), full_page=True)

    # The gallery's track filter: the entry is under its own track, not under the other.
    page.get_by_test_id("gallery-track").select_option(label="Propensities")  # gallery.js sends the form
    expect(page).to_have_url(re.compile(r"[?&]track=propensities"))
    expect(page.get_by_test_id("entry-card").filter(has_text=TITLE)).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "submission-gallery-track.png"), full_page=True)
    page.goto(f"{live_server.url}/jams/{JAM}/entries/?track=dangerous-capabilities")
    expect(page.get_by_test_id("entry-card").filter(has_text=TITLE)).to_have_count(0)
    assert script_errors == []
