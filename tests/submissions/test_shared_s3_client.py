"""One boto3 client per process for S3 (hackathon/storage.py), on moto's server.

django-storages keeps a boto3 session per thread (`_connections`, `_unsigned_connections`,
threading.local), about 14 MB each: what a request does with S3 must not make one."""

from __future__ import annotations

import threading

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from storages.backends.s3 import S3Storage as DjangoStoragesS3Storage

from hackathon.storage import S3Storage, s3_client
from submissions.direct_uploads import upload_check, upload_presign
from submissions.models import Entry
from submissions.services import entry_notify
from tests.factories import TeamFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


def made_a_session(storage) -> bool:
    """Whether this thread has django-storages' per-thread connection (signed or not)."""
    return hasattr(storage._connections, "connection") or hasattr(storage._unsigned_connections, "connection")


def in_new_thread(function):
    """Run `function` in a thread of its own (a fresh threading.local) and return its result."""
    result = {}

    def run():
        try:
            result["value"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result["value"]


# The shared client -------------------------------------------------------------------------


def test_every_thread_and_both_storages_share_one_client(s3_storage):
    default, public = storages["default"], storages["public"]

    clients = {id(s3_client(default)), id(s3_client(public))}
    clients |= {in_new_thread(lambda: id(s3_client(default))) for _ in range(3)}

    assert len(clients) == 1
    assert not made_a_session(default)
    assert not made_a_session(public)


def test_another_configuration_gets_its_own_client(s3_storage, s3_server):
    other = S3Storage(**{**s3_server.storage_setting()["OPTIONS"], "region_name": "eu-west-3"})

    assert s3_client(other) is not s3_client(storages["default"])
    assert s3_client(other).meta.region_name == "eu-west-3"
    assert s3_client(other) is s3_client(
        S3Storage(**{**s3_server.storage_setting()["OPTIONS"], "region_name": "eu-west-3"})
    )


def test_the_client_is_made_with_the_storages_settings(s3_storage, s3_server):
    client = s3_client(storages["default"])

    assert client.meta.endpoint_url == s3_server.endpoint_url
    assert client.meta.region_name == s3_server.region
    assert client.meta.config.signature_version == "s3v4"
    assert client.meta.config.s3 == {"addressing_style": "path"}
    assert client._request_signer._credentials.access_key == s3_server.access_key


def test_storage_calls_go_through_the_shared_client_in_any_thread(s3_storage, s3_server):
    """delete, exists, size and a signed url: what a web request asks of the storage."""
    storage = storages["default"]
    name = storage.save("jams/demo/entries/1/deck.pdf", ContentFile(b"%PDF-1.4 deck"))

    def calls():
        found = (storage.exists(name), storage.size(name), requests.get(storage.url(name), timeout=10).content)
        storage.delete(name)
        storage.delete(name)  # already gone: not an error
        with pytest.raises(FileNotFoundError):
            storage.size(name)
        return found, storage.exists(name), made_a_session(storage)

    found, exists_after, session = in_new_thread(calls)

    assert found == (True, len(b"%PDF-1.4 deck"), b"%PDF-1.4 deck")
    assert exists_after is False
    assert session is False


def test_the_signed_url_is_django_storages_own(s3_storage):
    storage = storages["default"]
    base = DjangoStoragesS3Storage(**_options(storage))

    ours, theirs = (
        storage.url("a/b c.pdf", parameters={"ResponseContentDisposition": "attachment"}),
        base.url("a/b c.pdf", parameters={"ResponseContentDisposition": "attachment"}),
    )

    assert ours.split("?")[0] == theirs.split("?")[0]
    assert _query_names(ours) == _query_names(theirs)


def test_a_direct_upload_presigned_posted_and_checked_makes_no_session(s3_storage):
    storage = storages["default"]
    team = TeamFactory()
    data = pdf_bytes(200 * 1024)

    def flow():
        answer = upload_presign(storage=storage, team_id=team.pk, filename="deck.pdf")
        stored = requests.post(answer["url"], data=answer["fields"], files={"file": ("deck.pdf", data)}, timeout=30)
        assert stored.status_code == 204
        return answer["key"], made_a_session(storage)

    key, session = in_new_thread(flow)
    # The check queries the database: run in the test's thread (no session there either).
    checked = upload_check(storage=storage, key=key, team_id=team.pk, field="slides")

    assert checked.size == len(data)
    assert session is False
    assert not made_a_session(storage)


def test_the_surge_request_makes_no_session(client, running_jam, s3_storage, s3_server, mailoutbox):
    """What `make bench`'s surge does in the web process: the submit page, a presigned
    POST, the upload, the form with the key (checks, attach), then a replacement; and
    what follows the commit there: the confirmation email (the file's size) and the
    replaced object's deletion. (The page images of the slides are a Celery worker's.)"""
    team = TeamFactory(jam=running_jam)
    client.force_login(team.created_by)
    submit_url = f"/jams/{running_jam.slug}/submit/"

    def upload() -> str:
        answer = client.post(f"{submit_url}upload/", {"field": "slides", "name": "deck.pdf", "size": 5000}).json()
        requests.post(answer["url"], data=answer["fields"], files={"file": ("deck.pdf", pdf_bytes(5000))}, timeout=30)
        return answer["key"]

    form = {"title": "Probes", "abstract": "A deception direction.", "authors": "A team", "action": "submit"}
    assert client.get(submit_url).status_code == 200
    assert client.post(submit_url, {**form, "slides_key": upload()}).status_code == 302
    entry = Entry.objects.get(team=team)
    first = entry.slides
    assert client.post(submit_url, {**form, "slides_key": upload(), "version": entry.version}).status_code == 302
    assert entry_notify(entry_id=entry.pk)
    first.storage.delete(first.name)

    assert len(mailoutbox) == 1
    assert "Contents" not in s3_server.client().list_objects_v2(Bucket=s3_server.bucket, Prefix=first.name)
    assert not made_a_session(storages["default"])
    assert not made_a_session(storages["public"])


# Public URLs ---------------------------------------------------------------------------------


def test_a_public_url_is_the_one_django_storages_gave_without_boto(s3_storage, s3_server):
    public = storages["public"]
    name = "jams/demo/entries/1/card.jpg"
    s3_server.client().put_object(
        Bucket=s3_server.bucket, Key=f"public/{name}", Body=b"\xff\xd8 a card", ACL="public-read"
    )
    base = DjangoStoragesS3Storage(**_options(public))

    url = in_new_thread(lambda: (public.url(name), made_a_session(public), public._bucket))

    assert url == (base.url(name), False, None)
    assert url[0] == f"{s3_server.endpoint_url}/{s3_server.bucket}/public/{name}"
    assert requests.get(url[0], timeout=10).content == b"\xff\xd8 a card"  # public-read, unsigned
    assert not made_a_session(public)


@pytest.mark.parametrize(
    ("endpoint_url", "addressing_style", "region_name"),
    [
        ("http://127.0.0.1:9000", "path", "us-east-1"),
        ("https://minio.example.org", "path", "eu-west-3"),
        ("https://minio.example.org/s3/", "path", "us-east-1"),
        ("https://minio.example.org", "virtual", "us-east-1"),
        ("http://localhost:9000", "virtual", "us-east-1"),
        (None, "path", "us-east-1"),
        (None, "path", "eu-west-3"),
        (None, "virtual", "us-east-1"),
        (None, "virtual", "eu-west-3"),
    ],
)
def test_a_public_url_matches_django_storages_for_each_addressing_style(endpoint_url, addressing_style, region_name):
    """Building a URL needs no server: compared with the base class's for the same key."""
    options = {
        "bucket_name": "jam-uploads",
        "endpoint_url": endpoint_url,
        "access_key": "key",
        "secret_key": "secret",
        "region_name": region_name,
        "signature_version": "s3v4",
        "addressing_style": addressing_style,
        "location": "public",
        "querystring_auth": False,
    }
    ours = S3Storage(**options)
    name = "jams/deadline-night/entries/7/0a1b2c-card~1 é.jpg"

    assert ours._plain_url(ours._key(name)) == DjangoStoragesS3Storage(**options).url(name)
    assert ours.url(name) == DjangoStoragesS3Storage(**options).url(name)
    assert not made_a_session(ours)


def test_a_public_url_uses_the_custom_domain(s3_storage, s3_server):
    public = S3Storage(**{**_options(storages["public"]), "custom_domain": "cdn.example.org"})

    assert public.url("jams/x/card.jpg") == "https://cdn.example.org/public/jams/x/card.jpg"
    assert not made_a_session(public)


def _options(storage) -> dict:
    names = ("bucket_name", "endpoint_url", "access_key", "secret_key", "region_name", "signature_version")
    names += ("addressing_style", "location", "querystring_auth", "querystring_expire", "custom_domain")
    return {name: getattr(storage, name) for name in names}


def _query_names(url: str) -> list[str]:
    from urllib.parse import parse_qsl, urlsplit

    return sorted(name for name, _ in parse_qsl(urlsplit(url).query))


def test_the_masters_preload_runs_without_django_settings():
    """gunicorn.conf.py's on_starting calls it in the master, before any worker loads Django."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    code = "import hackathon.storage as s; s.botocore_preload(); assert s._loader is not None"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
