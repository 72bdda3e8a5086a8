"""A jam's cover image is public: the jam page, cached for days, carries a stable URL,
never a presigned one that expires after minutes."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests.files import png_bytes, upload

pytestmark = pytest.mark.django_db


def test_the_cover_on_s3_has_a_stable_unsigned_public_url(running_jam, s3_storage, s3_server):
    running_jam.cover_image.save("cover.png", upload("cover.png", png_bytes(), "image/png"), save=True)

    url = running_jam.cover_image.url
    fetched = requests.get(url, timeout=10)

    assert urlsplit(url).query == ""
    assert running_jam.cover_image.name.startswith("jams/covers/")
    assert urlsplit(url).path.endswith("/public/" + running_jam.cover_image.name)
    assert fetched.status_code == 200
    assert fetched.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_each_upload_of_a_cover_gets_a_new_name(running_jam, s3_storage):
    running_jam.cover_image.save("cover.png", upload("cover.png", png_bytes(), "image/png"), save=True)
    first = running_jam.cover_image.name
    running_jam.cover_image.save("cover.png", upload("cover.png", png_bytes(color="red"), "image/png"), save=True)

    assert running_jam.cover_image.name != first


def test_the_jam_page_shows_the_cover_from_the_public_storage(client, running_jam, s3_storage):
    running_jam.cover_image.save("cover.png", upload("cover.png", png_bytes(), "image/png"), save=True)

    html = client.get(running_jam.get_absolute_url()).content.decode()

    assert running_jam.cover_image.url in html
    assert "X-Amz-Signature" not in html
