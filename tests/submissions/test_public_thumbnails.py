"""Thumbnails of submitted entries: public, unsigned, immutable and cacheable for a year;
a draft's stay private. On moto's S3 server over HTTP, and on local disk."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from django.conf import settings as django_settings
from django.core.files.base import ContentFile

from jams.cache import jam_scope, versions_get
from submissions.models import Entry
from submissions.thumbnails import entry_thumbnails_make, thumbnail_url
from tests.factories import EntryFactory, TeamFactory
from tests.files import image, png_bytes, slides

pytestmark = pytest.mark.django_db

IMMUTABLE = "public, max-age=31536000, immutable"


def with_image(entry: Entry, color: str = "teal") -> Entry:
    entry.image.save("cover.png", ContentFile(png_bytes(color=color)))
    return entry


def made(entry: Entry) -> Entry:
    assert entry_thumbnails_make(entry_id=entry.pk) is True
    entry.refresh_from_db()
    return entry


def keys_under(s3, s3_server, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=s3_server.bucket, Prefix=prefix).get("Contents", [])]


def test_a_submitted_entrys_thumbnails_are_public_and_cacheable_for_a_year(running_jam, s3_storage, s3_server):
    entry = made(with_image(EntryFactory(team=TeamFactory(jam=running_jam))))
    s3 = s3_server.client()

    for name in (entry.thumbnail_card.name, entry.thumbnail_small.name):
        url = thumbnail_url(name)
        response = requests.get(url, timeout=10)  # no credentials, no signature
        head = s3.head_object(Bucket=s3_server.bucket, Key=name)
        grants = s3.get_object_acl(Bucket=s3_server.bucket, Key=name)["Grants"]
        assert name.startswith(f"public/jams/{running_jam.slug}/entries/{entry.pk}/")
        assert urlparse(url).query == ""
        assert url == f"{s3_server.endpoint_url}/{s3_server.bucket}/{name}"
        assert head["CacheControl"] == IMMUTABLE
        assert head["ContentType"] == "image/jpeg"
        assert (response.status_code, response.headers["Cache-Control"]) == (200, IMMUTABLE)
        assert response.content[:3] == b"\xff\xd8\xff"  # a JPEG
        assert any(
            g["Grantee"].get("URI") == "http://acs.amazonaws.com/groups/global/AllUsers" and g["Permission"] == "READ"
            for g in grants
        )


def test_a_drafts_thumbnails_stay_private(running_jam, s3_storage, s3_server):
    entry = made(with_image(EntryFactory(team=TeamFactory(jam=running_jam), state="draft", submitted_at=None)))
    s3 = s3_server.client()

    url = thumbnail_url(entry.thumbnail_card.name)
    grants = s3.get_object_acl(Bucket=s3_server.bucket, Key=entry.thumbnail_card.name)["Grants"]

    assert entry.thumbnail_card.name.startswith(f"jams/{running_jam.slug}/entries/{entry.pk}/")
    assert keys_under(s3, s3_server, f"public/jams/{running_jam.slug}/entries/{entry.pk}/") == []
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url
    assert all("URI" not in g["Grantee"] for g in grants)


def test_submitting_a_draft_publishes_its_thumbnails(
    client, running_jam, s3_storage, s3_server, django_capture_on_commit_callbacks
):
    team = TeamFactory(jam=running_jam)
    client.force_login(team.created_by)
    form = {"title": "Circuits", "abstract": "We found one.", "authors": "Us"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jams/{running_jam.slug}/submit/", {**form, "action": "draft", "image": image()})
    draft = Entry.objects.get()
    private = [draft.thumbnail_card.name, draft.thumbnail_small.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/jams/{running_jam.slug}/submit/",
            {**form, "action": "submit", "slides": slides(), "version": draft.version},
        )

    entry = Entry.objects.get()
    s3 = s3_server.client()
    assert response.status_code == 302
    assert not any(name.startswith("public/") for name in private)
    assert entry.thumbnail_card.name.startswith("public/")
    assert entry.thumbnail_small.name.startswith("public/")
    assert s3.head_object(Bucket=s3_server.bucket, Key=entry.thumbnail_card.name)["CacheControl"] == IMMUTABLE
    assert [keys_under(s3, s3_server, name) for name in private] == [[], []]  # the private copies are gone


def test_a_new_image_gets_new_thumbnail_names(running_jam, s3_storage, s3_server):
    entry = made(with_image(EntryFactory(team=TeamFactory(jam=running_jam)), color="red"))
    old = [entry.thumbnail_card.name, entry.thumbnail_small.name]

    entry = made(with_image(entry, color="blue"))

    s3 = s3_server.client()
    assert entry.thumbnail_card.name.startswith("public/")
    assert entry.thumbnail_card.name not in old
    assert entry.thumbnail_small.name not in old
    assert [keys_under(s3, s3_server, name) for name in old] == [[], []]


def test_a_made_or_published_thumbnail_marks_the_jams_pages_stale(
    running_jam, s3_storage, django_capture_on_commit_callbacks
):
    entry = with_image(EntryFactory(team=TeamFactory(jam=running_jam), state="draft", submitted_at=None))
    scope = jam_scope(running_jam.slug)
    before = versions_get([scope])[scope]

    with django_capture_on_commit_callbacks(execute=True):
        made(entry)
    after_making = versions_get([scope])[scope]
    Entry.objects.filter(pk=entry.pk).update(state="submitted", submitted_at=entry.created_at)
    with django_capture_on_commit_callbacks(execute=True):
        made(entry)
    after_publishing = versions_get([scope])[scope]

    assert len({before, after_making, after_publishing}) == 3


def test_a_draft_again_takes_its_thumbnails_back_private(running_jam, s3_storage, s3_server):
    entry = made(with_image(EntryFactory(team=TeamFactory(jam=running_jam))))
    public = entry.thumbnail_card.name
    Entry.objects.filter(pk=entry.pk).update(state="draft", submitted_at=None)

    entry = made(entry)

    assert not entry.thumbnail_card.name.startswith("public/")
    assert keys_under(s3_server.client(), s3_server, public) == []


def test_the_gallery_shows_the_stable_url_to_visitors(client, running_jam, s3_storage, s3_server):
    entry = made(with_image(EntryFactory(team=TeamFactory(jam=running_jam))))

    html = client.get(f"/jams/{running_jam.slug}/entries/").content.decode()
    detail = client.get(entry.get_absolute_url()).content.decode()

    src = f'src="{s3_server.endpoint_url}/{s3_server.bucket}/{entry.thumbnail_card.name}"'
    assert src in html
    assert src in detail
    assert "X-Amz-Signature" not in html


def test_locally_public_thumbnails_are_under_media_public(running_jam):
    entry = made(with_image(EntryFactory(team=TeamFactory(jam=running_jam))))

    inner = entry.thumbnail_card.name.removeprefix("public/")
    assert entry.thumbnail_card.name.startswith("public/")
    assert (Path(django_settings.MEDIA_ROOT) / "public" / inner).is_file()
    assert thumbnail_url(entry.thumbnail_card.name) == f"/media/public/{inner}"
