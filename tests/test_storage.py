"""Uploads go through the default storage; with the S3 settings that is a real S3 API."""

import urllib.request

import pytest
from django.core.files.base import ContentFile

pytestmark = pytest.mark.django_db


def test_s3_storage_saves_into_the_bucket_and_reads_back_by_presigned_url(s3_storage, s3_server):
    content = b"%PDF-1.4 slides for the jam\n"

    name = s3_storage.save("jams/demo/entries/1/slides.pdf", ContentFile(content))

    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=name)
    assert head["ContentLength"] == len(content)
    acl = s3_server.client().get_object_acl(Bucket=s3_server.bucket, Key=name)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]  # private: owner only
    url = s3_storage.url(name)
    assert url.startswith(s3_server.endpoint_url)
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own test server
        assert response.read() == content


def test_s3_storage_never_overwrites(s3_storage):
    first = s3_storage.save("jams/demo/same.txt", ContentFile(b"one"))
    second = s3_storage.save("jams/demo/same.txt", ContentFile(b"two"))

    assert first != second
    assert s3_storage.open(first).read() == b"one"
    assert s3_storage.open(second).read() == b"two"
