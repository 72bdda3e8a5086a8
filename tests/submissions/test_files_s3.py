"""Uploads on a real S3 API (moto's server over HTTP): private keys, presigned downloads."""

import urllib.request

import pytest

from submissions.models import Entry
from tests.factories import TeamFactory, UserFactory
from tests.files import image, pdf_bytes, slides, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(running_jam):
    return TeamFactory(jam=running_jam, name="ACDC++")


def submit(client, jam, action="submit", **files):
    form = {"title": "ACDC++", "abstract": "Faster circuit discovery.", "authors": "Lucy Farnik", "action": action}
    return client.post(f"/jams/{jam.slug}/submit/", {**form, **files})


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own test server
        return response.read()


def test_files_land_in_the_bucket_under_private_keys(client, running_jam, team, s3_storage, s3_server):
    client.force_login(team.created_by)

    submit(client, running_jam, slides=slides(), image=image())

    entry = Entry.objects.get()
    s3 = s3_server.client()
    for field in (entry.slides, entry.image):
        assert field.name.startswith(f"jams/{running_jam.slug}/entries/{entry.pk}/")
        head = s3.head_object(Bucket=s3_server.bucket, Key=field.name)
        assert head["ContentLength"] == field.size
        grants = s3.get_object_acl(Bucket=s3_server.bucket, Key=field.name)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
        assert all("URI" not in g["Grantee"] for g in grants)  # no AllUsers / AuthenticatedUsers


def test_team_member_downloads_through_a_presigned_url(client, running_jam, team, s3_storage):
    data = pdf_bytes()
    client.force_login(team.created_by)
    submit(client, running_jam, action="draft", slides=upload("slides.pdf", data))
    entry = Entry.objects.get()

    response = client.get(f"/jams/{running_jam.slug}/entries/{entry.pk}/slides/")

    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url
    assert fetch(url) == data


def test_download_view_refuses_a_stranger_for_a_draft(client, running_jam, team, s3_storage):
    client.force_login(team.created_by)
    submit(client, running_jam, action="draft", slides=slides())
    entry = Entry.objects.get()
    url = f"/jams/{running_jam.slug}/entries/{entry.pk}/slides/"

    client.force_login(UserFactory())
    as_stranger = client.get(url)
    client.logout()
    as_visitor = client.get(url)

    assert as_stranger.status_code == 404
    assert as_visitor.status_code == 404


def test_anyone_downloads_a_submitted_entrys_slides(client, running_jam, team, s3_storage):
    data = pdf_bytes()
    client.force_login(team.created_by)
    submit(client, running_jam, slides=upload("slides.pdf", data))
    client.logout()

    response = client.get(f"/jams/{running_jam.slug}/entries/{Entry.objects.get().pk}/slides/")

    assert response.status_code == 302
    assert fetch(response["Location"]) == data


def test_replacing_a_file_removes_the_old_object(
    client, running_jam, team, s3_storage, s3_server, django_capture_on_commit_callbacks
):
    client.force_login(team.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, running_jam, slides=slides())
    entry = Entry.objects.get()
    old = entry.slides.name

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, running_jam, version=entry.version, slides=slides(name="v2.pdf"))

    entry.refresh_from_db()
    assert response.status_code == 302
    keys = {o["Key"] for o in s3_server.client().list_objects_v2(Bucket=s3_server.bucket)["Contents"]}
    assert entry.slides.name in keys
    assert old not in keys
