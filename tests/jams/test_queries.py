"""List pages run the same number of queries with one item as with many."""

import pytest

from tests.factories import (
    JamFactory,
    ResourceFactory,
    SignUpFactory,
    SpeakerFactory,
    TestimonialFactory,
    UserFactory,
)
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

BOUND = 12


def fill_jam(jam, *, signups: int, resources: int, speakers: int) -> None:
    users = UserFactory.create_batch(signups)
    for user in users:
        SignUpFactory(jam=jam, user=user)
    ResourceFactory.create_batch(resources, jam=jam)
    SpeakerFactory.create_batch(speakers, jam=jam)


def test_jam_page_queries_do_not_grow_with_signups_resources_speakers(client, user):
    small, large = JamFactory.running(), JamFactory.running()
    fill_jam(small, signups=1, resources=1, speakers=1)
    fill_jam(large, signups=1000, resources=30, speakers=10)
    TestimonialFactory.create_batch(5)
    client.force_login(user)

    small_count = count_queries(lambda: client.get(small.get_absolute_url()))
    response = client.get(large.get_absolute_url())
    large_count = count_queries(lambda: client.get(large.get_absolute_url()))

    assert response.context["jam"].signup_count == 1000
    assert len(response.context["jam"].public_signups) == 1000
    assert small_count == large_count
    assert large_count <= BOUND


def test_home_queries_do_not_grow_with_jams(client):
    JamFactory.running()
    one = count_queries(lambda: client.get("/"))
    for _ in range(49):
        jam = JamFactory.running()
        SignUpFactory(jam=jam)

    response = client.get("/")
    fifty = count_queries(lambda: client.get("/"))

    assert len(response.context["jams"].running) == 50
    assert one == fifty
    assert fifty <= BOUND
