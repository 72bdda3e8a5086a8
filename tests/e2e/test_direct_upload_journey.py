"""Uploads straight to S3, in Debian's Chromium driven by Playwright: the page asks our
server for presigned POSTs, sends the files to moto's S3 server with the progress bar
moving, then posts the form with only the keys."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from submissions.models import Entry
from tests.factories import PASSWORD, JamFactory, TeamFactory
from tests.files import MB, pdf_bytes, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUBMITTED = (
    "You have successfully submitted! You should receive an email and your project should appear in the gallery."
)


def allow_posts_from(s3_server, origin: str) -> None:
    """The bucket's CORS rule a real deployment needs: the progress listener makes the
    browser send a preflight before each POST to S3."""
    rule = {"AllowedOrigins": [origin], "AllowedMethods": ["POST"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}
    s3_server.client().put_bucket_cors(Bucket=s3_server.bucket, CORSConfiguration={"CORSRules": [rule]})


def throttle_uploads(page, *, bytes_per_second: int) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    conditions = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second}
    cdp.send("Network.emulateNetworkConditions", conditions)


def test_files_go_straight_to_s3_with_the_progress_bar(
    live_server, page, s3_storage, s3_server, artifacts_dir, tmp_path
):
    jam = JamFactory.running(title="Deadline Night Jam")
    team = TeamFactory(jam=jam, name="Straight Shooters")
    allow_posts_from(s3_server, live_server.url)
    slides = tmp_path / "deadline-slides.pdf"
    slides.write_bytes(pdf_bytes(3 * MB))
    image = tmp_path / "cover.png"
    image.write_bytes(png_bytes(1200, 800))
    script_errors, posts = [], []
    page.on("pageerror", lambda error: script_errors.append(error))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(team.created_by.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/jams/{jam.slug}/submit/")
    form = page.get_by_test_id("entry-form")
    expect(form).to_have_attribute("data-direct-upload", f"/jams/{jam.slug}/submit/upload/")
    page.get_by_label("Title").fill("Deadline-night interpretability")
    page.get_by_label("Authors").fill("Pat Participant")
    page.get_by_label("Abstract").fill("Uploaded straight to the bucket, past the web workers.")
    page.set_input_files("#id_slides", str(slides))
    page.set_input_files("#id_image", str(image))

    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    throttle_uploads(page, bytes_per_second=1 * MB)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_test_id("upload-progress")).to_be_visible()
    # Caught part way through the POST to S3: neither empty nor full.
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=upload-progress]')?.value; return v > 5 && v < 95; }"
    )
    assert page.locator("label[for=upload-progress-bar]").text_content() == "Uploading…"
    page.screenshot(path=str(artifacts_dir / "direct-upload-progress.png"), full_page=True)
    expect(page.get_by_text(SUBMITTED)).to_be_visible(timeout=30_000)
    # The thumbnail (made in-process here) comes from the public prefix: stable, unsigned.
    thumbnail = page.get_by_role("img", name="project image for Deadline-night interpretability")
    thumbnail.evaluate("img => img.decode()")  # fails if the image does not load
    assert thumbnail.evaluate("img => img.naturalWidth") == 640
    assert re.fullmatch(
        rf"{re.escape(s3_server.endpoint_url)}/{s3_server.bucket}/public/[^?]+\.jpg", thumbnail.get_attribute("src")
    )
    page.screenshot(path=str(artifacts_dir / "direct-upload-success.png"), full_page=True)

    entry = Entry.objects.get(team=team)
    s3 = s3_server.client()
    head = s3.head_object(Bucket=s3_server.bucket, Key=entry.slides.name)
    bucket_url = f"{s3_server.endpoint_url}/{s3_server.bucket}"
    assert re.fullmatch(rf"{re.escape(live_server.url)}/jams/{jam.slug}/entries/{entry.pk}/", page.url)
    assert entry.is_submitted
    # Attached by key from the team's upload prefix: the bytes never went through our server.
    assert re.fullmatch(rf"uploads/teams/{team.pk}/[0-9a-f]{{16}}-deadline-slides\.pdf", entry.slides.name)
    assert re.fullmatch(rf"uploads/teams/{team.pk}/[0-9a-f]{{16}}-cover\.png", entry.image.name)
    assert (head["ContentLength"], head["ContentType"]) == (3 * MB, "application/pdf")
    presign_url = f"{live_server.url}/jams/{jam.slug}/submit/upload/"
    submit_url = f"{live_server.url}/jams/{jam.slug}/submit/"
    assert posts == [presign_url, bucket_url, presign_url, bucket_url, submit_url]
    assert script_errors == []


def test_a_failed_upload_to_s3_says_so_and_a_retry_submits(live_server, page, s3_storage, s3_server, tmp_path):
    jam = JamFactory.running()
    team = TeamFactory(jam=jam)
    allow_posts_from(s3_server, live_server.url)
    slides = tmp_path / "slides.pdf"
    slides.write_bytes(pdf_bytes(200 * 1024))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(team.created_by.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/jams/{jam.slug}/submit/")
    page.get_by_label("Title").fill("Retried")
    page.get_by_label("Authors").fill("Pat")
    page.get_by_label("Abstract").fill("The first upload was cut off.")
    page.set_input_files("#id_slides", str(slides))
    bucket_url = f"{s3_server.endpoint_url}/{s3_server.bucket}"
    page.route(bucket_url, lambda route: route.abort("connectionreset"))

    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_text("Oops! Something went wrong while submitting the form.")).to_be_visible()
    expect(page.get_by_test_id("upload-progress")).to_be_hidden()
    expect(page.get_by_role("button", name="Submit")).to_be_enabled()
    assert not Entry.objects.filter(team=team).exists()
    page.unroute(bucket_url)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(SUBMITTED)).to_be_visible()
    assert Entry.objects.get(team=team).slides.name.startswith(f"uploads/teams/{team.pk}/")
