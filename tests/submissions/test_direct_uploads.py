"""Uploads straight from the browser to S3 (moto's server over HTTP): the presigned POST,
the checks on save of what was uploaded, attaching by key, and the purge of leftovers."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.utils import timezone

from submissions.direct_uploads import (
    S3RangeReader,
    _CheckedFile,
    team_upload_prefix,
    upload_key_new,
    uploads_purge_unattached,
)
from submissions.models import Entry
from submissions.tasks import uploads_purge_task
from submissions.uploads import validate_slides
from tests.factories import JamFactory, TeamFactory, UserFactory
from tests.files import MB, decompression_bomb_png, pdf_bytes, png_bytes, pptx_bytes, slides

pytestmark = pytest.mark.django_db

MAX = 10 * 1024 * 1024
TITLE = "Why Might Negative Name Mover Heads Exist?"


@pytest.fixture
def team(running_jam):
    return TeamFactory(jam=running_jam, name="Negative Heads")


@pytest.fixture
def member_client(client, team):
    client.force_login(team.created_by)
    return client


@pytest.fixture
def s3(s3_server):
    return s3_server.client()


def presign(client, jam, *, field="slides", name="slides.pdf", size=1000):
    return client.post(f"/jams/{jam.slug}/submit/upload/", {"field": field, "name": name, "size": size})


def post_to_s3(answer: dict, data: bytes, filename: str = "slides.pdf") -> requests.Response:
    """What upload.js does: the presigned fields, then the file, as multipart/form-data."""
    return requests.post(answer["url"], data=answer["fields"], files={"file": (filename, data)}, timeout=30)


def upload(client, jam, data: bytes, *, field="slides", name="slides.pdf") -> str:
    answer = presign(client, jam, field=field, name=name, size=len(data)).json()
    assert post_to_s3(answer, data, name).status_code == 204
    return answer["key"]


def put(s3, s3_server, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
    """An object put into the bucket behind the presigned POST's back (moto enforces no policy)."""
    s3.put_object(Bucket=s3_server.bucket, Key=key, Body=data, ContentType=content_type)
    return key


def exists(s3, s3_server, key: str) -> bool:
    return "Contents" in s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=key)


def entry_form(**overrides) -> dict:
    data = {
        "title": TITLE,
        "abstract": "We form a theory of why Negative Name Mover Heads form in GPT-2 Small.",
        "authors": "Arthur Conmy and Callum McDougall",
        "repository_url": "https://github.com/example/negative-heads",
        "action": "submit",
    }
    data.update(overrides)
    return data


def submit(client, jam, **overrides):
    return client.post(f"/jams/{jam.slug}/submit/", entry_form(**overrides))


def text(response) -> str:
    return unescape(response.content.decode())


def assert_refused_and_kept(response, message: str) -> None:
    html = text(response)
    assert response.status_code == 400
    assert message in html
    assert f'value="{TITLE}"' in html  # what was typed is still there
    assert 'name="slides_key" value=""' in html  # a refused key is not sent back


# The presigned POST ---------------------------------------------------------------------


def test_presign_policy_pins_the_key_the_size_and_a_short_expiry(member_client, running_jam, team, s3_storage):
    before = datetime.now(UTC)

    response = presign(member_client, running_jam, name="My Slides (final).PDF", size=5 * MB)

    answer = response.json()
    policy = json.loads(base64.b64decode(answer["fields"]["policy"]))
    conditions = policy["conditions"]
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert response.status_code == 200
    assert sorted(answer) == ["fields", "key", "url"]
    assert answer["key"].startswith(f"uploads/teams/{team.pk}/")
    assert answer["key"].endswith("-my-slides-final.pdf")
    assert answer["fields"]["key"] == answer["key"]
    assert {"key": answer["key"]} in conditions
    assert ["content-length-range", 1, MAX] in conditions
    assert {"Content-Type": "application/octet-stream"} in conditions
    assert answer["fields"]["Content-Type"] == "application/octet-stream"
    assert {"x-amz-algorithm": "AWS4-HMAC-SHA256"} in conditions  # signature v4
    assert timedelta(minutes=9) <= expiration - before <= timedelta(minutes=11)


def test_presign_gives_a_new_key_each_time(member_client, running_jam, s3_storage):
    first = presign(member_client, running_jam).json()["key"]
    second = presign(member_client, running_jam).json()["key"]
    assert first != second


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"field": "video"}, "Select a valid choice. video is not one of the available choices."),
        ({"size": MAX + 1}, "Slides must be 10 MB or smaller (yours is 10,485,761 bytes)."),
        ({"field": "image", "size": 12 * MB}, "The project image must be 10 MB or smaller (yours is 12.0 MB)."),
        ({"size": 0}, "Ensure this value is greater than or equal to 1."),
        ({"size": "big"}, "Enter a whole number."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_presign_refuses_bad_requests_with_json(member_client, running_jam, s3_storage, params, message):
    response = member_client.post(
        f"/jams/{running_jam.slug}/submit/upload/", {"field": "slides", "name": "s.pdf", "size": 10, **params}
    )
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_presign_is_for_members_only(client, running_jam, team, s3_storage):
    anonymous = presign(client, running_jam)
    client.force_login(UserFactory())
    stranger = presign(client, running_jam)

    assert (anonymous.status_code, anonymous.json()) == (403, {"error": "Please log in to upload files."})
    assert (stranger.status_code, stranger.json()) == (
        403,
        {"error": "Form or join a team first: entries belong to teams."},
    )


def test_presign_refuses_after_the_deadline(client, s3_storage):
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=1))
    client.force_login(TeamFactory(jam=jam).created_by)

    response = presign(client, jam)

    assert response.status_code == 403
    assert "Your entry can no longer be changed." in response.json()["error"]


def test_presign_is_off_with_local_storage(member_client, running_jam):
    response = presign(member_client, running_jam)
    page = member_client.get(f"/jams/{running_jam.slug}/submit/")

    assert response.status_code == 404
    assert response.json()["error"].startswith("Direct upload is off on this site")
    assert "data-direct-upload" not in text(page)


def test_the_form_turns_direct_upload_on_with_s3(member_client, running_jam, s3_storage):
    page = text(member_client.get(f"/jams/{running_jam.slug}/submit/"))
    assert f'data-direct-upload="/jams/{running_jam.slug}/submit/upload/"' in page
    assert 'name="slides_key" value=""' in page
    assert 'name="image_key" value=""' in page


# Saving with a key: the happy paths ---------------------------------------------------------


def test_an_uploaded_pdf_is_attached_by_its_key_with_the_detected_type(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    data = pdf_bytes(300 * 1024)
    key = upload(member_client, running_jam, data)

    response = submit(member_client, running_jam, slides_key=key)

    entry = Entry.objects.get()
    head = s3.head_object(Bucket=s3_server.bucket, Key=key)
    assert response.status_code == 302
    assert entry.is_submitted
    assert entry.slides.name == key
    assert entry.slides.size == len(data)
    assert head["ContentType"] == "application/pdf"  # not the octet-stream the browser sent
    # Attached in place: no copy under the entry's folder, nothing else under the team's.
    assert not exists(s3, s3_server, f"jams/{running_jam.slug}/entries/{entry.pk}/")
    team_objects = s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=team_upload_prefix(team.pk))["Contents"]
    assert [o["Key"] for o in team_objects] == [key]


def test_the_detected_type_replaces_the_one_the_browser_sent(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    key = put(s3, s3_server, upload_key_new(team_id=team.pk, filename="deck.pdf"), pdf_bytes(), "text/html")

    submit(member_client, running_jam, slides_key=key)

    assert s3.head_object(Bucket=s3_server.bucket, Key=key)["ContentType"] == "application/pdf"


def test_html_posted_as_text_html_is_stored_and_served_as_a_pdf_attachment(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    """The policy pins application/octet-stream; S3 would refuse text/html, moto does not.
    Whatever the object was stored as, once checked it is the detected type, an attachment,
    private to caches, and the download link says so again."""
    data = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n"
    answer = presign(member_client, running_jam, name="talk.pdf", size=len(data)).json()
    posted = requests.post(
        answer["url"], data={**answer["fields"], "Content-Type": "text/html"}, files={"file": ("t", data)}, timeout=30
    )
    assert s3.head_object(Bucket=s3_server.bucket, Key=answer["key"])["ContentType"] == "text/html"

    submit(member_client, running_jam, slides_key=answer["key"])

    entry = Entry.objects.get()
    head = s3.head_object(Bucket=s3_server.bucket, Key=answer["key"])
    link = member_client.get(f"/jams/{running_jam.slug}/entries/{entry.pk}/slides/")
    served = requests.get(link["Location"], timeout=10)
    assert posted.status_code == 204
    assert (head["ContentType"], head["ContentDisposition"]) == ("application/pdf", "attachment")
    assert head["CacheControl"] == "private, max-age=300"
    assert served.content == data
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"] == 'attachment; filename="talk.pdf"'


def test_an_attached_picture_is_served_inline_as_its_type(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = upload(member_client, running_jam, png_bytes(), field="image", name="cover.png")
    submit(member_client, running_jam, image_key=key, action="draft")
    entry = Entry.objects.get()

    link = member_client.get(f"/jams/{running_jam.slug}/entries/{entry.pk}/image/")
    served = requests.get(link["Location"], timeout=10)

    head = s3.head_object(Bucket=s3_server.bucket, Key=key)
    assert (head["ContentType"], "ContentDisposition" in head) == ("image/png", False)
    assert served.headers["Content-Type"] == "image/png"
    assert "Content-Disposition" not in served.headers


def test_an_uploaded_image_and_pptx_are_attached(member_client, running_jam, team, s3_storage, s3, s3_server):
    slides_key = upload(member_client, running_jam, pptx_bytes(), name="deck.pptx")
    image_key = upload(member_client, running_jam, png_bytes(1200, 800), field="image", name="cover.png")

    response = submit(member_client, running_jam, slides_key=slides_key, image_key=image_key)

    entry = Entry.objects.get()
    assert response.status_code == 302
    assert (entry.slides.name, entry.image.name) == (slides_key, image_key)
    assert s3.head_object(Bucket=s3_server.bucket, Key=slides_key)["ContentType"] == (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    )
    assert s3.head_object(Bucket=s3_server.bucket, Key=image_key)["ContentType"] == "image/png"


def test_a_new_key_replaces_the_old_file_after_commit(
    member_client, running_jam, team, s3_storage, s3, s3_server, django_capture_on_commit_callbacks
):
    first = upload(member_client, running_jam, pdf_bytes(), name="first.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        submit(member_client, running_jam, slides_key=first)
    entry = Entry.objects.get()
    second = upload(member_client, running_jam, pdf_bytes(), name="second.pdf")

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(member_client, running_jam, slides_key=second, version=entry.version)

    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.slides.name == second
    assert exists(s3, s3_server, second)
    assert not exists(s3, s3_server, first)


def test_slides_download_as_an_attachment_with_their_name(member_client, running_jam, team, s3_storage):
    data = pdf_bytes()
    key = upload(member_client, running_jam, data, name="Final Deck.pdf")
    submit(member_client, running_jam, slides_key=key)
    entry = Entry.objects.get()

    response = member_client.get(f"/jams/{running_jam.slug}/entries/{entry.pk}/slides/")

    query = parse_qs(urlparse(response["Location"]).query)
    download = requests.get(response["Location"], timeout=10)
    assert query["response-content-disposition"] == ['attachment; filename="final-deck.pdf"']
    assert download.content == data
    assert download.headers["Content-Disposition"] == 'attachment; filename="final-deck.pdf"'


def test_the_checks_read_ranges_not_the_whole_object(team, s3_storage, s3, s3_server):
    """A 9 MB presentation: its end (the list of parts) and the first bytes of a part are
    read, not the 9 MB. (A PDF is read once through, 1 MB at a time: test_upload_hardening.)"""
    deck = io.BytesIO()
    with zipfile.ZipFile(deck, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/media/video.mp4", bytes(9 * MB))  # stored, not packed
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    data = deck.getvalue()
    key = put(s3, s3_server, upload_key_new(team_id=team.pk, filename="big.pptx"), data)
    ranges = []
    s3.meta.events.register("before-call.s3.GetObject", lambda params, **_: ranges.append(params["headers"]["Range"]))

    with _CheckedFile(S3RangeReader(client=s3, bucket=s3_server.bucket, key=key, size=len(data))) as file:
        detected = validate_slides(file)

    fetched = sum(int(end) - int(start) + 1 for start, end in (r.removeprefix("bytes=").split("-") for r in ranges))
    assert detected.kind == "pptx"
    assert 0 < fetched <= 256 * 1024


# Saving with a key: each bad input ------------------------------------------------------------


def test_a_key_outside_the_teams_prefix_is_refused_and_left_alone(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    key = put(s3, s3_server, f"jams/{running_jam.slug}/entries/1/0123456789abcdef-slides.pdf", pdf_bytes())

    response = submit(member_client, running_jam, slides_key=key)

    assert_refused_and_kept(response, "This isn't a file uploaded for your entry. Please pick the file again.")
    assert not Entry.objects.exists()
    assert exists(s3, s3_server, key)  # not ours to delete


@pytest.mark.parametrize(
    "key",
    ["uploads/teams/{team}/../../{other}/0123456789abcdef-s.pdf", "uploads/teams/{team}/nothex-s.pdf", "/etc/passwd"],
)
def test_odd_keys_are_refused(member_client, running_jam, team, s3_storage, key):
    response = submit(member_client, running_jam, slides_key=key.format(team=team.pk, other=team.pk + 1))

    assert_refused_and_kept(response, "This isn't a file uploaded for your entry.")
    assert not Entry.objects.exists()


def test_another_teams_key_is_refused_and_left_alone(client, running_jam, team, s3_storage, s3, s3_server):
    other = TeamFactory(jam=running_jam, name="Othello")
    client.force_login(other.created_by)
    theirs = upload(client, running_jam, pdf_bytes())
    client.force_login(team.created_by)

    response = submit(client, running_jam, slides_key=theirs)

    assert_refused_and_kept(response, "This file was uploaded by another team, so it can't be attached to your entry.")
    assert not Entry.objects.exists()
    assert exists(s3, s3_server, theirs)


def test_an_object_over_10_mib_is_refused_and_deleted(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = put(s3, s3_server, upload_key_new(team_id=team.pk, filename="huge.pdf"), pdf_bytes(MAX + 1))

    response = submit(member_client, running_jam, slides_key=key)

    assert_refused_and_kept(response, "Slides must be 10 MB or smaller (yours is 10,485,761 bytes).")
    assert not Entry.objects.exists()
    assert not exists(s3, s3_server, key)


def test_an_object_of_exactly_10_mib_is_accepted(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = put(s3, s3_server, upload_key_new(team_id=team.pk, filename="full.pdf"), pdf_bytes(MAX))

    response = submit(member_client, running_jam, slides_key=key)

    assert response.status_code == 302
    assert Entry.objects.get().slides.name == key


def test_an_executable_renamed_as_pdf_is_refused_and_deleted(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    exe = b"MZ\x90\x00\x03" + b"\x00" * 5000
    key = upload(member_client, running_jam, exe, name="slides.pdf")

    response = submit(member_client, running_jam, slides_key=key)

    assert_refused_and_kept(response, "this file's content is none of those")
    assert not Entry.objects.exists()
    assert not exists(s3, s3_server, key)


def test_a_decompression_bomb_image_is_refused_and_deleted(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = upload(member_client, running_jam, decompression_bomb_png(), field="image", name="cover.png")

    response = submit(member_client, running_jam, image_key=key, action="draft")

    assert_refused_and_kept(response, "The project image may have at most 40 megapixels")
    assert not Entry.objects.exists()
    assert not exists(s3, s3_server, key)


def test_a_truncated_png_is_refused(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = upload(member_client, running_jam, png_bytes(600, 400)[:-40], field="image", name="cover.png")

    response = submit(member_client, running_jam, image_key=key, action="draft")

    assert_refused_and_kept(response, "The project image must be a JPEG, PNG, WebP or GIF picture")
    assert not exists(s3, s3_server, key)


def test_an_empty_object_is_refused_and_deleted(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = put(s3, s3_server, upload_key_new(team_id=team.pk, filename="empty.pdf"), b"")

    response = submit(member_client, running_jam, slides_key=key)

    assert_refused_and_kept(response, "Your slides file is empty. Please pick another.")
    assert not exists(s3, s3_server, key)


def test_a_key_that_does_not_exist_is_refused(member_client, running_jam, team, s3_storage):
    key = upload_key_new(team_id=team.pk, filename="ghost.pdf")

    response = submit(member_client, running_jam, slides_key=key)

    assert_refused_and_kept(response, "We can't find your uploaded slides: the upload may have failed or expired.")
    assert not Entry.objects.exists()


def test_a_reused_key_is_refused_and_the_attached_file_kept(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    key = upload(member_client, running_jam, pdf_bytes())
    submit(member_client, running_jam, slides_key=key, action="draft")
    entry = Entry.objects.get()

    response = submit(member_client, running_jam, slides_key=key, title=TITLE, version=entry.version)
    as_image = submit(member_client, running_jam, image_key=key, version=entry.version, action="draft")

    assert_refused_and_kept(response, "This upload is already attached to an entry.")
    assert "This upload is already attached to an entry." in text(as_image)
    assert Entry.objects.get().version == entry.version  # nothing saved
    assert Entry.objects.get().slides.name == key
    assert exists(s3, s3_server, key)


def test_one_key_for_both_files_is_refused(member_client, running_jam, team, s3_storage):
    key = upload(member_client, running_jam, png_bytes(), field="image", name="cover.png")

    response = submit(member_client, running_jam, slides_key=key, image_key=key, action="draft")

    assert_refused_and_kept(response, "The same upload can't be both the slides and the project image.")
    assert not Entry.objects.exists()


def test_a_key_and_a_file_together_are_refused(member_client, running_jam, team, s3_storage):
    key = upload(member_client, running_jam, pdf_bytes())

    response = submit(member_client, running_jam, slides_key=key, slides=slides())

    assert_refused_and_kept(response, "Send either the file or the key of its direct upload, not both.")
    assert not Entry.objects.exists()


def test_a_key_with_local_storage_is_refused(member_client, running_jam, team):
    response = submit(member_client, running_jam, slides_key=upload_key_new(team_id=team.pk, filename="s.pdf"))

    assert_refused_and_kept(response, "Direct upload is off on this site: attach the file to the form instead.")


def test_a_good_upload_in_a_refused_form_is_deleted(member_client, running_jam, team, s3_storage, s3, s3_server):
    key = upload(member_client, running_jam, pdf_bytes())

    response = submit(member_client, running_jam, slides_key=key, repository_url="http://example.com/code")

    assert_refused_and_kept(response, "Please give an https:// link.")
    assert not Entry.objects.exists()
    assert not exists(s3, s3_server, key)


def test_a_good_upload_in_an_incomplete_submission_is_deleted(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    key = upload(member_client, running_jam, png_bytes(), field="image", name="cover.png")

    response = submit(member_client, running_jam, image_key=key)  # submit needs slides

    assert_refused_and_kept(response, "To submit, your entry needs slides.")
    assert not Entry.objects.exists()
    assert not exists(s3, s3_server, key)


def test_an_upload_too_old_to_attach_is_refused(team, s3_storage, s3, s3_server):
    from django.core.exceptions import ValidationError

    from submissions.direct_uploads import upload_check

    key = put(s3, s3_server, upload_key_new(team_id=team.pk, filename="old.pdf"), pdf_bytes())

    with pytest.raises(ValidationError) as refused:
        upload_check(
            storage=s3_storage, key=key, team_id=team.pk, field="slides", now=timezone.now() + timedelta(hours=13)
        )

    assert refused.value.messages == ["Your slides upload is too old to attach. Please pick the file again."]
    assert not exists(s3, s3_server, key)


# The purge of uploads never attached ------------------------------------------------------------


def test_purge_deletes_old_unattached_uploads_and_keeps_attached_ones(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    attached = upload(member_client, running_jam, pdf_bytes())
    submit(member_client, running_jam, slides_key=attached)
    leftover = upload(member_client, running_jam, pdf_bytes(), name="abandoned.pdf")
    elsewhere = put(s3, s3_server, f"jams/{running_jam.slug}/entries/9/0123456789abcdef-kept.pdf", pdf_bytes())

    deleted = uploads_purge_unattached(older_than=timedelta(0), now=timezone.now() + timedelta(seconds=5))

    assert leftover in deleted
    assert attached not in deleted
    assert not exists(s3, s3_server, leftover)
    assert exists(s3, s3_server, attached)
    assert exists(s3, s3_server, elsewhere)  # only uploads/ is purged


def test_purge_keeps_a_fresh_upload_for_24_hours(member_client, running_jam, team, s3_storage, s3, s3_server):
    fresh = upload(member_client, running_jam, pdf_bytes())

    now = uploads_purge_unattached()
    in_23_hours = uploads_purge_unattached(now=timezone.now() + timedelta(hours=23))
    in_25_hours = uploads_purge_unattached(now=timezone.now() + timedelta(hours=25))

    assert fresh not in now
    assert fresh not in in_23_hours
    assert fresh in in_25_hours
    assert not exists(s3, s3_server, fresh)


def test_purge_task_runs_the_purge(member_client, running_jam, team, s3_storage, s3, s3_server):
    fresh = upload(member_client, running_jam, pdf_bytes())

    deleted = uploads_purge_task.apply().get()

    assert deleted == 0  # everything in the bucket was put there by this run, minutes ago
    assert exists(s3, s3_server, fresh)


def test_purge_does_nothing_with_local_storage():
    assert uploads_purge_unattached(older_than=timedelta(0)) == []


def test_the_purge_is_scheduled_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["uploads-purge"]
    assert (entry["task"], entry["schedule"]) == ("submissions.tasks.uploads_purge_task", 3600.0)


def test_the_service_refuses_a_key_attached_since_the_form_checked_it(
    member_client, running_jam, team, s3_storage, s3, s3_server
):
    from django.core.exceptions import ValidationError

    from submissions.direct_uploads import UploadedKey
    from submissions.services import EntryFiles, entry_save
    from submissions.uploads import Detected

    key = upload(member_client, running_jam, pdf_bytes())
    submit(member_client, running_jam, slides_key=key, action="draft")
    entry = Entry.objects.get()
    checked = UploadedKey(key=key, detected=Detected("pdf", ".pdf"), size=100)  # as a racing request saw it

    with pytest.raises(ValidationError) as refused:
        entry_save(
            team=team,
            user=team.created_by,
            data={"title": "Other"},
            files=EntryFiles(image=checked),
            version=entry.version,
            submit=False,
        )

    assert refused.value.message_dict == {
        "image": ["This upload is already attached to an entry. Please pick the file again to upload a new copy."]
    }
    assert Entry.objects.get().title == entry.title
    assert exists(s3, s3_server, key)  # still the entry's slides
