"""The Content-Security-Policy header on every page, cached ones included."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in parts}


def test_pages_carry_a_strict_policy(client, running_jam):
    policy = directives(client.get(running_jam.get_absolute_url()))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["frame-src"] == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_a_cached_page_keeps_the_header(running_jam):
    first = Client().get(running_jam.get_absolute_url())
    again = Client().get(running_jam.get_absolute_url())

    assert again.context is None  # from the cache
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_s3_store_is_allowed_for_images_and_uploads(client, running_jam, s3_storage, s3_server):
    policy = directives(client.get(running_jam.get_absolute_url()))

    endpoint = s3_server.endpoint_url.rstrip("/")
    assert endpoint in policy["img-src"]
    assert endpoint in policy["connect-src"]
    assert endpoint not in policy["script-src"]


def test_with_local_storage_only_the_site_itself(client, running_jam):
    policy = directives(client.get(running_jam.get_absolute_url()))

    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
